"""Contests and their phase history, their entries (with revisions, files, coups de cœur, comments), terms
acceptances and transfers."""

import enum
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..database import utcnow
from ..extensions import db
from ..projects.models import Project


class ContestKind(enum.StrEnum):
    """A Wilogo-style contest (a public phase, coups de cœur) or an expert challenge (private to the sponsor)."""

    CONTEST = "contest"
    CHALLENGE = "challenge"


class Phase(enum.StrEnum):
    """Where a contest stands; the order is PHASES[kind]."""

    DRAFT = "draft"  # written by the sponsor, seen by its team only
    PRIVATE = "private"  # entries come in, each seen by its author and the sponsor's team only
    PUBLIC = "public"  # every member sees the entries, comments and gives coups de cœur
    SHORTLIST = "shortlist"  # the sponsor picks its finalists (a challenge: judges with the rubric)
    ADJUSTMENTS = "adjustments"  # finalists revise their entries at the sponsor's request
    WINNER = "winner"  # the winner is picked and must sign the copyright transfer
    CLOSED = "closed"


PHASES = {
    ContestKind.CONTEST: (Phase.DRAFT, Phase.PRIVATE, Phase.PUBLIC, Phase.SHORTLIST, Phase.ADJUSTMENTS,
                          Phase.WINNER, Phase.CLOSED),
    ContestKind.CHALLENGE: (Phase.DRAFT, Phase.PRIVATE, Phase.SHORTLIST, Phase.WINNER, Phase.CLOSED),
}
#: the phases whose end is a date (the others end on the sponsor's decision or the winner's signature)
DATED = (Phase.PRIVATE, Phase.PUBLIC, Phase.SHORTLIST, Phase.ADJUSTMENTS)


