"""Imports every domain's models so that SQLAlchemy and Alembic see the whole schema."""

from .accounts.models import Organisation, User
from .api.models import ApiCall, ApiToken, Webhook, WebhookDelivery
from .attachments.models import Attachment
from .audit.models import AccessVersion, AuditEvent
from .contests.models import (
    Contest,
    ContestInvitation,
    CopyrightTransfer,
    Criterion,
    Entry,
    EntryComment,
    EntryFile,
    EntryHeart,
    EntryRevision,
    Score,
    TermsAcceptance,
)
from .forum.models import Appeal, Flag, Post, PostRevision, Reaction, Thread
from .karma.models import InviteLink, KarmaEvent, KarmaTotal, Referral
from .ledger.models import LedgerLine, LedgerTransaction
from .notifications.models import Notification, ThreadFollow
from .pipeline.models import Idea, StageTransition, Tag, Vote
from .projects.models import Invitation, JoinRequest, NdaAcceptance, NdaVersion, Project, ProjectMembership
from .rnd.models import (
    Decision,
    Document,
    DocumentVersion,
    Interest,
    Milestone,
    Partnership,
    StatusUpdate,
    Task,
    WorkspaceMember,
)
from .search.models import SearchOutbox
from .specs.models import Amendment, FeatureRating, SpecApproval, SpecRevision

__all__ = [
    "AccessVersion", "Amendment", "ApiCall", "ApiToken", "Appeal", "Attachment", "AuditEvent", "Contest",
    "ContestInvitation", "CopyrightTransfer", "Criterion", "Decision", "Document", "DocumentVersion", "Entry",
    "EntryComment", "EntryFile", "EntryHeart", "EntryRevision", "FeatureRating", "Flag", "Idea", "Interest",
    "Invitation", "InviteLink", "JoinRequest", "KarmaEvent", "KarmaTotal", "LedgerLine", "LedgerTransaction",
    "Milestone", "NdaAcceptance", "NdaVersion", "Notification", "Organisation", "Partnership", "Post", "PostRevision",
    "Project", "ProjectMembership", "Reaction", "Referral", "Score", "SearchOutbox", "SpecApproval", "SpecRevision",
    "StageTransition", "StatusUpdate", "Tag", "Task", "TermsAcceptance", "Thread", "ThreadFollow", "User", "Vote",
    "Webhook", "WebhookDelivery", "WorkspaceMember",
]
