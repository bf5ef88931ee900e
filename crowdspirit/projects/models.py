"""Projects (fields a sponsor opens, or concepts a member carries), their gates and members."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..database import utcnow
from ..extensions import db


class ProjectKind(enum.StrEnum):
    """Sponsored by a company, or carried by a member (both exist in the field study)."""

    SPONSORED = "sponsored"
    SELF_CARRIED = "self_carried"


class VoteOpener(enum.StrEnum):
    """Who may move an idea from `idea` to `vote`."""

    AUTHOR = "author"  # the idea's author, or the project's managers
    MANAGERS = "managers"  # the project owner and project moderators only


class PromotionDecider(enum.StrEnum):
    """Who decides that a voted idea goes to specification."""

    COMMUNITY = "community"  # automatically when the vote threshold is reached
    SPONSOR = "sponsor"  # the sponsoring organisation's members
    MODERATOR = "moderator"  # the project's moderators (and owner)


class MemberRole(enum.StrEnum):
    """A user's role inside one project."""

    OWNER = "owner"
    MODERATOR = "moderator"
    CONTRIBUTOR = "contributor"


class Project(db.Model):
    """A field to explore (sponsored) or a concept to develop (self-carried), with its gates."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default=ProjectKind.SELF_CARRIED)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: the sponsoring organisation (sponsored projects only)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    vote_opener: Mapped[str] = mapped_column(String(20), default=VoteOpener.AUTHOR)
    #: votes needed before an idea may be promoted to specification
    vote_threshold: Mapped[int] = mapped_column(default=10)
    #: how long an idea stays open for votes once voting opens
    voting_days: Mapped[int] = mapped_column(default=14)
    promotion_decider: Mapped[str] = mapped_column(String(20), default=PromotionDecider.COMMUNITY)
    #: the organisation that takes ideas into partner R&D; None lets the owner choose one
    rnd_partner_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    rnd_partner: Mapped[Organisation | None] = relationship(foreign_keys=[rnd_partner_id])
    memberships: Mapped[list["ProjectMembership"]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )


class ProjectMembership(db.Model):
    """A user's role in a project."""

    __tablename__ = "project_memberships"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=MemberRole.CONTRIBUTOR)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()
