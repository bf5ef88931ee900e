"""The moderation console: the platform's log of every moderation and sanction action (filtered, paged, as CSV),
the member directory and a member's page for moderators, and warnings (a private, recorded message from a moderator
that the member acknowledges)."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, distinct, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from .. import notices, stamps
from ..access import visible
from ..accounts.models import User
from ..audit import services as audit
from ..audit.models import AuditEvent
from ..database import paginate, utcnow
from ..errors import Conflict, DomainError
from ..extensions import db
from ..projects.models import Project
from ..text import spreadsheet_safe
from .models import Flag, MemberWarning, Post, Thread

#: the audit actions that are moderation: on posts, threads, appeals, flags and members (sanctions, warnings)
MODERATION_PREFIXES = ("post.", "thread.", "appeal.", "flag.", "member.", "warning.")
#: the sanctions among them, as the member's page lists them
SANCTIONS = ("member.suspend", "member.ban", "member.lift")
#: how many of a member's flags, sanctions and warnings their page lists (newest first)
RECENT = 50
MAX_MESSAGE = 5000


def _day(args, name: str) -> date | None:
    """A date parameter (YYYY-MM-DD), None when absent; a malformed one is refused."""
    text = args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(_l("Give dates as YYYY-MM-DD.")) from None


def _number(args, name: str) -> int | None:
    """A whole-number parameter, None when absent; anything else is refused."""
    text = args.get(name, "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise DomainError(_l("Karma bounds are whole numbers.")) from None


def _between(column, start: date | None, end: date | None) -> list:
    """Conditions keeping the rows of column from the start day to the end day included (UTC days)."""
    conditions = []
    if start is not None:
        conditions.append(column >= datetime.combine(start, datetime.min.time()))
    if end is not None:
        conditions.append(column < datetime.combine(end + timedelta(days=1), datetime.min.time()))
    return conditions


@dataclass(frozen=True)
class LogFilter:
    """What the log shows: one action, a name (the actor's, or the target's: as the log wrote it, or the member's
    name now), a range of days."""

    action: str = ""
    name: str = ""
    start: date | None = None
    end: date | None = None

    @classmethod
    def from_args(cls, args) -> "LogFilter":
        """The filter a request's parameters ask for; an unknown action or a malformed date is refused."""
        action = args.get("action", "").strip()
        if action and not action.startswith(MODERATION_PREFIXES):
            raise DomainError(_l("This is not a moderation action."))
        return cls(action, args.get("name", "").strip()[:80], _day(args, "from"), _day(args, "to"))


def _moderation():
    """The condition keeping the audit events that are moderation."""
    return or_(*(AuditEvent.action.startswith(prefix) for prefix in MODERATION_PREFIXES))


def _log_query(chosen: LogFilter):
    """The select() of the moderation events the filter keeps, newest first."""
    actor, target = aliased(User), aliased(User)
    query = (select(AuditEvent).outerjoin(actor, actor.id == AuditEvent.actor_id)
             .outerjoin(target, target.id == AuditEvent.target_user_id).where(_moderation())
             .where(*_between(AuditEvent.created_at, chosen.start, chosen.end))
             .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.target_user))
             .order_by(AuditEvent.id.desc()))
    if chosen.action:
        query = query.where(AuditEvent.action == chosen.action)
    if chosen.name:
        query = query.where(or_(*(name.icontains(chosen.name, autoescape=True)
                                  for name in (actor.display_name, AuditEvent.target, target.display_name))))
    return query


def log(chosen: LogFilter, page: int, per_page: int):
    """One page of the platform's moderation log (every project's too), newest first."""
    return paginate(_log_query(chosen), page, per_page)


def log_actions() -> list[str]:
    """The moderation actions the log holds, for its filter."""
    return list(db.session.scalars(select(distinct(AuditEvent.action)).where(_moderation())
                                   .order_by(AuditEvent.action)))


def project_titles(events, viewer) -> dict[int, str]:
    """The titles of the projects of these events that the viewer may see (the others stay unnamed)."""
    ids = {event.project_id for event in events if event.project_id is not None}
    if not ids:
        return {}
    query = visible(select(Project.id, Project.title).where(Project.id.in_(ids)), viewer)
    return dict(db.session.execute(query).all())


def log_csv(chosen: LogFilter, viewer) -> str:
    """The moderation log the filter keeps, as CSV (UTF-8, one header row, cells spreadsheets will not run)."""
    events = list(db.session.scalars(_log_query(chosen)))
    titles = project_titles(events, viewer)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "time_utc", "actor", "action", "target", "details", "project", "member_id", "member_now"])
    for event in events:
        member = event.target_user
        writer.writerow([spreadsheet_safe(cell) for cell in (
            event.id, event.created_at.isoformat(timespec="seconds"),
            event.actor.display_name if event.actor else "", event.action, event.target, event.details,
            titles.get(event.project_id, ""), event.target_user_id or "", member.display_name if member else "")])
    return out.getvalue()


@dataclass(frozen=True)
class MemberFilter:
    """Who the directory lists: a name or email, a karma range, sanctioned or not, a range of joining days."""

    text: str = ""
    karma_min: int | None = None
    karma_max: int | None = None
    #: "" (everyone), "sanctioned" (suspended or banned now) or "clear"
    standing: str = ""
    start: date | None = None
    end: date | None = None

    @classmethod
    def from_args(cls, args) -> "MemberFilter":
        """The filter a request's parameters ask for; malformed numbers, dates or standings are refused."""
        standing = args.get("standing", "").strip()
        if standing not in ("", "sanctioned", "clear"):
            raise DomainError(_l("Choose sanctioned, not sanctioned, or everyone."))
        return cls(args.get("q", "").strip()[:120], _number(args, "karma_min"), _number(args, "karma_max"), standing,
                   _day(args, "from"), _day(args, "to"))


