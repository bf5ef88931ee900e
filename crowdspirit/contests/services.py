"""Contest rules: the phases and their dates, entries, coups de cœur, finalists, the winner, rewards and IP.

Phases: every change goes through one lifecycle (`LIFECYCLE`: its gates, a compare-and-set UPDATE, a row of
`contest_phase_changes`, the `contest_phase_changed` signal). Dated changes are applied by the scheduler
(`catch_up_all`: a thread per server process, or `flask crowdspirit contest-phases` from cron) and by the writes that
act on the current phase (`catch_up`), never by a page: a GET shows the stored phase.

Money: opening a contest moves the prize, the other finalists' bonuses and the participation pool from the
sponsor's account to the contest's escrow. Picking the winner pays each other finalist's bonus and shares the
pool; the winner's signature of the copyright transfer pays the winner's share and the platform's commission
and returns whatever is left in escrow to the sponsor, which closes the contest. Every movement is one balanced
ledger transaction (`ledger.post`), and each member it pays is told what was booked to them.

Notices (`kinds`), given in the transaction of each change: every phase move (by the sponsor, the winner or the
date) tells the entrants, and the sponsor's team when a decision waits for it (an on-enter hook of the lifecycle);
choosing finalists, asking one for changes and picking the winner tell whom they concern.

Participation pool rule (until karma plugs in): each participant other than the sponsor's team earns one point
per entry kept in the contest, one per coup de cœur its entries received and one per comment written on someone
else's entry; the pool is shared in proportion to points, cents left by rounding going one by one to the highest
scores (then the earliest accounts).
"""

import io
import threading
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta

from flask import url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from .. import clock, notices
from ..access import require, visible
from ..accounts.models import User
from ..attachments import services as attachments
from ..background import start_once
from ..database import insert_once, paginate
from ..errors import Conflict, DomainError, Forbidden
from ..extensions import db
from ..ledger import services as ledger
from ..lifecycle import Lifecycle
from ..projects.models import Project
from ..signals import (
    contest_entry_submitted,
    contest_entry_withdrawn,
    contest_finalists_chosen,
    contest_phase_changed,
    contest_won,
)
from . import indexing
from .models import (
    DATED,
    Contest,
    ContestInvitation,
    ContestKind,
    CopyrightTransfer,
    Criterion,
    Entry,
    EntryComment,
    EntryFile,
    EntryHeart,
    EntryRevision,
    Phase,
    PhaseChange,
    Score,
    TermsAcceptance,
)

THUMBNAIL_SIZE = (480, 480)
#: images larger than this many pixels are refused before decoding (decompression bombs)
MAX_PIXELS = 40_000_000
MAX_FILES = 6
LIMITS = {"prize": 10_000_000_00, "finalists": 10, "hours": 24 * 90}
OPEN_PHASES = (Phase.PRIVATE, Phase.PUBLIC, Phase.SHORTLIST, Phase.ADJUSTMENTS, Phase.WINNER)
#: how often each server process's scheduler looks for dated phases that have ended (also how long a stopping
#: process may wait for it: a graceful shutdown allows 10 seconds)
SCHEDULER_SECONDS = 5.0
#: set it to have this process's scheduler run its round now rather than at the next interval
scheduler_wake = threading.Event()


ledger.MEMOS.update({
    "contest.opened": _l("Contest opened: prize, finalists' bonuses and pool put in escrow"),
    "contest.bonuses": _l("Finalist's bonus"),
    "contest.pool": _l("Share of the participation pool"),
    "contest.prize": _l("Prize to the winner and platform commission"),
    "contest.refund": _l("Unused escrow returned to the sponsor"),
})


def _sources(ids) -> dict[int, tuple[str, str]]:
    """Contest id -> (title, page) for payout statements."""
    return {c.id: (c.title, url_for("contests.show", contest_id=c.id))
            for c in db.session.scalars(select(Contest).where(Contest.id.in_(ids)))}


ledger.register_source("contest", Contest, "contest.view", _sources, _l("a contest you can no longer see"))


