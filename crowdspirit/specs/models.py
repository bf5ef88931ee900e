"""Specification documents of ideas in the spec stage, kept as numbered revisions."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import utcnow
from ..extensions import db
from ..pipeline.models import Idea

#: the spec's Markdown sections, in display order
SECTIONS = ("problem", "target_users", "use_cases", "features", "constraints", "bom_estimate", "target_price",
            "open_questions")


class SpecRevision(db.Model):
    """One saved version of an idea's specification; the highest number is the current one."""

    __tablename__ = "spec_revisions"
    __table_args__ = (UniqueConstraint("idea_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    number: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: what the author says this revision changed
    note: Mapped[str] = mapped_column(String(200), default="")
    problem: Mapped[str] = mapped_column(Text, default="")
    target_users: Mapped[str] = mapped_column(Text, default="")
    use_cases: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: one feature per line, each starting with its MoSCoW priority ("Must: ...", "Should: ...")
    features: Mapped[str] = mapped_column(Text, default="")
    constraints: Mapped[str] = mapped_column(Text, default="")
    bom_estimate: Mapped[str] = mapped_column(Text, default="", server_default="")
    target_price: Mapped[str] = mapped_column(Text, default="")
    #: a checklist ("- [ ] question", "- [x] settled"): the spec is ready once none is open
    open_questions: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()

    def section(self, name: str) -> str:
        """Return the text of one section by name."""
        return getattr(self, name)


class Amendment(db.Model):
    """A contributor's proposed new text for one section, which the spec's editors accept or reject."""

    __tablename__ = "spec_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    section: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    #: why the author proposes it
    reason: Mapped[str] = mapped_column(String(500), default="")
    #: the revision the author read when proposing
    base_number: Mapped[int]
    #: "pending", "accepted" or "rejected"
    status: Mapped[str] = mapped_column(String(12), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str] = mapped_column(String(500), default="")
    #: the revision an accepted amendment became
    revision_number: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    idea: Mapped[Idea] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def protection_parent(self) -> Idea:
        """The idea whose spec the amendment changes: who may see the spec may see its amendments."""
        return self.idea


class SpecApproval(db.Model):
    """A project member approves one revision of the spec as ready for partner R&D."""

    __tablename__ = "spec_approvals"
    __table_args__ = (UniqueConstraint("idea_id", "user_id", "revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    revision_number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class FeatureRating(db.Model):
    """A member's view of how much one feature of the spec matters (must, should or could)."""

    __tablename__ = "spec_feature_ratings"
    __table_args__ = (UniqueConstraint("idea_id", "feature", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    #: the feature's text as the spec lists it, lowercased (a renamed feature starts a new poll)
    feature: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rating: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
