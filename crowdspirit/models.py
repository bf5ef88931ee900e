"""Imports every domain's models so that SQLAlchemy and Alembic see the whole schema."""

from .accounts.models import Organisation, User
from .api.models import ApiCall, ApiToken, Webhook, WebhookDelivery
from .attachments.models import Attachment
from .audit.models import AccessVersion, AuditEvent
from .forum.models import Appeal, Flag, Post, PostRevision, Reaction, Thread
from .karma.models import InviteLink, KarmaEvent, KarmaTotal, Referral
from .notifications.models import Notification, ThreadFollow
from .pipeline.models import Idea, StageTransition, Tag, Vote
from .projects.models import Invitation, JoinRequest, NdaAcceptance, NdaVersion, Project, ProjectMembership
from .search.models import SearchOutbox
from .specs.models import Amendment, FeatureRating, SpecApproval, SpecRevision

__all__ = [
    "AccessVersion", "Amendment", "ApiCall", "ApiToken", "Appeal", "Attachment", "AuditEvent", "FeatureRating",
    "Flag", "Idea", "InviteLink", "Invitation", "JoinRequest", "KarmaEvent", "KarmaTotal",
    "NdaAcceptance", "NdaVersion", "Notification", "Organisation", "Post", "PostRevision", "Project",
    "ProjectMembership", "Reaction", "Referral", "SearchOutbox", "SpecApproval", "SpecRevision", "StageTransition",
    "Tag", "Thread", "ThreadFollow", "User", "Vote", "Webhook", "WebhookDelivery",
]