# --- Creating and opening ------------------------------------------------------------------------
def _check_terms(values: dict) -> None:
    """Refuse amounts, counts or durations outside what a contest may have (the form says so first)."""
    money = ("prize_cents", "finalist_bonus_cents", "pool_cents")
    if any(not isinstance(values[k], int) or values[k] < 0 or values[k] > LIMITS["prize"] for k in money):
        raise DomainError(_l("Amounts must be whole cents between 0 and 10,000,000."))
    if values["prize_cents"] <= 0:
        raise DomainError(_l("A contest needs a prize above zero."))
    if not 0 <= values["winner_share"] <= 100:
        raise DomainError(_l("The winner's share is a percentage between 0 and 100."))
    if not 1 <= values["finalists_wanted"] <= LIMITS["finalists"]:
        raise DomainError(_l("A contest has between 1 and 10 finalists."))
    if values["currency"] not in ledger.CURRENCIES:
        raise DomainError(_l("Unknown currency."))
    if any(not 1 <= values[f"{phase}_hours"] <= LIMITS["hours"] for phase in DATED):
        raise DomainError(_l("Each phase lasts between 1 hour and 90 days."))


def parse_criteria(text: str) -> list[tuple[str, int]]:
    """A rubric written one criterion a line, "Name: weight" (weight 1 when omitted)."""
    criteria = []
    for line in (text or "").splitlines():
        name, _sep, weight = line.strip().rpartition(":") if ":" in line else (line.strip(), "", "1")
        name = name.strip()
        if not name:
            continue
        if not weight.strip().isdigit() or not 1 <= int(weight) <= 10:
            raise DomainError(_l("Write each criterion as “Name: weight”, with a weight from 1 to 10."))
        criteria.append((name[:120], int(weight)))
    return criteria


def create_contest(user, *, project_id: int | None = None, criteria: str = "", **values) -> Contest:
    """A sponsor's team member writes a contest (a draft until it is opened)."""
    if user.organisation_id is None:
        raise Forbidden(_l("Only sponsors' teams open contests."))
    _check_terms(values)
    if project_id:
        project = db.session.get(Project, project_id)
        if project is None or project.organisation_id != user.organisation_id:
            raise DomainError(_l("Choose one of your organisation's projects."))
    rubric = parse_criteria(criteria)
    if values.get("kind") == ContestKind.CHALLENGE:
        values["finalists_wanted"] = 1  # a challenge has a winner, no finalists' bonuses
    contest = Contest(organisation_id=user.organisation_id, project_id=project_id or None, created_by_id=user.id,
                      **values)
    db.session.add(contest)
    db.session.flush()
    db.session.add_all(Criterion(contest_id=contest.id, name=name, weight=weight) for name, weight in rubric)
    db.session.commit()
    return contest


def open_contest(contest: Contest, user) -> None:
    """Open a draft: the escrow is funded from the sponsor's account and the creation phase starts now."""
    if contest.phase != Phase.DRAFT:
        raise Conflict(_l("This contest is already open."))
    ledger.post("contest.opened",
                [(ledger.sponsor_account(contest.organisation_id), -contest.escrow_cents),
                 (ledger.escrow_account(contest.id), contest.escrow_cents)], contest.currency, ("contest", contest.id))
    now = clock.now()
    _enter_phase(contest, Phase.PRIVATE, user, now, {"opened_at": now}, opening=True)


# --- Phases --------------------------------------------------------------------------------------
def _history_row(contest: Contest, source: str, target: str, actor=None, at=None, **_context) -> PhaseChange:
    """The phase history row of a move: by whom (None: by date) and when the new phase began."""
    return PhaseChange(contest_id=contest.id, from_phase=source, to_phase=target, actor_id=actor and actor.id,
                       changed_at=at)


#: the contests' lifecycle: opening, the dates, the sponsor's decisions, the winner's pick and signature
LIFECYCLE = Lifecycle(Contest, "phase", _history_row, contest_phase_changed,
                      _l("The contest moved on meanwhile; look again."))


def _opened(contest: Contest, opening: bool = False, **_context) -> None:
    """A draft's creation phase starts only by opening it (which funds the escrow), never as a "next phase"."""
    if not opening:
        raise Conflict(_l("Open the contest first."))


def _finalists_chosen(contest: Contest, **_context) -> None:
    """A contest's adjustments wait for the sponsor's finalists, however late the shortlist ends."""
    if not finalists(contest):
        raise Conflict(_l("Choose the finalists first."))


def _transfer_signed(contest: Contest, **_context) -> None:
    """The winner phase ends only with the winner's signature of the copyright transfer."""
    if transfer_of(contest) is None:
        raise Conflict(_l("The contest closes when the winner signs the copyright transfer."))


LIFECYCLE.gate(Phase.PRIVATE, _opened)
LIFECYCLE.gate(Phase.ADJUSTMENTS, _finalists_chosen)
LIFECYCLE.gate(Phase.CLOSED, _transfer_signed)


def entrants(contest: Contest) -> set[int]:
    """The authors of the entries kept in the contest."""
    return set(db.session.scalars(select(Entry.author_id).where(Entry.contest_id == contest.id,
                                                                Entry.withdrawn_at.is_(None))))


