"""Stage visibility on a schedule: "from this moment, this stage of this project has this visibility".

A scheduled change takes effect at read time, exactly at its moment: every process keeps the pending changes in
memory (reloaded when the access version moves, which every edit of a schedule raises), the policy_* attributes of
Project and their SQL follow them, and the access generation names the latest boundary passed, so that everything
remembered per generation (conditions, search keys, cached pages) turns over at the boundary with no write from a
GET. Then a loop in each process tells its live rooms (access_changed) and, once across processes, stores the new
level in the project and writes it in the audit log.
"""

import threading
from bisect import bisect_right
from datetime import datetime, timedelta
from typing import NamedTuple

import click
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ForeignKey, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import access, clock, notices
from ..accounts.models import User
from ..audit import services as audit
from ..background import start_once
from ..commands import crowdspirit_cli
from ..database import after_commit, utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..requestcache import per_request
from ..signals import access_changed
from ..visibility import LEVELS
from .models import POLICY_STAGES, Project, ProjectMembership, follow_schedule

#: how often each process looks for a boundary just passed, to tell its live rooms (pages switch exactly anyway), and
#: for edits of a schedule made in other processes
POLL_SECONDS = 1.0
#: how far ahead a change may be scheduled
HORIZON = timedelta(days=5 * 365)
#: the most windows one "repeat" may create
MAX_REPEATS = 52
#: how long before a change the project's members who see the stage (before or after it) are told of it
NOTICE_AHEAD = timedelta(days=1)
#: the action written in the audit log when a scheduled change takes effect
APPLIED = "policy.scheduled"


