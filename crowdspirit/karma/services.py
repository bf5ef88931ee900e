"""Karma at work: points written to an append-only log with their totals in one transaction, reversals, what a
member and the leaderboards show, invitation links and referrals, and the check of totals against the log."""

import logging
import re
import secrets
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, time

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, case, exists, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from ..access import can, sees_sql, visible
from ..accounts.models import ProfileKind, User
from ..database import Page, dialect_insert, paginate, utcnow
from ..errors import DomainError
from ..extensions import db
from ..pipeline.models import Idea
from ..projects.models import POLICY_STAGES, Project
from . import rules
from .models import InviteLink, KarmaEvent, KarmaTotal, Referral

log = logging.getLogger(__name__)

#: what earned an event: (kind, id)
Source = tuple[str, int]
#: the rules whose awards count as an invitee's contributions toward becoming active
CONTRIBUTIONS = ("idea_proposed", "vote_cast", "comment", "amendment_accepted", "contest_entry")


# --- Writing the log -------------------------------------------------------------------------------
#: one award to write: (member's id, source, project id or None)
Award = tuple[int, Source, int | None]


def _lock_members(user_ids) -> None:
    """Hold the members' rows until commit (on SQLite, the write lock), so that their caps and earlier awards are
    read while nobody else writes their karma."""
    db.session.execute(update(User).where(User.id.in_(sorted(set(user_ids)))).values(karma=User.karma))


def _add_to_totals(lines) -> None:
    """Add the points of (member's id, project id or None, points) lines to the members' platform and project totals:
    one increment in SQL per member and per member and project."""
    platform, projects = Counter(), Counter()
    for user_id, project_id, points in lines:
        if points:
            platform[user_id] += points
            if project_id is not None:
                projects[user_id, project_id] += points
    users = User.__table__
    if platform:
        db.session.connection().execute(
            update(users).where(users.c.id == bindparam("member")).values(karma=users.c.karma + bindparam("add")),
            [{"member": user_id, "add": points} for user_id, points in platform.items()])
    if projects:
        statement = dialect_insert(KarmaTotal)
        db.session.connection().execute(statement.on_conflict_do_update(
            index_elements=["user_id", "project_id"], set_={"points": KarmaTotal.points + statement.excluded.points}),
            [{"user_id": user_id, "project_id": project_id, "points": points}
             for (user_id, project_id), points in projects.items()])


def _is_reversed(event):
    """SQL: a reversal of this event exists."""
    reversal = aliased(KarmaEvent)
    return exists().where(reversal.reverses_id == event.id)


def _awards(user_id: int, rule: str, source: Source):
    """The select() of the awards this source earned the member under the rule (reversed or not)."""
    kind, source_id = source
    return select(KarmaEvent).where(KarmaEvent.user_id == user_id, KarmaEvent.rule == rule,
                                    KarmaEvent.source_kind == kind, KarmaEvent.source_id == source_id,
                                    KarmaEvent.seq.is_not(None))


def _earlier_awards(rule: str, awards: list[Award]) -> dict[tuple, list[bool]]:
    """(member, source kind, source id) -> whether each of its earlier awards under the rule was reversed."""
    earlier: dict[tuple, list[bool]] = {}
    keys = {(user_id, *source) for user_id, source, _project in awards}
    rows = db.session.execute(select(KarmaEvent.user_id, KarmaEvent.source_kind, KarmaEvent.source_id,
                                     _is_reversed(KarmaEvent)).where(
        KarmaEvent.rule == rule, KarmaEvent.seq.is_not(None),
        tuple_(KarmaEvent.user_id, KarmaEvent.source_kind, KarmaEvent.source_id).in_(keys)))
    for user_id, kind, source_id, reversed_ in rows:
        earlier.setdefault((user_id, kind, source_id), []).append(reversed_)
    return earlier


def _earned_today(rule: str, user_ids) -> Counter:
    """What each member's awards under this rule gave them since midnight UTC."""
    midnight = datetime.combine(utcnow().date(), time.min)
    return Counter(dict(db.session.execute(
        select(KarmaEvent.user_id, func.sum(KarmaEvent.points)).where(
            KarmaEvent.user_id.in_(set(user_ids)), KarmaEvent.rule == rule, KarmaEvent.seq.is_not(None),
            KarmaEvent.created_at >= midnight).group_by(KarmaEvent.user_id)).all()))