def sponsor_team(contest: Contest) -> set[int]:
    """The members of the organisation that runs the contest."""
    return set(db.session.scalars(select(User.id).where(User.organisation_id == contest.organisation_id)))


def _decision_waiting(contest: Contest, target: str, winner_picked: bool) -> str | None:
    """What the sponsor's team must decide once the contest enters target (None: nothing)."""
    if target == Phase.SHORTLIST:
        return "finalists" if contest.kind == ContestKind.CONTEST else "winner"
    return "winner" if target == Phase.WINNER and not winner_picked else None


def _tell_phase(contest: Contest, target: str, actor) -> None:
    """In the move's transaction: the entrants hear where the contest went, the sponsor's team what it must
    decide now."""
    winner_picked = db.session.scalar(select(Contest.winner_entry_id).where(Contest.id == contest.id)) is not None
    told = entrants(contest)
    if told:
        detail = "winner-due" if target == Phase.WINNER and not winner_picked else target
        notices.tell("contest.phase", contest, to=told, actor=actor, detail=detail)
    decision = _decision_waiting(contest, target, winner_picked)
    if decision:
        notices.tell("contest.decide", contest, to=sponsor_team(contest), actor=actor, detail=decision)


def _told_on_entering(target: str):
    """The on-enter hook that tells of a move to target (by the sponsor, the winner or the date)."""
    def tell_entering(contest: Contest, actor=None, **_context) -> None:
        _tell_phase(contest, target, actor)
    return tell_entering


for _target in Phase:
    LIFECYCLE.on_enter(_target, _told_on_entering(_target))


def _enter_phase(contest: Contest, target: str, actor, at, values: dict | None = None, **context) -> None:
    """Move the contest to target, starting at `at`, if the gates allow: compare-and-set, history row, commit,
    signal. What the caller added to the session is committed with the move, or rolled back with a refusal."""
    try:
        LIFECYCLE.check(contest, target, **context)
    except Conflict:
        db.session.rollback()
        raise
    LIFECYCLE.move(contest, target, {"phase_started_at": at, **(values or {})}, actor=actor, at=at, **context)


def next_phase(contest: Contest) -> str | None:
    phases = contest.phases
    index = phases.index(Phase(contest.phase))
    return phases[index + 1] if index + 1 < len(phases) else None


def _due(contest: Contest) -> bool:
    """Whether the contest's current phase has a date and it has passed (its next phase is due)."""
    ends = contest.phase_ends_at
    return ends is not None and ends <= clock.now()


def catch_up(contest: Contest) -> int:
    """Apply the contest's dated phase changes that are due; returns how many were applied.

    Run by the scheduler and by the writes that act on the current phase, never by a page. Each change goes
    through the lifecycle, so two processes never apply it twice; a phase started by date begins exactly when the
    previous one was due, so catching up several phases keeps the schedule. A gate that holds (the shortlist
    waiting for finalists) keeps the phase, however late.
    """
    applied = 0
    for _step in range(len(contest.phases)):
        if not _due(contest):
            break
        ends, target = contest.phase_ends_at, next_phase(contest)
        try:
            LIFECYCLE.check(contest, target)
        except Conflict:
            break
        with suppress(Conflict):  # another process applied it first: read the contest again and go on
            LIFECYCLE.move(contest, target, {"phase_started_at": ends}, at=ends)
            applied += 1
    return applied


def catch_up_all() -> int:
    """The scheduler's round: apply the due dated phase changes of every contest; returns how many were applied."""
    running = db.session.scalars(select(Contest).where(Contest.phase.in_(DATED)).order_by(Contest.id)).all()
    return sum(catch_up(contest) for contest in running if _due(contest))


def start_scheduler() -> None:
    """Start this process's contest scheduler thread (CONTEST_SCHEDULER=thread)."""
    start_once("contest-phases", catch_up_all, scheduler_wake, SCHEDULER_SECONDS)


def advance(contest: Contest, user) -> None:
    """The sponsor starts the next phase now."""
    catch_up(contest)
    target = next_phase(contest)
    if target is None:
        raise Conflict(_l("This contest is closed."))
    _enter_phase(contest, target, user, clock.now())


def schedule(contest: Contest) -> list[tuple[str, object, object]]:
    """(phase, start, end) of each phase from the current one, as planned now (None where a decision decides)."""
    rows, start = [], contest.phase_started_at
    for phase in contest.phases[contest.phases.index(Phase(contest.phase)):]:
        hours = contest.hours(phase)
        end = start + timedelta(hours=hours) if start is not None and hours else None
        rows.append((phase, start, end))
        start = end
    return rows


