"""Partner R&D: sponsors' interest in ideas, the partnership chosen, its private workspace and public updates."""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..attachments.models import Attachment
from ..database import utcnow
from ..extensions import db
from ..pipeline.models import Idea


class InterestStatus(enum.StrEnum):
    """Where a sponsor's interest in an idea stands."""

    PENDING = "pending"  # waiting for the idea's author and the project's moderators to choose
    SELECTED = "selected"  # chosen; waiting for the sponsor to accept the partnership
    ACCEPTED = "accepted"  # the sponsor accepted: the idea is in partner R&D with this sponsor
    DECLINED = "declined"  # another sponsor was chosen, or the sponsor turned the selection down
    WITHDRAWN = "withdrawn"  # the sponsor took its interest back


class IpArrangement(enum.StrEnum):
    """Who owns what the partnership produces."""

    ASSIGNMENT = "assignment"  # the sponsor owns it; contributors are credited and rewarded
    LICENCE = "licence"  # contributors keep it and license it exclusively to the sponsor
    JOINT = "joint"  # owned jointly by the sponsor and the contributors
    OPEN = "open"  # published under an open hardware licence


class PartnershipTerms:
    """The proposed terms an interest carries and a partnership keeps once accepted."""

    #: a short summary of what the sponsor offers: budget, prototyping, timeline, market
    terms: Mapped[str] = mapped_column(Text, default="")
    #: money shared among the idea's contributors, in cents of currency
    reward_pool_cents: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    ip_arrangement: Mapped[str] = mapped_column(String(20), default=IpArrangement.ASSIGNMENT)


class Interest(PartnershipTerms, db.Model):
    """A sponsor's interest in taking an idea into partner R&D, with the terms it proposes."""

    __tablename__ = "rnd_interests"
    __table_args__ = (UniqueConstraint("idea_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: the sponsor's team member who expressed it
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: why the sponsor wants this idea, addressed to its author and the project's moderators
    pitch: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=InterestStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: denormalised count of rows in backings (members backing the offer), changed only by atomic SQL increments
    backer_count: Mapped[int] = mapped_column(default=0, server_default="0")
    #: who selected it (None: the crowd's backing), and when the status last changed
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    idea: Mapped[Idea] = relationship()
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def project(self):
        """The project whose rules protect the interest (through its idea)."""
        return self.idea.project


class Backing(db.Model):
    """One member's backing of a sponsor's offer (at most one per member and offer)."""

    __tablename__ = "rnd_backings"
    __table_args__ = (UniqueConstraint("interest_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_id: Mapped[int] = mapped_column(ForeignKey("rnd_interests.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Partnership(PartnershipTerms, db.Model):
    """The agreement that took an idea into partner R&D with one sponsor; it owns the idea's workspace."""

    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    interest_id: Mapped[int | None] = mapped_column(ForeignKey("rnd_interests.id", ondelete="SET NULL"))
    #: the sponsor's team member who accepted
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)

    idea: Mapped[Idea] = relationship()
    organisation: Mapped[Organisation] = relationship()
    interest: Mapped[Interest | None] = relationship()
    members: Mapped[list["WorkspaceMember"]] = relationship(back_populates="partnership",
                                                            cascade="all, delete-orphan")

    @property
    def project(self):
        """The project whose NDA binds the workspace."""
        return self.idea.project


class WorkspaceMember(db.Model):
    """A community contributor invited into a partnership's workspace (the sponsor's team is in by right)."""

    __tablename__ = "workspace_members"
    __table_args__ = (UniqueConstraint("partnership_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partnership: Mapped[Partnership] = relationship(back_populates="members")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class WorkspaceItem:
    """Something kept in a partnership's workspace."""

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Milestone(WorkspaceItem, db.Model):
    """A step of the R&D plan with an owner and a due date; done once its tasks are."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date]
    done_at: Mapped[datetime | None]

    partnership: Mapped[Partnership] = relationship()
    owner: Mapped[User] = relationship()
    tasks: Mapped[list["Task"]] = relationship(order_by="Task.id", cascade="all, delete-orphan",
                                               back_populates="milestone")


class Task(db.Model):
    """One item of a milestone's checklist."""

    __tablename__ = "milestone_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    milestone: Mapped[Milestone] = relationship(back_populates="tasks")


class Document(WorkspaceItem, db.Model):
    """A workspace document: each upload under the same title is a new version."""

    __tablename__ = "rnd_documents"
    __table_args__ = (UniqueConstraint("partnership_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))

    partnership: Mapped[Partnership] = relationship()
    versions: Mapped[list["DocumentVersion"]] = relationship(
        order_by="DocumentVersion.number.desc()", cascade="all, delete-orphan", back_populates="document")


class DocumentVersion(db.Model):
    """One uploaded version of a workspace document (the file is an attachment of the idea's R&D part)."""

    __tablename__ = "rnd_document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("rnd_documents.id", ondelete="CASCADE"))
    number: Mapped[int]
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id", ondelete="CASCADE"))
    #: what changed in this version
    note: Mapped[str] = mapped_column(String(200), default="")

    document: Mapped[Document] = relationship(back_populates="versions")
    attachment: Mapped[Attachment] = relationship()


class Decision(WorkspaceItem, db.Model):
    """An entry of the workspace's decisions log: what was decided, why, by whom."""

    __tablename__ = "rnd_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    rationale: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    partnership: Mapped[Partnership] = relationship()
    author: Mapped[User] = relationship()


class StatusUpdate(db.Model):
    """What became of a partnered idea, published by the sponsor for the whole community to read."""

    __tablename__ = "status_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the public name of the work (the idea's own title may be confidential by now)
    headline: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partnership: Mapped[Partnership] = relationship()
    author: Mapped[User] = relationship()