def award_many(rule: str, awards: list[Award]) -> list[int]:
    """Write what each source earns its member under a rule, in order, and their totals (the caller commits); returns
    the ids of the members whose awards were written, one per award.

    Nothing for a source that already earned under this rule and was not reversed since (the same source never earns
    twice); beyond the rule's daily cap the event is written with the points left (0 at most), so the member can see
    why. A thousand awards cost the same few statements as one.
    """
    spec = rules.current()[rule]
    if spec.points <= 0 or not awards:
        return []
    _lock_members(user_id for user_id, _source, _project in awards)
    earlier = _earlier_awards(rule, awards)
    earned = _earned_today(rule, [user_id for user_id, _source, _project in awards]) if spec.daily_cap else Counter()
    rows, now = [], utcnow()
    for user_id, (kind, source_id), project_id in awards:
        before = earlier.setdefault((user_id, kind, source_id), [])
        if not all(before):
            continue
        points, cause = spec.points, ""
        if spec.daily_cap is not None and (room := max(spec.daily_cap - earned[user_id], 0)) < points:
            points, cause = room, "capped"
        earned[user_id] += points
        before.append(False)
        rows.append({"user_id": user_id, "rule": rule, "points": points, "source_kind": kind,
                     "source_id": source_id, "project_id": project_id, "seq": len(before) - 1, "cause": cause,
                     "created_at": now})
    if rows:
        db.session.execute(insert(KarmaEvent), rows)
        _add_to_totals((row["user_id"], row["project_id"], row["points"]) for row in rows)
    return [row["user_id"] for row in rows]


def award(user_id: int, rule: str, source: Source, project_id: int | None = None) -> bool:
    """Write what a source earns a member under a rule, and their totals (the caller commits): see award_many; True
    when something was written."""
    return bool(award_many(rule, [(user_id, source, project_id)]))


def reverse(user_id: int, rule: str, source: Source, cause: str) -> list[KarmaEvent]:
    """Cancel what a source earned the member under a rule with negative events, and their totals (no commit)."""
    _lock_members([user_id])
    live = db.session.scalars(_awards(user_id, rule, source).where(~_is_reversed(KarmaEvent))).all()
    reversals = [KarmaEvent(user_id=user_id, rule=rule, points=-event.points, source_kind=event.source_kind,
                            source_id=event.source_id, project_id=event.project_id, reverses_id=event.id,
                            cause=cause, created_at=utcnow()) for event in live]
    db.session.add_all(reversals)
    db.session.flush()
    _add_to_totals((reversal.user_id, reversal.project_id, reversal.points) for reversal in reversals)
    return reversals


def contribute_many(rule: str, awards: list[Award]) -> None:
    """Award contributions, then see whether they make their members active invitees (no commit)."""
    members = set(award_many(rule, awards))
    if members:
        for invitee_id in db.session.scalars(select(Referral.invitee_id).where(
                Referral.invitee_id.in_(members), Referral.activated_at.is_(None))).all():
            _check_activation(invitee_id)


def contribute(user_id: int, rule: str, source: Source, project_id: int | None) -> None:
    """Award a contribution, then see whether it makes the member an active invitee (no commit)."""
    contribute_many(rule, [(user_id, source, project_id)])


def in_own_transaction(description: str, action) -> None:
    """Run a karma write after the service's commit, and commit it. A failure is logged and never reaches the
    member whose action caused it; the whole write is then missing (events and totals alike, so totals still equal
    the log)."""
    try:
        action()
        db.session.commit()
    except IntegrityError:  # the same award or reversal written at the same moment by another request
        db.session.rollback()
        log.warning("karma: %s was already recorded", description)
    except Exception:
        db.session.rollback()
        log.exception("karma: could not record %s", description)


# --- Referrals -------------------------------------------------------------------------------------
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{6,24}$")


def give_invite_link(user) -> InviteLink:
    """Give a new member their invitation link (no commit): a random code of 12 URL-safe characters."""
    link = InviteLink(user_id=user.id, code=secrets.token_urlsafe(9))
    db.session.add(link)
    return link