class ScheduledChange(db.Model):
    """From `at`, the project's `stage` has visibility `level` (until a later change of the same stage)."""

    __tablename__ = "scheduled_changes"
    __table_args__ = (UniqueConstraint("project_id", "stage", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    #: one of POLICY_STAGES
    stage: Mapped[str] = mapped_column(String(20))
    #: one of the Visibility levels
    level: Mapped[str] = mapped_column(String(20))
    #: the moment (naive UTC) from which the level applies
    at: Mapped[datetime] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when a process stored the level in the project and audited it (None: not yet; the level applies from `at`
    #: regardless, read from the schedule)
    applied_at: Mapped[datetime | None]
    #: when the project's members were told of it, NOTICE_AHEAD before (None: not yet)
    announced_at: Mapped[datetime | None]

    project: Mapped[Project] = relationship()
    created_by: Mapped[User | None] = relationship()


# --- Read time: the pending changes in memory, per process ------------------------------------------------------

class Coming(NamedTuple):
    """A change still to come, as pages show it."""

    at: datetime
    stage: str
    level: str
    id: int


class _Timetable:
    """The changes not yet stored, as of one access version, in time order; which of them have passed at a moment,
    and the levels they give, by stage and project."""

    def __init__(self, number: int, rows: list[tuple]):
        self.number = number
        self.rows = rows
        self.moments = [row[0] for row in rows]
        self._levels: dict[int, dict] = {}
        self._lock = threading.Lock()

    def passed(self, moment: datetime) -> int:
        """How many of the changes have taken effect at moment (which boundary is current)."""
        return bisect_right(self.moments, moment)

    def levels(self, passed: int) -> dict[str, dict[int, str]]:
        """The levels the first `passed` changes give: stage -> {project id: level} (computed once per boundary)."""
        known = self._levels.get(passed)
        if known is not None:
            return known
        with self._lock:
            if passed not in self._levels:
                levels: dict[str, dict[int, str]] = {stage: {} for stage in POLICY_STAGES}
                for _at, project_id, stage, level, _id in self.rows[:passed]:
                    levels[stage][project_id] = level
                self._levels[passed] = levels
            return self._levels[passed]


def _load(number: int) -> _Timetable:
    """Read the changes not yet stored (a handful, whatever the number of projects)."""
    with db.session.no_autoflush:
        rows = db.session.execute(select(
            ScheduledChange.at, ScheduledChange.project_id, ScheduledChange.stage, ScheduledChange.level,
            ScheduledChange.id).where(ScheduledChange.applied_at.is_(None))
            .order_by(ScheduledChange.at, ScheduledChange.id)).all()
    return _Timetable(number, [tuple(row) for row in rows])


_loading = threading.Lock()


def _timetable(check: bool = False) -> _Timetable:
    """This process's timetable, checked against the access version (which every edit of a schedule raises) and read
    again when it moved: whenever the request has read that version anyway (a member's, or a page remembering
    anything per access), when asked to check (each second, by this process's loop), or when there is none yet.
    Otherwise it is trusted as it is: a page pays no statement for it, and what it may miss for that moment is an
    edit made in another process, which concerns changes still to come (a boundary needs no reload: it is compared
    with the clock). Inside a request that changed access, a reload is not kept: an uncommitted change must not
    outlive its transaction."""
    state = current_app.extensions.get("crowdspirit.schedule")
    number = access.number() if state is None or check else access.number_if_read()
    if number is None or (state is not None and state.number == number):
        return state
    if access.changed_here():
        return _load(number)
    with _loading:
        state = current_app.extensions.get("crowdspirit.schedule")
        if state is None or state.number != number:
            state = current_app.extensions["crowdspirit.schedule"] = _load(number)
    return state


def _forget() -> None:
    """This process changed the schedule: read it again at the next look."""
    current_app.extensions.pop("crowdspirit.schedule", None)


def _now() -> tuple[_Timetable, int]:
    """The timetable and its current boundary, fixed for the rest of the request (a bisection over the pending
    changes: nothing grows with the number of projects, ideas or readers)."""
    def read():
        timetable = _timetable()
        return timetable, timetable.passed(clock.now())
    return per_request("schedule-now", read)


def current_boundary() -> tuple[int, int]:
    """The access generation's part that follows the clock: which timetable, and how many of its changes passed."""
    timetable, passed = _now()
    return timetable.number, passed


def scheduled_levels(stage: str) -> dict[int, str]:
    """The levels passed boundaries give this stage now, by project id (empty outside an application)."""
    if not has_app_context():
        return {}
    timetable, passed = _now()
    return timetable.levels(passed)[stage] if passed else {}


def upcoming(project: Project) -> list[tuple]:
    """The project's changes still to come, soonest first, as (at, stage, level, id) (from memory: the project page
    shows them to every reader)."""
    timetable, passed = _now()
    return [Coming(at, stage, level, change_id) for at, project_id, stage, level, change_id in timetable.rows[passed:]
            if project_id == project.id]


# --- Services -----------------------------------------------------------------------------------------------------

def set_by_hand(project_id: int, stage: str) -> None:
    """A stage's level set by hand (the settings page) replaces the scheduled changes of the stage whose moment
    passed but that no process stored yet: they are marked stored in the same transaction, so that neither the
    read-time schedule nor a late timer undoes the owner's choice (nothing to do, and nothing read, otherwise)."""
    if project_id not in scheduled_levels(stage):
        return
    db.session.execute(update(ScheduledChange).where(
        ScheduledChange.project_id == project_id, ScheduledChange.stage == stage, ScheduledChange.at <= clock.now(),
        ScheduledChange.applied_at.is_(None)).values(applied_at=utcnow()))
    after_commit(_forget)


def level_at(project: Project, stage: str, moment: datetime) -> str:
    """The level the stage will have at moment, as scheduled today."""
    latest = db.session.scalar(select(ScheduledChange.level).where(
        ScheduledChange.project_id == project.id, ScheduledChange.stage == stage, ScheduledChange.at <= moment,
        ScheduledChange.applied_at.is_(None)).order_by(ScheduledChange.at.desc()).limit(1))
    return latest or getattr(project, f"stored_policy_{stage}")


def announced(project: Project, user) -> list[dict]:
    """The coming changes the reader may know about (those of a stage they see before or after the change), each
    with the level before it, soonest first."""
    before = {stage: project.policy(stage) for stage in POLICY_STAGES}
    shown = []
    for change in upcoming(project):
        previous, before[change.stage] = before[change.stage], change.level
        if access.sees(user, project, previous) or access.sees(user, project, change.level):
            shown.append({"change": change, "opens": LEVELS.index(change.level) < LEVELS.index(previous)})
    return shown


def _validated(project: Project, stage: str, at: datetime) -> None:
    """Refuse a change in the past or too far ahead, or at a moment already taken by a change of the stage."""
    now = clock.now()
    if at <= now:
        raise DomainError(_l("A scheduled change must be in the future."))
    if at > now + HORIZON:
        raise DomainError(_l("A change can be scheduled at most five years ahead."))
    if db.session.scalar(select(ScheduledChange.id).where(
            ScheduledChange.project_id == project.id, ScheduledChange.stage == stage, ScheduledChange.at == at)):
        raise Conflict(_l("This stage already changes at that moment: delete that change first."))


def _windows(at: datetime, until: datetime | None, repeat: int, every_days: int) -> list[tuple[datetime, ...]]:
    """The (start,) or (start, end) moments of a change, a window, or a window repeated every_days days."""
    if until is None:
        if repeat:
            raise DomainError(_l("Only a window (with an end) can be repeated."))
        return [(at,)]
    if until <= at:
        raise DomainError(_l("The window must end after it starts."))
    if not 0 <= repeat <= MAX_REPEATS:
        raise DomainError(_l("A window can be repeated at most %(num)d times.", num=MAX_REPEATS))
    step = timedelta(days=every_days)
    if repeat and step <= until - at:
        raise DomainError(_l("Repeated windows must not overlap: repeat them less often than they last."))
    return [(at + step * k, until + step * k) for k in range(repeat + 1)]


def schedule(project: Project, actor, stage: str, level: str, at: datetime, until: datetime | None = None,
             repeat: int = 0, every_days: int = 7) -> list[ScheduledChange]:
    """Schedule a stage's visibility: from at (until `until`, then back to the level it had before, the window
    repeated `repeat` more times every every_days days); validated, audited, in one transaction."""
    if stage not in POLICY_STAGES:
        raise DomainError(_l("Choose one of the project's stages."))
    if level not in LEVELS:
        raise DomainError(_l("Choose one of the visibility levels."))
    added = []
    try:
        for window in _windows(at, until, repeat, every_days):
            moments = dict(zip(window, (level, level_at(project, stage, window[0])), strict=False))
            if len(window) == 2 and moments[window[0]] == moments[window[1]]:
                raise DomainError(_l("The stage already has this visibility then: choose another level."))
            for moment, wanted in moments.items():
                _validated(project, stage, moment)
                added.append(ScheduledChange(project_id=project.id, stage=stage, level=wanted, at=moment,
                                             created_by_id=actor.id))
                db.session.add(added[-1])
                db.session.flush()  # the next window's level before it, and its checks, see this one
    except DomainError:
        db.session.rollback()  # nothing of a refused schedule stays behind
        raise
    audit.record(project.id, actor, "schedule.added", project.title, "; ".join(
        f"{change.stage}: {change.level} from {change.at.isoformat(timespec='minutes')}" for change in added))
    access.changed(project.id, "schedule.added")  # every process reads the new timetable
    db.session.commit()
    _forget()
    return added


def unschedule(project: Project, actor, change_id: int) -> ScheduledChange:
    """Delete a change still to come; audited."""
    change = db.session.get(ScheduledChange, change_id)
    if change is None or change.project_id != project.id:
        raise NotFound(_l("This scheduled change does not exist (any more)."))
    if change.at <= clock.now():
        raise Conflict(_l("This change has already taken effect; change the stage's visibility in the settings."))
    db.session.delete(change)
    audit.record(project.id, actor, "schedule.removed", project.title,
                 f"{change.stage}: {change.level} from {change.at.isoformat(timespec='minutes')}")
    access.changed(project.id, "schedule.removed")
    db.session.commit()
    _forget()
    return change


def _store(change_id: int) -> int | None:
    """Store a passed change in its project and audit it, if no process did yet (the guarded update decides);
    returns the project's id when this call did it."""
    claimed = db.session.execute(update(ScheduledChange).where(
        ScheduledChange.id == change_id, ScheduledChange.applied_at.is_(None)).values(applied_at=utcnow())).rowcount
    if not claimed:
        db.session.rollback()
        return None
    change = db.session.get(ScheduledChange, change_id)
    project = change.project
    before = getattr(project, f"stored_policy_{change.stage}")
    setattr(project, f"stored_policy_{change.stage}", change.level)
    audit.record(project.id, None, APPLIED, project.title,
                 f"policy_{change.stage}: {before} -> {change.level} (scheduled for "
                 f"{change.at.isoformat(timespec='minutes')})")
    access.changed(project.id, APPLIED)  # after the commit: this process's live rooms re-check their readers
    db.session.commit()
    _forget()
    return project.id


def apply_due() -> int:
    """Take the boundaries passed since this process last looked (or started): store each change once across
    processes (the first process to look does it, and audits it), and tell this process's live rooms of every one,
    stored here or elsewhere. Returns how many boundaries this call handled."""
    state = current_app.extensions["crowdspirit.schedule-told"]
    now = clock.now()
    due = db.session.execute(select(ScheduledChange.id, ScheduledChange.project_id).where(
        ScheduledChange.at <= now, ScheduledChange.applied_at.is_(None) | (ScheduledChange.at > state["until"]))
        .order_by(ScheduledChange.at, ScheduledChange.id)).all()
    db.session.rollback()  # the loop's reads must not keep a transaction open
    for change_id, project_id in due:
        if _store(change_id) is None:
            access_changed.send(project_id, why=APPLIED)
    state["until"] = now
    return len(due)


def announce_due() -> int:
    """Tell the project's members of each change coming within NOTICE_AHEAD, once across processes (the guarded
    update decides), those who see the stage before or after it. Returns how many changes this call announced."""
    now = clock.now()
    due = db.session.scalars(select(ScheduledChange.id).where(
        ScheduledChange.announced_at.is_(None), ScheduledChange.at > now,
        ScheduledChange.at <= now + NOTICE_AHEAD).order_by(ScheduledChange.at)).all()
    announced = 0
    for change_id in due:
        if db.session.execute(update(ScheduledChange).where(
                ScheduledChange.id == change_id, ScheduledChange.announced_at.is_(None))
                .values(announced_at=utcnow())).rowcount:
            change = db.session.get(ScheduledChange, change_id)
            before = level_at(change.project, change.stage, change.at - timedelta(microseconds=1))
            members = db.session.scalars(select(User).join(ProjectMembership, ProjectMembership.user_id == User.id)
                                         .where(ProjectMembership.project_id == change.project_id)).all()
            told = [member.id for member in members if access.sees(member, change.project, before)
                    or access.sees(member, change.project, change.level)]
            if told:
                notices.tell("project.schedule", change.project, detail=change.stage, to=told)
            announced += 1
        db.session.commit()
    return announced


def _start() -> None:
    """Start this process's loop that handles each boundary as it passes."""
    start_once(f"schedule:{db.engine.url}", _poll, threading.Event(), POLL_SECONDS)


def _poll() -> bool:
    """One round of the loop: follow edits made in other processes, handle the boundaries passed (never loops on:
    the next round comes in a second)."""
    _timetable(check=True)
    apply_due()
    announce_due()
    return False


@click.command("apply-schedule")
def apply_schedule_command():
    """Store and announce the scheduled visibility changes whose moment passed, and tell the members of those coming
    within a day (without the per-process loop)."""
    click.echo(f"Scheduled changes handled: {apply_due()}; announced to members: {announce_due()}.")


def init_app(app) -> None:
    """Let stage policies and the access generation follow the schedule; handle boundaries in a loop per process
    when the process runs its background deliveries (EVENTS_DELIVERY=thread)."""
    follow_schedule(scheduled_levels, set_by_hand)
    # the boundaries before this process started concern none of its live rooms (sockets are checked as they join)
    app.extensions["crowdspirit.schedule-told"] = {"until": clock.now()}
    app.jinja_env.globals["coming_changes"] = lambda project: announced(project, current_user)
    access.follows_time(current_boundary)
    crowdspirit_cli.add_command(apply_schedule_command)
    if app.config["EVENTS_DELIVERY"] == "thread":
        app.before_request(_start)