class Contest(db.Model):
    """A sponsor's contest on a brief, with its prize split, its phases' durations and its legal texts."""

    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=ContestKind.CONTEST)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: a contest run inside a project follows the project's visibility (None: open to the whole community)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(160))
    #: Markdown, rendered through the sanitising `markdown` filter
    brief: Mapped[str] = mapped_column(Text)
    prize_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    finalists_wanted: Mapped[int] = mapped_column(default=3)
    #: how many entries the sponsor hopes for (shown to members; not a gate)
    min_entries: Mapped[int] = mapped_column(default=0)
    #: paid to each finalist who does not win
    finalist_bonus_cents: Mapped[int] = mapped_column(default=5000)
    #: the winner's percentage of the prize; the rest is the platform's commission
    winner_share: Mapped[int] = mapped_column(default=60)
    #: shared among participants when the winner is picked (see services.pool_points)
    pool_cents: Mapped[int] = mapped_column(default=0)
    terms_text: Mapped[str] = mapped_column(Text)
    terms_version: Mapped[int] = mapped_column(default=1)
    transfer_text: Mapped[str] = mapped_column(Text)
    transfer_version: Mapped[int] = mapped_column(default=1)
    #: durations of the dated phases, in hours
    private_hours: Mapped[int] = mapped_column(default=72)
    public_hours: Mapped[int] = mapped_column(default=96)
    shortlist_hours: Mapped[int] = mapped_column(default=72)
    adjustments_hours: Mapped[int] = mapped_column(default=120)
    phase: Mapped[str] = mapped_column(String(20), default=Phase.DRAFT, index=True)
    #: when the current phase started (by date or by the sponsor): its end is this plus its duration
    phase_started_at: Mapped[datetime | None]
    #: the entry that won, set once with a compare-and-set (no foreign key: entries point to contests)
    winner_entry_id: Mapped[int | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    project: Mapped[Project | None] = relationship()
    created_by: Mapped[User] = relationship()

    @property
    def phases(self) -> tuple:
        return PHASES[ContestKind(self.kind)]

    def hours(self, phase: str) -> int | None:
        """How long a dated phase lasts (None for the others)."""
        return getattr(self, f"{phase}_hours") if phase in DATED else None

    @property
    def phase_ends_at(self) -> datetime | None:
        """When the current phase ends by date (None when a decision or a signature ends it)."""
        hours = self.hours(self.phase)
        if hours is None or self.phase_started_at is None:
            return None
        return self.phase_started_at + timedelta(hours=hours)

    @property
    def escrow_cents(self) -> int:
        """What opening the contest puts in escrow: the prize, the other finalists' bonuses and the pool."""
        return self.prize_cents + self.finalist_bonus_cents * max(self.finalists_wanted - 1, 0) + self.pool_cents

    @property
    def winner_cents(self) -> int:
        return self.prize_cents * self.winner_share // 100

    @property
    def commission_cents(self) -> int:
        return self.prize_cents - self.winner_cents


class PhaseChange(db.Model):
    """A row of a contest's phase history: from which phase to which, by whom, and when the new phase began."""

    __tablename__ = "contest_phase_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    from_phase: Mapped[str] = mapped_column(String(20))
    to_phase: Mapped[str] = mapped_column(String(20))
    #: who moved it (the sponsor's team opening it or starting the next phase, picking the winner; the winner
    #: signing the transfer); None when the previous phase's end date moved it
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: when the new phase began: for a move by date, when the previous phase was due to end (not when the
    #: scheduler or a write noticed it)
    changed_at: Mapped[datetime]


class Entry(db.Model):
    """A member's entry: its current title and text; every version is kept as a revision."""

    __tablename__ = "contest_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    text: Mapped[str] = mapped_column(Text, default="")
    #: the number of the current revision (1: as entered)
    revision: Mapped[int] = mapped_column(default=1)
    heart_count: Mapped[int] = mapped_column(default=0)
    withdrawn_at: Mapped[datetime | None]
    finalist_at: Mapped[datetime | None]
    won_at: Mapped[datetime | None]
    #: the changes the sponsor asked this finalist for
    adjustment_request: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contest: Mapped[Contest] = relationship()
    author: Mapped[User] = relationship()
    files: Mapped[list["EntryFile"]] = relationship(order_by="EntryFile.id", back_populates="entry",
                                                    cascade="all, delete-orphan")
    revisions: Mapped[list["EntryRevision"]] = relationship(order_by="EntryRevision.number.desc()",
                                                            cascade="all, delete-orphan")

    @property
    def project(self):
        return self.contest.project


class EntryRevision(db.Model):
    """One version of an entry: as entered (1), then each adjustment a finalist submits."""

    __tablename__ = "contest_entry_revisions"
    __table_args__ = (UniqueConstraint("entry_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(160))
    text: Mapped[str] = mapped_column(Text, default="")
    #: what the finalist changed
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EntryFile(db.Model):
    """A file of an entry (of one revision); images get a thumbnail that members may see."""

    __tablename__ = "contest_entry_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(default=1)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    #: the original's name under instance/attachments (random)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    #: a reduced PNG of an image (None for other files)
    thumbnail_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped[Entry] = relationship(back_populates="files")

    @property
    def contest(self):
        return self.entry.contest


class EntryHeart(db.Model):
    """A member's "coup de cœur" for an entry: one per member and entry, never on their own."""

    __tablename__ = "contest_hearts"
    __table_args__ = (UniqueConstraint("entry_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EntryComment(db.Model):
    """A member's comment on an entry."""

    __tablename__ = "contest_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()


class TermsAcceptance(db.Model):
    """A member accepted this version of a contest's entry terms (the text is kept as they read it)."""

    __tablename__ = "contest_terms_acceptances"
    __table_args__ = (UniqueConstraint("contest_id", "user_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)


class CopyrightTransfer(db.Model):
    """The winner's signature of the copyright transfer: who, which text version, when, from which address."""

    __tablename__ = "contest_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), unique=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Criterion(db.Model):
    """A criterion of an expert challenge's scoring rubric, with its weight."""

    __tablename__ = "contest_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    weight: Mapped[int] = mapped_column(default=1)


class Score(db.Model):
    """The sponsor's score (0 to 10) of one entry on one criterion."""

    __tablename__ = "contest_scores"
    __table_args__ = (UniqueConstraint("entry_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("contest_criteria.id", ondelete="CASCADE"))
    value: Mapped[int]
    scorer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContestInvitation(db.Model):
    """An expert the sponsor invited to a challenge."""

    __tablename__ = "contest_invitations"
    __table_args__ = (UniqueConstraint("contest_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