def invite_link(user) -> InviteLink:
    """The member's invitation link (given at sign-up: reading it writes nothing)."""
    return db.session.scalar(select(InviteLink).where(InviteLink.user_id == user.id))


def find_invite(code: str | None) -> InviteLink | None:
    """The invitation link with this code, if it exists and its member may still invite (not banned)."""
    if not code or not CODE_PATTERN.match(code):
        return None
    link = db.session.scalar(select(InviteLink).where(InviteLink.code == code).options(joinedload(InviteLink.user)))
    return None if link is None or link.user.banned else link


def _mailbox(email: str) -> str:
    """The mailbox an address delivers to, without a +tag (mia+2@x and mia@x are the same person)."""
    local, _at, domain = email.lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def record_referral(invitee, code: str | None) -> Referral | None:
    """Remember who invited a new member (no commit); nothing for an unknown code or a self-referral."""
    link = find_invite(code)
    if link is None or link.user_id == invitee.id or _mailbox(link.user.email) == _mailbox(invitee.email):
        return None
    referral = Referral(referrer_id=link.user_id, invitee_id=invitee.id)
    db.session.add(referral)
    return referral


def _contributions(user_id: int, referrer_id: int) -> int:
    """The member's standing contributions, leaving out votes for their referrer's ideas."""
    referrer_ideas = select(Idea.id).where(Idea.author_id == referrer_id)
    return db.session.scalar(select(func.count(KarmaEvent.id)).where(
        KarmaEvent.user_id == user_id, KarmaEvent.rule.in_(CONTRIBUTIONS), KarmaEvent.seq.is_not(None),
        ~_is_reversed(KarmaEvent),
        ~((KarmaEvent.rule == "vote_cast") & KarmaEvent.source_id.in_(referrer_ideas))))


def _check_activation(user_id: int) -> None:
    """When an invitee's contributions reach KARMA_REFERRAL_ACTIVE_AFTER, mark them active (once) and award their
    referrer, in the same transaction."""
    referral = db.session.scalar(select(Referral).where(Referral.invitee_id == user_id,
                                                        Referral.activated_at.is_(None)))
    if referral is None or _contributions(user_id, referral.referrer_id) < current_app.config[
            "KARMA_REFERRAL_ACTIVE_AFTER"]:
        return
    claimed = db.session.execute(update(Referral).where(Referral.id == referral.id, Referral.activated_at.is_(None))
                                 .values(activated_at=utcnow())).rowcount
    if claimed and not referral.referrer.banned:
        award(referral.referrer_id, "referral", ("user", user_id))


def referrals_of(user) -> list[Referral]:
    """The members who joined through the user's link, newest first."""
    return list(db.session.scalars(select(Referral).where(Referral.referrer_id == user.id)
                                   .options(joinedload(Referral.invitee)).order_by(Referral.id.desc())))


# --- Reading ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleTotal:
    """One line of a member's breakdown: a rule, how many awards it gave, and the net points."""

    rule: str
    awards: int
    points: int


def breakdown(user) -> list[RuleTotal]:
    """The member's net points per rule, largest first."""
    rows = db.session.execute(
        select(KarmaEvent.rule, func.count(KarmaEvent.seq), func.sum(KarmaEvent.points))
        .where(KarmaEvent.user_id == user.id).group_by(KarmaEvent.rule)).all()
    return sorted((RuleTotal(*row) for row in rows), key=lambda r: (-r.points, r.rule))


def project_totals(user) -> list[tuple[Project, int]]:
    """The member's karma in each project that they may (still) see."""
    query = (select(Project, KarmaTotal.points).join(KarmaTotal, KarmaTotal.project_id == Project.id)
             .where(KarmaTotal.user_id == user.id, KarmaTotal.points != 0)
             .order_by(KarmaTotal.points.desc(), Project.title))
    return [tuple(row) for row in db.session.execute(visible(query, user))]


def history(user, page: int, per_page: int) -> Page:
    """One page of the member's events, newest first."""
    return paginate(select(KarmaEvent).where(KarmaEvent.user_id == user.id).order_by(KarmaEvent.id.desc()),
                    page, per_page)


