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
    "Contest", "ContestInvitation", "CopyrightTransfer", "Criterion", "Entry", "EntryComment", "EntryFile",
    "EntryHeart", "EntryRevision", "LedgerLine", "LedgerTransaction", "Score", "TermsAcceptance",
    "AccessVersion", "Amendment", "ApiCall", "ApiToken", "Appeal", "Attachment", "AuditEvent", "Decision", "Document",
    "DocumentVersion", "FeatureRating", "Flag", "Idea", "Interest", "Invitation", "JoinRequest", "Milestone",
    "NdaAcceptance", "NdaVersion", "Notification", "Organisation", "Partnership", "Post", "PostRevision", "Project",
    "ProjectMembership", "Reaction", "SearchOutbox", "SpecApproval", "SpecRevision", "StageTransition",
    "StatusUpdate", "Tag", "Task", "Thread", "ThreadFollow", "User", "Vote", "Webhook", "WebhookDelivery",
    "WorkspaceMember",
]