def directory(chosen: MemberFilter, page: int, per_page: int):
    """One page of the members (accounts not deleted) the filter keeps, newest first."""
    query = select(User).where(User.deleted_at.is_(None), *_between(User.created_at, chosen.start, chosen.end))
    if chosen.text:
        query = query.where(or_(User.display_name.icontains(chosen.text, autoescape=True),
                                User.email.icontains(chosen.text, autoescape=True)))
    if chosen.karma_min is not None:
        query = query.where(User.karma >= chosen.karma_min)
    if chosen.karma_max is not None:
        query = query.where(User.karma <= chosen.karma_max)
    if chosen.standing:
        now = utcnow()
        sanctioned = or_(User.banned.is_(True), User.suspended_until > now)
        clear = and_(User.banned.is_(False), or_(User.suspended_until.is_(None), User.suspended_until <= now))
        query = query.where(sanctioned if chosen.standing == "sanctioned" else clear)
    return paginate(query.order_by(User.created_at.desc(), User.id.desc()), page, per_page)


def load_member(user_id: int) -> User | None:
    """A member who still has an account (None for an unknown or deleted one)."""
    member = db.session.get(User, user_id)
    return member if member is not None and member.deleted_at is None else None


def _readable_threads(viewer):
    """The ids of the threads the viewer may read."""
    return visible(select(Thread.id), viewer)


def posts_of(member, viewer, page: int, per_page: int):
    """One page of the member's posts that the viewer may read (hidden and held ones too), newest first."""
    query = (select(Post).where(Post.author_id == member.id, Post.thread_id.in_(_readable_threads(viewer)))
             .options(joinedload(Post.thread)).order_by(Post.id.desc()))
    return paginate(query, page, per_page)


@dataclass(frozen=True)
class FlagLine:
    """A flag on a post the viewer may read, with the other party's name (the flagger, or the post's author)."""

    flag: Flag
    other: str


def _flags(viewer, *where) -> list[FlagLine]:
    """The newest flags on posts the viewer may read, with the name of the member joined on."""
    query = (select(Flag, User.display_name).join(Post, Post.id == Flag.post_id).where(
        Post.thread_id.in_(_readable_threads(viewer)), *where)
        .options(joinedload(Flag.post).joinedload(Post.thread)).order_by(Flag.id.desc()).limit(RECENT))
    return [FlagLine(flag, name) for flag, name in db.session.execute(query)]


def flags_received(member, viewer) -> list[FlagLine]:
    """The newest flags others raised on the member's posts (that the viewer may read), with who flagged."""
    return _flags(viewer, Post.author_id == member.id, User.id == Flag.user_id)


def flags_given(member, viewer) -> list[FlagLine]:
    """The newest flags the member raised (on posts the viewer may read), with whose post it was."""
    return _flags(viewer, Flag.user_id == member.id, User.id == Post.author_id)


def sanctions_of(member) -> list[AuditEvent]:
    """The member's suspensions, bans and lifts, from the log (by their id: a renamed member keeps them), newest
    first."""
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(SANCTIONS),
                                                            AuditEvent.target_user_id == member.id)
                                   .options(joinedload(AuditEvent.actor)).order_by(AuditEvent.id.desc())
                                   .limit(RECENT)))


def warnings_of(member) -> list[MemberWarning]:
    """The warnings moderators sent the member, newest first."""
    return list(db.session.scalars(select(MemberWarning).where(MemberWarning.user_id == member.id)
                                   .options(joinedload(MemberWarning.moderator))
                                   .order_by(MemberWarning.id.desc()).limit(RECENT)))


def warn(member, moderator, reason: str, message: str) -> MemberWarning:
    """Send a member a private warning with its reason: recorded in the log, told to them, and shown on every page
    they open until they acknowledge it."""
    reason, message = reason.strip(), message.strip()
    if not reason or not message:
        raise Conflict(_l("Give the reason and the message of the warning."))
    if len(reason) > 300 or len(message) > MAX_MESSAGE:
        raise Conflict(_l("The reason holds 300 characters at most, the message %(n)d.", n=MAX_MESSAGE))
    warning = MemberWarning(user_id=member.id, moderator_id=moderator.id, reason=reason, message=message)
    db.session.add(warning)
    db.session.flush()
    audit.record(None, moderator, "member.warned", member.display_name, reason, target_user=member)
    notices.tell("moderation.warning", warning, to=[member.id], actor=moderator)
    db.session.commit()
    return warning


def load_warning(warning_id: int) -> MemberWarning | None:
    """A warning by its id (None when there is none)."""
    return db.session.get(MemberWarning, warning_id)


def acknowledge(warning: MemberWarning, member) -> MemberWarning:
    """The member says they read the warning (once): recorded in the log; the banner leaves their pages."""
    done = db.session.execute(update(MemberWarning).where(MemberWarning.id == warning.id,
                                                          MemberWarning.acknowledged_at.is_(None))
                              .values(acknowledged_at=utcnow())).rowcount
    if not done:
        raise Conflict(_l("You have already acknowledged this warning."))
    audit.record(None, member, "warning.acknowledged", member.display_name, warning.reason, target_user=member)
    stamps.forget("warning-pending", member.id)
    db.session.commit()
    db.session.refresh(warning)
    return warning
