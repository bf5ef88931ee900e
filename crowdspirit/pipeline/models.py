"""Ideas, their tags and votes, and the history of their stage transitions."""

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..database import utcnow
from ..extensions import db
from ..projects.models import Project


class Stage(enum.StrEnum):
    """Where an idea stands in the pipeline idea -> vote -> spec -> partner R&D (or archived)."""

    IDEA = "idea"
    VOTE = "vote"
    SPEC = "spec"
    PARTNER_RND = "partner_rnd"
    ARCHIVED = "archived"


idea_tags = Table(
    "idea_tags",
    db.metadata,
    Column("idea_id", ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    """A case-folded keyword (letters and digits of any script, dashes) shared by ideas across projects."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Idea(db.Model):
    """A product idea proposed in a project, moving through the pipeline."""

    __tablename__ = "ideas"
    __table_args__ = (
        Index("ix_ideas_votes", "vote_count", "id"),
        Index("ix_ideas_stage_votes", "stage", "vote_count", "id"),
        Index("ix_ideas_project_votes", "project_id", "vote_count", "id"),
        Index("ix_ideas_project_stage", "project_id", "stage", "id"),
        Index("ix_ideas_stage_closes", "stage", "vote_closes_at"),  # the votes closing soon, in closing order
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[str] = mapped_column(String(20), default=Stage.IDEA)
    #: denormalised count of rows in votes, changed only by atomic SQL increments
    vote_count: Mapped[int] = mapped_column(default=0)
    #: denormalised count of rows in supports (members asking for a vote while in the idea stage), atomic like votes
    support_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: end of the voting window, set when the idea enters the vote stage
    vote_closes_at: Mapped[datetime | None]
    #: the sponsor organisation that took the idea into partner R&D, and when
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    rnd_started_at: Mapped[datetime | None]
    #: for archived ideas, the stage they left: its policy keeps governing who may see them
    archived_from: Mapped[str | None] = mapped_column(String(20))
    #: for a duplicate merged by a moderator, the idea it was merged into (its page leads there; it is archived)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"), index=True)

    project: Mapped[Project] = relationship()
    author: Mapped[User] = relationship()
    partner: Mapped[Organisation | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=idea_tags, order_by=Tag.name)
    history: Mapped[list["StageTransition"]] = relationship(
        order_by="StageTransition.id", cascade="all, delete-orphan", back_populates="idea"
    )

    @property
    def access_policy(self) -> tuple:
        """The project and stage whose policy protects the idea and what hangs from it (access.governed_by)."""
        return self.project, self.governing_stage

    @property
    def governing_stage(self) -> str:
        """The stage whose access policy applies (an archived idea keeps its last stage's)."""
        return self.archived_from or self.stage

    @property
    def tag_names(self) -> str:
        """Tags as the comma-separated text the forms use."""
        return ", ".join(t.name for t in self.tags)


class Vote(db.Model):
    """One member's support for one idea (at most one per member and idea)."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    idea: Mapped[Idea] = relationship()


class Support(db.Model):
    """One member's support for opening voting on an idea in the idea stage (at most one per member and idea)."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StageTransition(db.Model):
    """A row of an idea's stage history: who moved it, when, from where to where, and why."""

    __tablename__ = "stage_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    #: None when the community moved it (vote threshold reached)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    idea: Mapped[Idea] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship()