def load_contest(contest_id: int, user, action: str = "contest.view", writing: bool = False) -> Contest:
    """The contest if the user may do action on it (404/403/sign-in otherwise). A write first applies the dated
    phase changes that are due, so that it acts on the current phase; a page reads the stored one."""
    contest = require(user, "contest.view", db.session.get(Contest, contest_id))
    if writing:
        catch_up(contest)
    return require(user, action, contest)


def load_entry(entry_id: int, user, action: str = "entry.view", writing: bool = False) -> Entry:
    """The entry if the user may do action on it; a write first applies its contest's due phase changes."""
    entry = db.session.get(Entry, entry_id)
    if entry is not None and writing:
        catch_up(entry.contest)
    return require(user, action, entry)


def load_file(file_id: int, user, action: str) -> EntryFile:
    """An entry's file if the user may do action on it (files are only read)."""
    return require(user, action, db.session.get(EntryFile, file_id))


# --- Lists ---------------------------------------------------------------------------------------
TABS = ("open", "closed", "mine")


def contests_page(user, tab: str, page: int, per_page: int):
    """The contests the user may see: running ones, closed ones, or (sponsors) their organisation's, drafts too."""
    query = visible(select(Contest).options(joinedload(Contest.organisation)), user)
    if tab == "mine":
        query = query.where(Contest.organisation_id == (user.organisation_id or 0))
    elif tab == "closed":
        query = query.where(Contest.phase == Phase.CLOSED)
    else:
        query = query.where(Contest.phase.in_(OPEN_PHASES))
    return paginate(query.order_by(Contest.id.desc()), page, per_page)


def entry_counts(contest_ids: list[int], user) -> dict[int, int]:
    """How many entries of each contest the user may see (never someone else's private entries)."""
    if not contest_ids:
        return {}
    query = visible(select(Entry.contest_id, func.count()).where(Entry.contest_id.in_(contest_ids),
                                                                Entry.withdrawn_at.is_(None)), user)
    return dict(db.session.execute(query.group_by(Entry.contest_id)).all())


SORTS = ("hearts", "newest")


def entries_page(contest: Contest, user, page: int, per_page: int, sort: str = "hearts"):
    """The contest's entries the user may see, finalists first, then by coups de cœur or newest."""
    order = [Entry.finalist_at.is_(None), Entry.heart_count.desc()] if sort == "hearts" else []
    query = visible(select(Entry).where(Entry.contest_id == contest.id).options(
        joinedload(Entry.author), selectinload(Entry.files)), user)
    query = query.order_by(Entry.withdrawn_at.is_not(None), *order, Entry.id.desc())
    return paginate(query, page, per_page)


def finalists(contest: Contest) -> list[Entry]:
    return list(db.session.scalars(select(Entry).where(Entry.contest_id == contest.id,
                                                       Entry.finalist_at.is_not(None)).order_by(Entry.id)))


def candidates(contest: Contest, limit: int = 300) -> list[Entry]:
    """The entries a sponsor chooses finalists from (its team sees them all), most loved first."""
    return list(db.session.scalars(select(Entry).where(Entry.contest_id == contest.id, Entry.withdrawn_at.is_(None))
                                   .options(joinedload(Entry.author))
                                   .order_by(Entry.heart_count.desc(), Entry.id).limit(limit)))


def winner(contest: Contest) -> Entry | None:
    return db.session.get(Entry, contest.winner_entry_id) if contest.winner_entry_id else None


def transfer_of(contest: Contest) -> CopyrightTransfer | None:
    return db.session.scalar(select(CopyrightTransfer).where(CopyrightTransfer.contest_id == contest.id))


def hearted(user, entry_ids: list[int]) -> set[int]:
    """Which of these entries the user gave a coup de cœur."""
    if not user.is_authenticated or not entry_ids:
        return set()
    return set(db.session.scalars(select(EntryHeart.entry_id).where(EntryHeart.user_id == user.id,
                                                                    EntryHeart.entry_id.in_(entry_ids))))


def accepted_terms(contest: Contest, user) -> bool:
    return user.is_authenticated and db.session.scalar(select(TermsAcceptance.id).where(
        TermsAcceptance.contest_id == contest.id, TermsAcceptance.user_id == user.id,
        TermsAcceptance.version == contest.terms_version)) is not None


# --- Entries -------------------------------------------------------------------------------------
@dataclass
class Upload:
    """A file as received: its name and bytes."""

    filename: str
    content: bytes


