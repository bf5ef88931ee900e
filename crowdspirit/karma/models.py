"""Karma: an append-only log of point events, the totals kept beside it, invitation links and referrals."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import utcnow
from ..extensions import db
from ..projects.models import Project


class KarmaEvent(db.Model):
    """Points earned (or taken back) by one member under one rule, from one source. Rows are never updated or
    deleted: a reversal is a new negative event pointing at the event it cancels."""

    __tablename__ = "karma_events"
    __table_args__ = (
        UniqueConstraint("user_id", "rule", "source_kind", "source_id", "seq", name="uq_karma_events_award"),
        Index("ix_karma_events_user_rule_created", "user_id", "rule", "created_at"),
        Index("ix_karma_events_user_id_id", "user_id", "id"),
        Index("ix_karma_events_source", "source_kind", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the rule's name (see karma/rules.py)
    rule: Mapped[str] = mapped_column(String(30))
    #: what the event added to the member's total (0 when the daily cap was reached; negative for reversals)
    points: Mapped[int]
    #: what earned it: ("idea", id), ("post", id), ("amendment", id), ("flag", id), ("user", invitee id)...
    source_kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int]
    #: the project whose leaderboard counts it (None for community threads and referrals)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    #: the nth award of this rule for this source by this member (a source earns again only after its earlier
    #: awards were all reversed); None on reversals, so that the unique constraint guards awards only
    seq: Mapped[int | None]
    #: on a reversal: the award it cancels (once: unique)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("karma_events.id"), unique=True)
    #: why the award fell short of the rule's points ("capped") or why it was reversed (see rules.CAUSES)
    cause: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    reverses: Mapped["KarmaEvent | None"] = relationship(remote_side=[id])


class KarmaTotal(db.Model):
    """A member's karma within one project, kept equal to the sum of their events there (the platform-wide
    total is users.karma)."""

    __tablename__ = "karma_totals"
    __table_args__ = (
        UniqueConstraint("user_id", "project_id", name="uq_karma_totals_user_project"),
        Index("ix_karma_totals_project_points", "project_id", "points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    #: changed only by atomic SQL increments, in the transaction that writes the event
    points: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()
    project: Mapped[Project] = relationship()


class InviteLink(db.Model):
    """A member's personal invitation link (/join/<code>)."""

    __tablename__ = "invite_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Referral(db.Model):
    """Someone signed up through a member's invitation link; the referrer earns karma once the invitee is active."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when the invitee's contributions reached KARMA_REFERRAL_ACTIVE_AFTER (set once, by compare-and-set)
    activated_at: Mapped[datetime | None]

    referrer: Mapped[User] = relationship(foreign_keys=[referrer_id])
    invitee: Mapped[User] = relationship(foreign_keys=[invitee_id])