@dataclass(frozen=True)
class Standing:
    """A row of a leaderboard."""

    rank: int
    user: User
    points: int


PROFILE_KINDS = tuple(kind.value for kind in ProfileKind)


def check_kind(kind: str | None) -> str | None:
    """A profile kind to filter by (None for all); an unknown one is refused with the choices."""
    if not kind:
        return None
    if kind not in PROFILE_KINDS:
        raise DomainError(_l("Unknown profile kind “%(kind)s”: choose amateur, student, professional or expert.",
                             kind=kind[:30]))
    return kind


def _counted_projects(viewer):
    """SQL: the ids of the projects whose karma counts in the totals the viewer sees of others: those whose every
    stage they see (as for the project's own leaderboard), so that no total reveals work done out of their sight."""
    every_stage = and_(*(sees_sql(viewer, Project, getattr(Project, f"policy_{stage}")) for stage in POLICY_STAGES))
    return visible(select(Project.id).where(every_stage), viewer)


def _sees_all_of(viewer, user_id) -> bool:
    """Whether the viewer sees a member's whole total: their own, or any for an admin."""
    return viewer.is_authenticated and (viewer.is_admin or viewer.id == user_id)


def _out_of_sight(viewer):
    """A subquery of (user_id, points): what each member earned in projects the viewer may not count."""
    return (select(KarmaTotal.user_id, func.sum(KarmaTotal.points).label("points"))
            .where(KarmaTotal.project_id.not_in(_counted_projects(viewer))).group_by(KarmaTotal.user_id))


def shown_totals(members, viewer) -> dict[int, int]:
    """Each member's platform-wide karma as the viewer may see it: all of it for themselves (and for admins); for
    others without the points earned in projects the viewer may not see whole (one grouped query for the page)."""
    totals = {member.id: member.karma for member in members}
    others = [user_id for user_id in totals if not _sees_all_of(viewer, user_id)]
    if others:
        hidden = _out_of_sight(viewer).where(KarmaTotal.user_id.in_(others))
        for user_id, points in db.session.execute(hidden):
            totals[user_id] -= points
    return totals


def leaderboard(project: Project | None, kind: str | None, page: int, per_page: int, viewer) -> Page:
    """Members by karma, platform-wide (as far as the viewer may see: see shown_totals) or in one project (the caller
    checked the viewer may see it), optionally of one profile kind; banned members are left out; equal points share
    a rank."""
    if project is None:
        query = select(User)
        if viewer.is_authenticated and viewer.is_admin:
            points = User.karma
        else:
            hidden = _out_of_sight(viewer).subquery()
            query = query.outerjoin(hidden, hidden.c.user_id == User.id)
            unseen = func.coalesce(hidden.c.points, 0)
            points = User.karma - (case((User.id == viewer.id, 0), else_=unseen) if viewer.is_authenticated
                                   else unseen)
        query = query.where(points > 0)
    else:
        points = KarmaTotal.points
        query = (select(User).join(KarmaTotal, KarmaTotal.user_id == User.id)
                 .where(KarmaTotal.project_id == project.id, KarmaTotal.points > 0))
    query = query.where(User.banned.is_(False))
    if kind:
        query = query.where(User.profile_kind == kind)
    listing = paginate(query.order_by(points.desc(), User.id), page, per_page)
    users = listing.items
    if not users:
        return listing
    scores = dict(db.session.execute(query.with_only_columns(User.id, points).where(
        User.id.in_([u.id for u in users]))).all())
    first = scores[users[0].id]
    rank = 1 + db.session.scalar(select(func.count()).select_from(query.where(points > first).subquery()))
    standings, previous = [], None
    for position, user in enumerate(users):
        score = scores[user.id]
        if previous is not None and score != previous:
            rank = (page - 1) * per_page + position + 1
        standings.append(Standing(rank, user, score))
        previous = score
    return replace(listing, items=standings)


def leaderboard_projects(viewer) -> list[Project]:
    """The projects whose leaderboard the viewer may open, by title."""
    return [project for project in db.session.scalars(visible(select(Project).order_by(Project.title), viewer)
                                                      .limit(500)) if can(viewer, "project.leaderboard", project)]
