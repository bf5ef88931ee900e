"""A member's personal home: what is new for them, the votes closing soon where they take part, and the first steps
of a newcomer. Every row passes the access policy's SQL filters, so nothing the member may no longer see appears."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Integer, bindparam, exists, literal, null, or_, select, union_all
from sqlalchemy.orm import joinedload

from ..access import remembered_for, scope, visible
from ..accounts.models import Organisation, User
from ..clock import now
from ..contests.models import Contest, Entry
from ..extensions import db
from ..forum.models import Thread
from ..notifications.models import Notification, ThreadFollow
from ..pipeline.models import Idea, Stage, StageTransition, Vote
from ..projects.models import ProjectMembership
from ..rnd.models import Interest

PER_PAGE = 15
#: how far ahead a closing vote counts as "soon", and how many of them the home lists
CLOSING_WITHIN = timedelta(days=7)
CLOSING_LIMIT = 5


@dataclass(frozen=True)
class NewsItem:
    """One line of the feed: what happened (kind), when, to what (target, and anchor inside it), with its title and
    a detail (who replied, the new stage, the offering organisation, the contest's phase)."""

    kind: str
    at: datetime
    target: int
    anchor: int | None
    title: str
    detail: str | None


@dataclass(frozen=True)
class News:
    """A page of the feed and whether an older page follows."""

    items: list
    page: int
    more: bool


def _row(kind, at, target, anchor, title, detail):
    """A select() of one kind of news, its columns named and ordered alike for the union."""
    return select(kind.label("kind"), at.label("at"), target.label("target"), anchor.label("anchor"),
                  title.label("title"), detail.label("detail"))


def _replies_and_mentions(user):
    """Replies to the member and mentions of them, in threads they may still read."""
    return (_row(Notification.kind, Notification.created_at, Notification.thread_id, Notification.post_id,
                 Thread.title, User.display_name)
            .join(Thread, Thread.id == Notification.thread_id).outerjoin(User, User.id == Notification.actor_id)
            .where(Notification.id.in_(visible(select(Notification.id).where(
                Notification.user_id == user.id, Notification.kind.in_(("reply", "mention"))), user))))


def _my_ideas(user):
    """The ideas the member authored or voted for, among those they may still see."""
    voted = select(Vote.idea_id).where(Vote.user_id == user.id)
    return visible(select(Idea.id).where(or_(Idea.author_id == user.id, Idea.id.in_(voted))), user)


def _stage_moves(user):
    """Moves of the member's ideas (authored or voted for) made by someone else or by the community's votes."""
    return (_row(literal("stage"), StageTransition.created_at, StageTransition.idea_id, null(), Idea.title,
                 StageTransition.to_stage)
            .join(Idea, Idea.id == StageTransition.idea_id)
            .where(StageTransition.idea_id.in_(_my_ideas(user)), StageTransition.from_stage.is_not(None),
                   or_(StageTransition.actor_id.is_(None), StageTransition.actor_id != user.id)))


def _offers(user):
    """Sponsors' offers of partnership on the member's own ideas (which they may still see)."""
    return (_row(literal("offer"), Interest.created_at, Interest.idea_id, Interest.id, Idea.title, Organisation.name)
            .join(Idea, Idea.id == Interest.idea_id).join(Organisation, Organisation.id == Interest.organisation_id)
            .where(Idea.id.in_(visible(select(Idea.id).where(Idea.author_id == user.id), user))))


def _contests(user):
    """The contests the member entered (and may still see), at their latest phase change."""
    return (_row(literal("contest"), Contest.phase_started_at, Entry.contest_id, Entry.id, Contest.title,
                 Contest.phase)
            .join(Contest, Contest.id == Entry.contest_id)
            .where(Contest.phase_started_at.is_not(None), Entry.id.in_(visible(select(Entry.id).where(
                Entry.author_id == user.id, Entry.withdrawn_at.is_(None)), user))))


def _feed_statement(user):
    """The member's feed, newest first, a page of it from the bound offset "skip"."""
    feed = union_all(_replies_and_mentions(user), _stage_moves(user), _offers(user), _contests(user)).subquery()
    return (select(feed).order_by(feed.c.at.desc(), feed.c.kind, feed.c.target.desc())
            .offset(bindparam("skip")).limit(PER_PAGE + 1))


def news(user, page: int) -> News:
    """One page of what is new for the member, newest first: one statement whatever the page holds, built once per
    member and access version."""
    statement = remembered_for(user, "home-feed", lambda: _feed_statement(user))
    rows = db.session.execute(statement, {"skip": (page - 1) * PER_PAGE}).all()
    return News([NewsItem(*row) for row in rows[:PER_PAGE]], page, len(rows) > PER_PAGE)


def _followed_projects(user):
    """The projects whose own thread the member follows."""
    return (select(Thread.project_id).join(ThreadFollow, ThreadFollow.thread_id == Thread.id)
            .where(ThreadFollow.user_id == user.id, Thread.project_id.is_not(None)))


def closing_votes(user) -> list[Idea]:
    """Ideas whose vote closes within a week, in the projects the member belongs to or follows, soonest first."""
    moment = now()
    statement = remembered_for(user, "home-closing", lambda: _closing_statement(user))
    return db.session.scalars(statement, {"moment": moment, "horizon": moment + CLOSING_WITHIN}).all()


def _closing_statement(user):
    """closing_votes as one statement for this member, between the bound times "moment" and "horizon"."""
    return (visible(select(Idea).options(joinedload(Idea.project)), user).where(
        Idea.stage == Stage.VOTE, Idea.vote_closes_at > bindparam("moment"),
        Idea.vote_closes_at <= bindparam("horizon"),
        or_(Idea.project_id.in_(sorted(scope(user).member_of)), Idea.project_id.in_(_followed_projects(user))))
        .order_by(Idea.vote_closes_at, Idea.id).limit(CLOSING_LIMIT))


@dataclass(frozen=True)
class Step:
    """One step of the newcomer's checklist: its name (the template words it and links where to do it) and whether
    the stored facts show it done."""

    name: str
    done: bool


@cache
def _checklist_statement():
    """checklist's facts about the member "member" as one statement, built once: whether they belong to or follow a
    project, voted, proposed an idea."""
    member = bindparam("member", type_=Integer)
    takes_part = or_(exists().where(ProjectMembership.user_id == member),
                     exists().where(ThreadFollow.user_id == member))
    return select(takes_part, exists().where(Vote.user_id == member), exists().where(Idea.author_id == member))


def checklist(user) -> list[Step] | None:
    """The newcomer's first steps computed from stored facts, or None once every one is done."""
    facts = db.session.execute(_checklist_statement(), {"member": user.id}).one()
    steps = [Step("profile", bool(user.bio.strip() and user.skills.strip())), Step("project", bool(facts[0])),
             Step("vote", bool(facts[1])), Step("idea", bool(facts[2]))]
    return None if all(step.done for step in steps) else steps