def _thumbnail(content: bytes) -> bytes:
    """A PNG of the image reduced to THUMBNAIL_SIZE (which also drops its metadata), or a refusal."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise DomainError(_l("Images are limited to 40 megapixels."))
            image.draft("RGB", THUMBNAIL_SIZE)
            image.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            image.convert("RGBA").save(out, "PNG", optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise DomainError(_l("This image could not be read; send a valid PNG, JPEG or GIF file.")) from None


def _prepare(uploads: list[Upload]) -> list[tuple[str, str, bytes, bytes | None]]:
    """Check every file (size, real type, readable image) before storing any: (name, type, bytes, thumbnail)."""
    if len(uploads) > MAX_FILES:
        raise DomainError(_l("An entry holds at most 6 files."))
    checked = []
    for upload in uploads:
        name, content_type = attachments.checked_upload(upload.filename, upload.content)
        thumbnail = _thumbnail(upload.content) if content_type.startswith("image/") else None
        checked.append((name, content_type, upload.content, thumbnail))
    return checked


def _store(entry: Entry, revision: int, checked) -> None:
    for name, content_type, content, thumbnail in checked:
        entry.files.append(EntryFile(revision=revision, filename=name, content_type=content_type, size=len(content),
                                     storage_name=attachments.store(content),
                                     thumbnail_name=thumbnail and attachments.store(thumbnail)))


def check_taking_entries(contest: Contest) -> None:
    """Refuse (409) unless the contest takes entries now, saying when entries closed: its creation phase has begun
    and not ended (by date too: the entry page reads the stored phase, which the scheduler may not have moved yet)."""
    if contest.phase == Phase.DRAFT:
        raise Conflict(_l("This contest is not open yet."))
    if contest.phase != Phase.PRIVATE or _due(contest):
        raise Conflict(_l("Entries are closed: the creation phase ended on %(date)s.",
                          date=format_datetime(schedule_end(contest, Phase.PRIVATE), "short")))


def submit_entry(contest: Contest, user, title: str, text: str, uploads: list[Upload], accepted: bool,
                 terms_version: int | None) -> Entry:
    """Enter the contest during its creation phase, accepting the current version of its terms."""
    catch_up(contest)
    check_taking_entries(contest)
    if not accepted:
        raise DomainError(_l("Accept the contest's terms to enter."))
    if terms_version != contest.terms_version:
        raise Conflict(_l("The contest's terms have changed: read them again before accepting."))
    if not title.strip():
        raise DomainError(_l("Give your entry a title."))
    checked = _prepare(uploads)
    if not accepted_terms(contest, user):
        db.session.add(TermsAcceptance(contest_id=contest.id, user_id=user.id, version=contest.terms_version,
                                       text=contest.terms_text, accepted_at=clock.now()))
    entry = Entry(contest_id=contest.id, author_id=user.id, title=title.strip()[:160], text=text.strip(),
                  created_at=clock.now())
    entry.revisions.append(EntryRevision(number=1, title=entry.title, text=entry.text, created_at=clock.now()))
    _store(entry, 1, checked)
    db.session.add(entry)
    db.session.commit()
    contest_entry_submitted.send(entry)
    return entry


def schedule_end(contest: Contest, phase: str):
    """When a phase ended (or ends), from the contest's schedule; the creation phase's end is fixed at opening."""
    if phase == Phase.PRIVATE and contest.opened_at is not None:
        return contest.opened_at + timedelta(hours=contest.private_hours)
    return contest.phase_ends_at


def withdraw_entry(entry: Entry, user) -> None:
    """The author takes the entry back, during the creation phase only."""
    catch_up(entry.contest)
    if entry.contest.phase != Phase.PRIVATE:
        raise Conflict(_l("Entries can be withdrawn only during the private creation phase."))
    changed = db.session.execute(update(Entry).where(Entry.id == entry.id, Entry.withdrawn_at.is_(None))
                                 .values(withdrawn_at=clock.now())).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(_l("This entry is already withdrawn."))
    indexing.entry_changed(entry)
    db.session.commit()
    contest_entry_withdrawn.send(entry)


def give_heart(entry: Entry, user) -> int:
    """A member's coup de cœur for someone else's entry, once, during the public phase; returns the new count."""
    if entry.contest.phase != Phase.PUBLIC:
        raise Conflict(_l("Coups de cœur are given during the public phase."))
    if not insert_once(EntryHeart, entry_id=entry.id, user_id=user.id, created_at=clock.now()):
        db.session.rollback()
        raise Conflict(_l("You have already given this entry your coup de cœur."))
    count = db.session.execute(update(Entry).where(Entry.id == entry.id).values(heart_count=Entry.heart_count + 1)
                               .returning(Entry.heart_count)).scalar_one()
    db.session.commit()
    return count


def add_comment(entry: Entry, user, body: str) -> EntryComment:
    """Comment on an entry one may see, until the contest closes."""
    if entry.contest.phase == Phase.CLOSED:
        raise Conflict(_l("This contest is closed."))
    if not body.strip():
        raise DomainError(_l("Write a comment first."))
    comment = EntryComment(entry_id=entry.id, author_id=user.id, body=body.strip()[:3000], created_at=clock.now())
    db.session.add(comment)
    db.session.commit()
    return comment


def comments(entry: Entry) -> list[EntryComment]:
    return list(db.session.scalars(select(EntryComment).where(EntryComment.entry_id == entry.id)
                                   .options(joinedload(EntryComment.author)).order_by(EntryComment.id)))


# --- Shortlist, adjustments, winner --------------------------------------------------------------
def choose_finalists(contest: Contest, user, entry_ids: list[int]) -> list[Entry]:
    """The sponsor picks at most finalists_wanted entries during the shortlist phase (choosing again replaces)."""
    if contest.kind != ContestKind.CONTEST or contest.phase != Phase.SHORTLIST:
        raise Conflict(_l("Finalists are chosen during the shortlist phase."))
    chosen = set(entry_ids)
    if not chosen:
        raise DomainError(_l("Choose at least one finalist."))
    if len(chosen) > contest.finalists_wanted:
        raise DomainError(_l("This contest has %(n)d finalists at most.", n=contest.finalists_wanted))
    entries = list(db.session.scalars(select(Entry).where(Entry.contest_id == contest.id, Entry.id.in_(chosen),
                                                          Entry.withdrawn_at.is_(None))))
    if len(entries) != len(chosen):
        raise DomainError(_l("Finalists must be entries of this contest."))
    for entry in entries:
        if entry.finalist_at is None:
            notices.tell("contest.shortlisted", entry, to=[entry.author_id], actor=user)
    now = clock.now()
    db.session.execute(update(Entry).where(Entry.contest_id == contest.id).values(finalist_at=None))
    db.session.execute(update(Entry).where(Entry.id.in_(chosen)).values(finalist_at=now))
    db.session.commit()
    contest_finalists_chosen.send(contest, entries=entries)
    return entries


def request_adjustment(entry: Entry, user, text: str) -> None:
    """The sponsor asks a finalist for changes, during the adjustments phase."""
    if entry.contest.phase != Phase.ADJUSTMENTS or entry.finalist_at is None:
        raise Conflict(_l("Changes are asked of finalists during the adjustments phase."))
    if not text.strip():
        raise DomainError(_l("Say which changes you would like."))
    entry.adjustment_request = text.strip()[:3000]
    notices.tell("contest.adjust", entry, to=[entry.author_id], actor=user, note=entry.adjustment_request)
    db.session.commit()


def revise_entry(entry: Entry, user, title: str, text: str, note: str, uploads: list[Upload]) -> EntryRevision:
    """A finalist submits a revised version (kept as a new revision, with its files), during the adjustments."""
    if entry.contest.phase != Phase.ADJUSTMENTS or entry.finalist_at is None:
        raise Conflict(_l("Finalists revise their entries during the adjustments phase."))
    if not title.strip():
        raise DomainError(_l("Give your entry a title."))
    checked = _prepare(uploads)
    entry.revision += 1
    entry.title, entry.text = title.strip()[:160], text.strip()
    revision = EntryRevision(number=entry.revision, title=entry.title, text=entry.text, note=note.strip()[:300],
                             created_at=clock.now())
    entry.revisions.append(revision)
    _store(entry, entry.revision, checked)
    db.session.commit()
    return revision


def pool_points(contest: Contest) -> dict[int, int]:
    """user id -> points earned in the contest (see the module's docstring), the sponsor's team left out."""
    points: dict[int, int] = defaultdict(int)
    kept = select(Entry.id, Entry.author_id, Entry.heart_count).where(Entry.contest_id == contest.id,
                                                                       Entry.withdrawn_at.is_(None))
    authors = {}
    for entry_id, author_id, hearts in db.session.execute(kept):
        authors[entry_id] = author_id
        points[author_id] += 1 + hearts
    for entry_id, author_id in db.session.execute(select(EntryComment.entry_id, EntryComment.author_id).where(
            EntryComment.entry_id.in_(authors))):
        if author_id != authors[entry_id]:
            points[author_id] += 1
    team = set(db.session.scalars(select(User.id).where(User.organisation_id == contest.organisation_id)))
    return {user_id: n for user_id, n in points.items() if user_id not in team and n > 0}


def split_pool(pool_cents: int, points: dict[int, int]) -> dict[int, int]:
    """Shares of the pool in proportion to points; the cents left by rounding go to the highest scores."""
    total = sum(points.values())
    if not pool_cents or not total:
        return {}
    shares = {user: pool_cents * n // total for user, n in points.items()}
    left = pool_cents - sum(shares.values())
    for user in sorted(points, key=lambda u: (-points[u], u))[:left]:
        shares[user] += 1
    return {user: cents for user, cents in shares.items() if cents}


def _pay(memo: str, lines: list[tuple[str, int]], contest: Contest) -> None:
    """Post a movement of the contest's money and tell each member it pays how much was booked to them."""
    transaction = ledger.post(memo, lines, contest.currency, ("contest", contest.id))
    for user_id, line in ledger.payees(transaction):
        notices.tell("contest.payout", line, to=[user_id], detail=memo)


def _tell_result(contest: Contest, user, entry: Entry, others: list[Entry]) -> None:
    """The winner hears they won and must sign the transfer; the other finalists' authors hear the result."""
    notices.tell("contest.won", contest, to=[entry.author_id], actor=user)
    notices.tell("contest.transfer", contest, to=[entry.author_id], actor=user)
    beaten = {f.author_id for f in others} - {entry.author_id}
    if beaten:
        notices.tell("contest.result", contest, to=beaten, actor=user)


def award(contest: Contest, user, entry: Entry) -> None:
    """Pick the winner: the other finalists get their bonus and the pool is shared; the winner signs next."""
    catch_up(contest)
    allowed = (Phase.ADJUSTMENTS, Phase.WINNER) if contest.kind == ContestKind.CONTEST else (
        Phase.SHORTLIST, Phase.WINNER)
    if contest.phase not in allowed:
        raise Conflict(_l("The winner is picked after the adjustments phase has started."))
    if entry.contest_id != contest.id or entry.withdrawn_at is not None:
        raise DomainError(_l("The winner must be an entry of this contest."))
    if contest.kind == ContestKind.CONTEST and entry.finalist_at is None:
        raise Conflict(_l("Pick the winner among the finalists."))
    if contest.winner_entry_id is not None:
        raise Conflict(_l("The winner of this contest is already picked."))
    now = clock.now()
    entry.won_at = now
    escrow = ledger.escrow_account(contest.id)
    others = [f for f in finalists(contest) if f.id != entry.id]
    if contest.finalist_bonus_cents and others:
        _pay("contest.bonuses", [(escrow, -contest.finalist_bonus_cents * len(others))]
             + [(ledger.member_account(f.author_id), contest.finalist_bonus_cents) for f in others], contest)
    shares = split_pool(contest.pool_cents, pool_points(contest))
    if shares:
        _pay("contest.pool", [(escrow, -sum(shares.values()))]
             + [(ledger.member_account(u), cents) for u, cents in sorted(shares.items())], contest)
    _tell_result(contest, user, entry, others)
    if contest.phase != Phase.WINNER:
        _enter_phase(contest, Phase.WINNER, user, now, {"winner_entry_id": entry.id})
    else:  # its date or the sponsor started the winner phase already: no phase change, the winner is set once
        claimed = db.session.execute(update(Contest).where(Contest.id == contest.id, Contest.winner_entry_id.is_(None))
                                     .values(winner_entry_id=entry.id, phase_started_at=now)).rowcount
        if not claimed:
            db.session.rollback()
            raise Conflict(_l("The winner of this contest is already picked."))
        db.session.commit()
        db.session.refresh(contest)
    contest_won.send(contest, entry=entry)


def sign_transfer(contest: Contest, user, version: int | None, ip_address: str) -> CopyrightTransfer:
    """The winner signs the copyright transfer: they are paid, the platform takes its commission, what is left in
    escrow returns to the sponsor, and the contest closes."""
    if contest.phase != Phase.WINNER or contest.winner_entry_id is None:
        raise Conflict(_l("There is no transfer to sign in this contest now."))
    if version != contest.transfer_version:
        raise Conflict(_l("The transfer's text has changed: read it again before signing."))
    now = clock.now()
    if not insert_once(CopyrightTransfer, contest_id=contest.id, entry_id=contest.winner_entry_id, user_id=user.id,
                        version=contest.transfer_version, text=contest.transfer_text, ip_address=ip_address[:45],
                        signed_at=now):
        db.session.rollback()
        raise Conflict(_l("The copyright transfer is already signed."))
    escrow = ledger.escrow_account(contest.id)
    _pay("contest.prize", [(escrow, -contest.prize_cents), (ledger.member_account(user.id), contest.winner_cents),
                           (ledger.PLATFORM, contest.commission_cents)], contest)
    left = ledger.balance(escrow, contest.currency)
    if left:
        ledger.post("contest.refund",
                    [(escrow, -left), (ledger.sponsor_account(contest.organisation_id), left)], contest.currency,
                    ("contest", contest.id))
    _enter_phase(contest, Phase.CLOSED, user, now, {"closed_at": now})
    return transfer_of(contest)


# --- Expert challenges: rubric and ranking --------------------------------------------------------
def criteria(contest: Contest) -> list[Criterion]:
    return list(db.session.scalars(select(Criterion).where(Criterion.contest_id == contest.id)
                                   .order_by(Criterion.id)))


def score_entry(entry: Entry, user, values: dict[int, int]) -> None:
    """The sponsor scores an entry on each criterion (0 to 10), replacing earlier scores."""
    if entry.contest.phase not in (Phase.PRIVATE, Phase.SHORTLIST):
        raise Conflict(_l("Entries are scored before the winner is picked."))
    rubric = {c.id for c in criteria(entry.contest)}
    if not rubric or set(values) - rubric or any(not 0 <= v <= 10 for v in values.values()):
        raise DomainError(_l("Give each criterion a score from 0 to 10."))
    for criterion_id, value in values.items():
        score = db.session.scalar(select(Score).where(Score.entry_id == entry.id,
                                                      Score.criterion_id == criterion_id))
        if score is None:
            db.session.add(Score(entry_id=entry.id, criterion_id=criterion_id, value=value, scorer_id=user.id,
                                 scored_at=clock.now()))
        else:
            score.value, score.scorer_id, score.scored_at = value, user.id, clock.now()
    db.session.commit()


def ranking(contest: Contest, user) -> list[tuple[Entry, float | None, dict[int, int]]]:
    """The entries with their weighted score out of 10 (None until scored), best first, for the sponsor."""
    rubric = {c.id: c.weight for c in criteria(contest)}
    entries = list(db.session.scalars(visible(select(Entry).where(Entry.contest_id == contest.id,
                                                                  Entry.withdrawn_at.is_(None)), user)))
    scores: dict[int, dict[int, int]] = defaultdict(dict)
    for entry_id, criterion_id, value in db.session.execute(select(Score.entry_id, Score.criterion_id, Score.value)
                                                            .where(Score.entry_id.in_([e.id for e in entries]))):
        scores[entry_id][criterion_id] = value
    rows = []
    for entry in entries:
        given = scores.get(entry.id, {})
        weight = sum(rubric[c] for c in given)
        total = round(sum(rubric[c] * v for c, v in given.items()) / weight, 2) if weight else None
        rows.append((entry, total, given))
    return sorted(rows, key=lambda row: (row[1] is None, -(row[1] or 0), row[0].id))


def experts(skill: str, kind: str, limit: int = 30) -> list[User]:
    """Members matching a skill (substring) and a profile kind, to invite to a challenge."""
    query = select(User).where(User.organisation_id.is_(None), User.banned.is_(False))
    if skill.strip():
        query = query.where(User.skills.ilike(f"%{skill.strip()[:60]}%"))
    if kind:
        query = query.where(User.profile_kind == kind)
    return list(db.session.scalars(query.order_by(User.display_name).limit(limit)))


def invite_expert(contest: Contest, user, expert_id: int) -> None:
    """Invite a member to a challenge (they are notified on their contests page; entering stays open to all)."""
    expert = db.session.get(User, expert_id)
    if expert is None or expert.organisation_id is not None:
        raise DomainError(_l("Choose a community member to invite."))
    if contest.phase not in (Phase.DRAFT, Phase.PRIVATE):
        raise Conflict(_l("Experts are invited before submissions close."))
    if not insert_once(ContestInvitation, contest_id=contest.id, user_id=expert.id, invited_by_id=user.id,
                        created_at=clock.now()):
        db.session.rollback()
        raise Conflict(_l("This member is already invited."))
    db.session.commit()


def invited(contest: Contest) -> list[User]:
    """The members invited to a challenge."""
    return list(db.session.scalars(select(User).join(ContestInvitation, ContestInvitation.user_id == User.id)
                                   .where(ContestInvitation.contest_id == contest.id).order_by(User.display_name)))


def scores_of(entry: Entry) -> dict[int, int]:
    """criterion id -> the entry's score."""
    return dict(db.session.execute(select(Score.criterion_id, Score.value).where(Score.entry_id == entry.id)).all())
