"""Pipeline rules: proposing and editing ideas, voting, and the stage state machine."""

import csv
import io
import re
import unicodedata
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, lru_cache
from typing import NamedTuple

from flask_babel import format_datetime, get_locale, lazy_ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import Integer, bindparam, case, delete, func, literal, select, update
from sqlalchemy.orm import aliased, joinedload, load_only, selectinload

from .. import access, events, notices, stamps
from ..access import can, require, sees, visible
from ..accounts.models import Organisation, User
from ..audit import services as audit
from ..database import Page, insert_once, paginate, utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..lifecycle import Lifecycle
from ..memo import memo
from ..projects import services as projects
from ..projects.models import CROWD_DECIDERS, SPONSOR_DECIDERS, Decider, Project
from ..signals import idea_created, idea_edited, stage_changed, vote_cast, vote_withdrawn
from ..text import spreadsheet_safe
from . import rules
from .models import Idea, Stage, StageTransition, Support, Tag, Vote, idea_tags

#: a tag as stored: letters and digits of any script, and inner dashes, at most 30 (the underscore is not a letter)
TAG_PATTERN = re.compile(r"^[^\W_](?:[^\W_]|-){0,29}$")
MAX_TAGS = 8
SORTS = ("newest", "votes", "stage")
STAGE_ORDER = [Stage.IDEA, Stage.VOTE, Stage.SPEC, Stage.PARTNER_RND, Stage.ARCHIVED]


@dataclass(frozen=True)
class Transition:
    """A legal move: the stages it leaves from, the access action that decides who may, and whether the move
    page offers it (partner R&D starts only when a selected sponsor accepts the partnership)."""

    sources: frozenset
    action: str
    direct: bool = True


#: the state machine: target stage -> where it may come from and who may move it there
TRANSITIONS = {
    Stage.VOTE: Transition(frozenset({Stage.IDEA}), "idea.open_vote"),
    Stage.SPEC: Transition(frozenset({Stage.VOTE}), "idea.promote"),
    Stage.PARTNER_RND: Transition(frozenset({Stage.SPEC}), "idea.start_rnd", direct=False),
    Stage.ARCHIVED: Transition(
        frozenset({Stage.IDEA, Stage.VOTE, Stage.SPEC, Stage.PARTNER_RND}), "idea.archive"
    ),
}


def tag_slug(text: str) -> str:
    """A tag as stored and looked up: composed (NFC) and case-folded, so that "Réparabilité" is "réparabilité"."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text.strip()).casefold())


def parse_tags(text: str | None) -> list[str]:
    """Split comma-separated tags into unique case-folded names, refusing malformed ones."""
    names = list(dict.fromkeys(tag_slug(t) for t in (text or "").split(",") if t.strip()))
    if len(names) > MAX_TAGS:
        raise DomainError(_l("At most %(n)d tags.", n=MAX_TAGS))
    bad = [n for n in names if not TAG_PATTERN.match(n)]
    if bad:
        raise DomainError(
            _l("Tags use letters, digits and dashes (30 at most): %(bad)s", bad=", ".join(bad))
        )
    return names


def _tags(names: list[str]) -> list[Tag]:
    """The Tag rows for these names, created when new."""
    existing = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [existing.get(name) or Tag(name=name) for name in names]


def propose_idea(project: Project, author, title, summary, body, tags_text) -> Idea:
    """Add an idea to a project; its author becomes a contributor of the project."""
    tags = _tags(parse_tags(tags_text))
    idea = Idea(project=project, author=author, title=title.strip(), summary=summary.strip(),
                body=body, tags=tags)
    idea.history.append(StageTransition(actor=author, from_stage=None, to_stage=Stage.IDEA))
    db.session.add(idea)
    db.session.commit()
    idea_created.send(idea)
    return idea


def check_editable(idea: Idea) -> None:
    """Refuse with a reason once the idea has left the idea stage."""
    if idea.stage != Stage.IDEA:
        raise Conflict(_l("An idea can only be edited before voting opens."))


def edit_idea(idea: Idea, title, summary, body, tags_text) -> Idea:
    """Change an idea's text; only while it is still in the idea stage."""
    check_editable(idea)
    idea.tags = _tags(parse_tags(tags_text))
    idea.title, idea.summary, idea.body = title.strip(), summary.strip(), body
    db.session.commit()
    idea_edited.send(idea)
    return idea


def load_idea(idea_id: int, user, action: str = "idea.view") -> Idea:
    """The idea with this id (and its project, which decides who may see it) if the user may perform action on it
    (else 404/403/sign-in)."""
    return require(user, action, db.session.get(Idea, idea_id, options=[joinedload(Idea.project)]))


def _voted_by(user):
    """SQL: whether the user voted for the idea of the row (false for visitors)."""
    return (select(Vote.id).where(Vote.idea_id == Idea.id, Vote.user_id == user.id).exists()
            if user.is_authenticated else literal(False))


#: what separates the items of one text column: an idea's tags in the list query, the credited authors' names on its
#: page (no tag or name contains it)
SEPARATOR = "\x1f"


@cache
def _idea_page_statement():
    """load_idea_page's statement, built once: the idea "idea" (with its project, the project's R&D partner and its
    author), whether the user "voter" (None: a visitor) voted for it and supports it, the other authors of the
    duplicates merged into it and its tags."""
    voter = bindparam("voter", type_=Integer)
    voted = select(Vote.id).where(Vote.idea_id == Idea.id, Vote.user_id == voter).exists()
    supported = select(Support.id).where(Support.idea_id == Idea.id, Support.user_id == voter).exists()
    duplicate = aliased(Idea)
    credited = (select(func.aggregate_strings(User.display_name, SEPARATOR))
                .join_from(duplicate, User, User.id == duplicate.author_id)
                .where(duplicate.merged_into_id == Idea.id, duplicate.author_id != Idea.author_id).scalar_subquery())
    return select(Idea, voted, supported, credited, _tag_names()).where(Idea.id == bindparam("idea")).options(
        joinedload(Idea.project).joinedload(Project.rnd_partner).load_only(Organisation.name),
        joinedload(Idea.author).load_only(User.display_name))  # only the names shown: a whole row costs more


def _tag_names():
    """The SEPARATOR-joined names of the row's idea's tags (a scalar subquery: joined, SQLite would read every idea's
    tags)."""
    return (select(func.aggregate_strings(Tag.name, SEPARATOR)).join_from(idea_tags, Tag)
            .where(idea_tags.c.idea_id == Idea.id).scalar_subquery())


def _names(joined: str | None) -> list[str]:
    """The distinct names of a SEPARATOR-joined aggregate, sorted."""
    return sorted(set(joined.split(SEPARATOR))) if joined else []


@cache
def _history_statement():
    """The stage history of idea "idea" as rows (to_stage, created_at, actor: their name or None, reason), oldest
    first (built once)."""
    return (select(StageTransition.to_stage, StageTransition.created_at, User.display_name.label("actor"),
                   StageTransition.reason)
            .outerjoin(User, User.id == StageTransition.actor_id)
            .where(StageTransition.idea_id == bindparam("idea")).order_by(StageTransition.id))


class IdeaPage(NamedTuple):
    """What the idea page shows of the idea beyond the Idea: whether the reader voted for it and supports it, the
    other authors credited (of duplicates merged into it), its tags' names and its stage history (rows)."""

    idea: Idea
    voted: bool
    supported: bool
    credited: list[str]
    tags: list[str]
    history: list


def load_idea_page(idea_id: int, user) -> IdeaPage:
    """The idea as its page shows it, in one statement and its history in a second, if the user may see it (see
    require_idea_page)."""
    voter = user.id if user.is_authenticated else None
    row = db.session.execute(_idea_page_statement(), {"idea": idea_id, "voter": voter}).first()
    idea, voted, supported, credited, tags = row or (None, False, False, None, None)
    idea = require_idea_page(user, idea)
    return IdeaPage(idea, voted, supported, _names(credited), _names(tags),
                    db.session.execute(_history_statement(), {"idea": idea.id}).all())


def require_idea_page(user, idea: Idea | None) -> Idea:
    """The idea if the user may see its page; else the 404, or for a member who took part in it or lacks the
    project's NDA the 403 that says why (rules.out_of_sight): a link followed to the page, not any other surface."""
    try:
        return require(user, "idea.view", idea)
    except NotFound as not_found:
        explained = rules.out_of_sight(user, idea)
        if explained is None:
            raise
        raise explained from not_found


class IdeaRow(NamedTuple):
    """What a list shows of an idea: plain values (no ORM object), so that its rendered row can be remembered (a
    tuple: a page of rows is hashed and compared as keys of the remembered rows, which a dataclass does in Python)."""

    id: int
    title: str
    summary: str
    stage: str
    vote_count: int
    created_at: object
    author_id: int
    author_name: str
    project_slug: str
    project_title: str
    tags: tuple = ()


def ideas_query(user, **filters):
    """The select() of Idea objects behind the API's, the feed's and the profile's lists (see _filtered)."""
    return _filtered(select(Idea).options(
        load_only(Idea.id, Idea.project_id, Idea.author_id, Idea.title, Idea.summary, Idea.stage,
                  Idea.vote_count, Idea.created_at),
        joinedload(Idea.author).load_only(User.display_name),
        joinedload(Idea.project).load_only(Project.slug, Project.title),
        selectinload(Idea.tags),
    ), user, **filters)


def _rows_query(user, **filters):
    """The select() of what IdeaRows show (the ideas with their author and project), filtered and visible."""
    return _filtered(select(Idea.id, Idea.title, Idea.summary, Idea.stage, Idea.vote_count, Idea.created_at,
                            Idea.author_id, User.display_name, Project.slug, Project.title)
                     .join(User, User.id == Idea.author_id).join(Project, Project.id == Idea.project_id),
                     user, **filters)


def top_ideas(user, limit: int, **filters) -> list[IdeaRow]:
    """The first ideas of a list, as IdeaRows without tags or a total (the home page shows a few)."""
    return [IdeaRow(*row) for row in db.session.execute(_rows_query(user, **filters).limit(limit))]


def idea_rows(user, page: int, per_page: int, **filters) -> tuple[Page, set[int]]:
    """One page of IdeaRows for the list pages, and which of them the user voted for: one query (the ideas with
    their author, project, tags and the user's vote), no ORM objects."""
    def statements():
        return (_rows_query(user, **filters).add_columns(_tag_names(), _voted_by(user)),
                _filtered(select(Idea.id), user, **filters))

    # built once per member, filters and access version: a statement built again costs more than running it
    rows_query, counted = access.remembered_for(user, ("idea-rows", *sorted(filters.items())), statements)
    found = paginate(rows_query, page, per_page, plain=True, counted=counted,
                     total_key=_counted_under(user, "list", *sorted(filters.items())))
    rows = [IdeaRow(*row[:-2], tags=tuple(sorted(row[-2].split(SEPARATOR))) if row[-2] else ())
            for row in found.items]
    return found.replace(items=rows), {row[0] for row in found.items if row[-1]}


def _filtered(query, user, *, project_id=None, stage=None, tag=None, sort="votes", author_id=None,
              include_archived=False):
    """Every idea list's select(): filtered, sorted, restricted to what user may see."""
    if project_id is not None:
        query = query.where(Idea.project_id == project_id)
    if author_id is not None:
        query = query.where(Idea.author_id == author_id)
    if stage:
        query = query.where(Idea.stage == stage)
    elif author_id is None and not include_archived:
        query = query.where(Idea.stage != Stage.ARCHIVED)
    if tag:
        query = query.where(Idea.id.in_(
            select(idea_tags.c.idea_id).join(Tag).where(Tag.name == tag)
        ))
    order = {
        "newest": (Idea.id.desc(),),
        "votes": (Idea.vote_count.desc(), Idea.id.desc()),
        "stage": (case({s.value: i for i, s in enumerate(STAGE_ORDER)}, value=Idea.stage),
                  Idea.id.desc()),
    }[sort if sort in SORTS else "votes"]
    return visible(query.order_by(*order), user)


def ideas_csv(user, project) -> str:
    """The project's ideas that the user may see, as CSV (id, title, stage, votes, author, date, tags)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "title", "stage", "votes", "author", "created_utc", "tags"])
    for idea in db.session.scalars(ideas_query(user, project_id=project.id, sort="newest", include_archived=True)):
        writer.writerow([spreadsheet_safe(cell) for cell in (
            idea.id, idea.title, idea.stage, idea.vote_count, idea.author.display_name,
            idea.created_at.isoformat(timespec="seconds"), idea.tag_names)])
    return out.getvalue()


def _counted_under(user, *what) -> tuple:
    """A key naming everything a count of visible ideas depends on: the access version, the newest idea (read once
    per request), what the user sees, and what is counted."""
    return (access.generation(), stamps.value("newest-idea"), access.search_keys(user),
            user.is_authenticated and user.organisation_id, *what)


stamps.register("newest-idea", lambda: select(func.max(Idea.id)).scalar_subquery())


def idea_counts(user, project_ids: list[int]) -> dict[int, int]:
    """Number of visible, non-archived ideas per project, for the given projects (remembered while nothing they
    depend on changes)."""
    query = (
        select(Idea.project_id, func.count(Idea.id))
        .where(Idea.project_id.in_(project_ids), Idea.stage != Stage.ARCHIVED)
        .group_by(Idea.project_id)
    )
    return memo("idea-counts").get(_counted_under(user, "per project", *project_ids),
                                   lambda: dict(db.session.execute(visible(query, user)).all()))


def voted_idea_ids(user, idea_ids: list[int]) -> set[int]:
    """Which of these ideas the user has voted for."""
    if not user.is_authenticated or not idea_ids:
        return set()
    return set(db.session.scalars(
        select(Vote.idea_id).where(Vote.user_id == user.id, Vote.idea_id.in_(idea_ids))
    ))


def votes_of(user_id: int, viewer):
    """The ideas a member voted for, most recent vote first."""
    query = (select(Idea).join(Vote, Vote.idea_id == Idea.id).where(Vote.user_id == user_id)
             .options(joinedload(Idea.project)).order_by(Vote.id.desc()))
    return visible(query, viewer)


def _check_voting_open(idea: Idea) -> None:
    """Refuse with a reason unless the idea is in the vote stage and its window is open."""
    if idea.stage != Stage.VOTE:
        raise Conflict(_l("Voting is not open for this idea."))
    if idea.vote_closes_at is not None and idea.vote_closes_at <= utcnow():
        raise Conflict(_l("Voting on this idea has closed."))


_IDEAS = Idea.__table__


def _counting(column: str):
    """Add to one of an idea's counts in SQL (atomic under concurrent votes or supports) and read the new count back,
    unless the idea was merged into another meanwhile; a statement of the table, not of the model: the session has
    nothing to synchronise, the count returned is what the caller shows."""
    return (update(_IDEAS).where(_IDEAS.c.id == bindparam("idea"), _IDEAS.c.merged_into_id.is_(None))
            .values({column: _IDEAS.c[column] + bindparam("change")}).returning(_IDEAS.c[column]))


_COUNTS = {"vote_count": _counting("vote_count"), "support_count": _counting("support_count")}
MERGED_MEANWHILE = _l("This idea has just been merged into another: vote there.")


def _count_vote(idea: Idea, change: int, column: str = "vote_count") -> int:
    """Add change to the idea's vote (or support) count and return the new count, in the vote's transaction: the
    count's UPDATE waits for a merge of the same idea holding its row (see merging.merge), and a vote that comes after
    the merge finds the idea merged and is refused, its row rolled back with it."""
    count = db.session.execute(_COUNTS[column], {"idea": idea.id, "change": change}).scalar_one_or_none()
    if count is None:
        db.session.rollback()
        raise Conflict(MERGED_MEANWHILE)
    return count


ALREADY_VOTED = _l("You have already voted for this idea.")


def check_vote(idea: Idea, user, voted: bool) -> None:
    """Raise the reason the user may not vote for the idea now (voted: the user's vote is already counted): voting
    not open or closed, signing in or the member's standing, a vote already given."""
    _check_voting_open(idea)
    require(user, "idea.vote", idea)
    if voted:
        raise Conflict(ALREADY_VOTED)


def cast_vote(idea: Idea, user) -> int:
    """Record the user's vote and return the new count; promotes at threshold if the crowd decides."""
    _check_voting_open(idea)
    if not insert_once(Vote, idea_id=idea.id, user_id=user.id, created_at=utcnow()):
        db.session.rollback()
        raise Conflict(ALREADY_VOTED)
    count = _count_vote(idea, +1)
    project = idea.project
    promotes = project.promotion_decider in CROWD_DECIDERS and count >= project.vote_threshold
    events.emit(vote_cast, idea, user=user)
    if count == project.vote_threshold:
        tell_deciders(idea, "idea.threshold", project.promotion_decider)
    db.session.commit()
    if promotes and idea.stage == Stage.VOTE:  # read again after the commit: a simultaneous vote may have promoted it
        with suppress(Conflict):  # a simultaneous vote promoted it first; this vote is stored all the same
            _move(idea, Stage.SPEC, actor=None, reason=str(_l("Vote threshold reached.")))
    return count


def deciders(project: Project, decider: str) -> set[int]:
    """Who decides what becomes of what reached a gate's threshold under its decider: the sponsor's team, or the
    project's managers as its jury (nobody where the crowd decides alone)."""
    if decider in SPONSOR_DECIDERS:
        return projects.sponsor_team_ids(project)
    if decider == Decider.MODERATOR:
        return projects.manager_ids(project)
    return set()


def tell_deciders(subject, kind: str, decider: str) -> None:
    """Tell those who decide (in the transaction of the vote, support or backing) that the subject has just reached
    its gate's threshold."""
    people = deciders(subject.project, decider)
    if people:
        notices.tell(kind, subject, to=people, detail=decider, once=True)


ALREADY_SUPPORTED = _l("You already support this idea.")


def _check_support_open(idea: Idea) -> None:
    """Refuse with a reason unless the idea is in the idea stage (supports ask for voting to open)."""
    if idea.stage != Stage.IDEA:
        raise Conflict(_l("Supports ask for voting to open: this idea has left the idea stage."))


def check_support(idea: Idea, user, supported: bool) -> None:
    """Raise the reason the user may not support the idea now (supported: their support is already counted)."""
    _check_support_open(idea)
    require(user, "idea.support", idea)
    if supported:
        raise Conflict(ALREADY_SUPPORTED)


def support(idea: Idea, user) -> int:
    """Record the user's support for opening voting and return the new count; at the support threshold, its
    deciders are told and, where the crowd decides, voting opens."""
    _check_support_open(idea)
    if not insert_once(Support, idea_id=idea.id, user_id=user.id, created_at=utcnow()):
        db.session.rollback()
        raise Conflict(ALREADY_SUPPORTED)
    count = _count_vote(idea, +1, "support_count")
    project = idea.project
    if count == project.support_threshold:
        tell_deciders(idea, "idea.supported", project.vote_decider)
    db.session.commit()
    # read again after the commit: a simultaneous support may have opened voting already
    if project.vote_decider in CROWD_DECIDERS and count >= project.support_threshold and idea.stage == Stage.IDEA:
        with suppress(Conflict):  # a simultaneous support opened it first; this one is stored all the same
            _move(idea, Stage.VOTE, actor=None, reason=str(_l("Support threshold reached.")))
    return count


def withdraw_support(idea: Idea, user) -> int:
    """Remove the user's support while the idea is in the idea stage and return the new count."""
    _check_support_open(idea)
    removed = db.session.execute(delete(Support).where(Support.idea_id == idea.id, Support.user_id == user.id)).rowcount
    if not removed:
        db.session.rollback()
        raise Conflict(_l("You do not support this idea."))
    count = _count_vote(idea, -1, "support_count")
    db.session.commit()
    return count


def withdraw_vote(idea: Idea, user) -> int:
    """Remove the user's vote while voting is open and return the new count."""
    _check_voting_open(idea)
    removed = db.session.execute(
        delete(Vote).where(Vote.idea_id == idea.id, Vote.user_id == user.id)
    ).rowcount
    if not removed:
        db.session.rollback()
        raise Conflict(_l("You have not voted for this idea."))
    count = _count_vote(idea, -1)
    events.emit(vote_withdrawn, idea, user=user)
    db.session.commit()
    return count


def _history_row(idea: Idea, source: str, target: str, actor=None, reason: str = "", **_context) -> StageTransition:
    """The stage history row of a move."""
    return StageTransition(idea_id=idea.id, actor=actor, from_stage=source, to_stage=target, reason=reason.strip(),
                           created_at=utcnow())


#: the pipeline's lifecycle: its gates and on-enter hooks are registered by the domains that own them
STAGES = Lifecycle(Idea, "stage", _history_row, stage_changed,
                   _l("Someone else changed this idea's stage meanwhile; reload the page."))


def _supported_enough(idea: Idea, **_context) -> None:
    """Where the crowd shortlists or decides under the sponsor's veto, opening voting waits for the project's support
    threshold (under "community" the author and managers may open it before: their right to, kept)."""
    project = idea.project
    if project.vote_decider in (Decider.SHORTLIST, Decider.VETO) and idea.support_count < project.support_threshold:
        raise Conflict(lazy_ngettext("This idea needs %(num)d member's support to open voting; it has %(c)d.",
                                     "This idea needs %(num)d members' support to open voting; it has %(c)d.",
                                     project.support_threshold, c=idea.support_count))


def _threshold_reached(idea: Idea, **_context) -> None:
    """Where the crowd decides or shortlists, promotion waits for the project's vote threshold."""
    project = idea.project
    if project.promotion_decider in (*CROWD_DECIDERS, Decider.SHORTLIST) \
            and idea.vote_count < project.vote_threshold:
        raise Conflict(lazy_ngettext("This idea needs %(num)d vote to be promoted; it has %(c)d.",
                                     "This idea needs %(num)d votes to be promoted; it has %(c)d.",
                                     project.vote_threshold, c=idea.vote_count))


def _fixed_partner(idea: Idea, partner=None, **_context) -> None:
    """A project with a fixed R&D partner takes ideas into R&D with that partner only."""
    project = idea.project
    if project.rnd_partner_id is not None and partner.id != project.rnd_partner_id:
        raise Conflict(_l("This project's R&D partner is %(name)s.", name=project.rnd_partner.name))


def _reason_given(idea: Idea, reason: str = "", **_context) -> None:
    """Archiving says why."""
    if not reason.strip():
        raise Conflict(_l("Say why the idea is archived."))


STAGES.gate(Stage.VOTE, _supported_enough)
STAGES.gate(Stage.SPEC, _threshold_reached)
STAGES.gate(Stage.PARTNER_RND, _fixed_partner)
STAGES.gate(Stage.ARCHIVED, _reason_given)


def check_move(idea: Idea, target: str, actor, direct: bool = True) -> Stage:
    """The target stage if this actor may move the idea there from its current stage (directly: by the move page)."""
    try:
        move = TRANSITIONS[Stage(target)]
    except (ValueError, KeyError):
        raise Conflict(_l("An idea cannot be moved to this stage.")) from None
    if direct and not move.direct:
        raise Conflict(_l("An idea enters partner R&D when the sponsor whose offer was chosen accepts the "
                          "partnership: see the idea's R&D partners."))
    require(actor, move.action, idea)
    if idea.stage not in move.sources:
        raise Conflict(_l("An idea in stage “%(current)s” cannot move to “%(target)s”.",
                          current=stage_label(idea.stage), target=stage_label(target)))
    return Stage(target)


def check_transition(idea: Idea, target: str, actor, reason: str = "", partner=None, direct: bool = True) -> Stage:
    """The target stage if the actor may move the idea there and its gates allow it now; 403/409 with a reason if
    not."""
    stage = check_move(idea, target, actor, direct)
    STAGES.check(idea, stage, reason=reason, partner=partner)
    return stage


def transition(idea: Idea, target: str, actor, reason: str = "", partner=None, direct: bool = True) -> Idea:
    """Move an idea to target if the actor may and the gate allows; 403/409 with a reason if not.

    Objects the caller added to the session (a partnership) are committed with the move, or rolled back with it.
    """
    stage = check_transition(idea, target, actor, reason, partner, direct)
    return _move(idea, stage, actor, reason, partner)


def veto_deadline(idea: Idea):
    """Until when the sponsor may veto what the crowd decided at the gate the idea passed last (opening voting,
    promotion to specification) (None: no veto possible)."""
    if rules.decider_into(idea) != Decider.VETO:
        return None
    entry = db.session.scalar(select(StageTransition).where(
        StageTransition.idea_id == idea.id, StageTransition.to_stage == idea.stage)
        .order_by(StageTransition.id.desc()).limit(1))
    if entry is None or entry.actor_id is not None:
        return None  # moved by someone in charge, not by the crowd's supports or votes
    return entry.created_at + timedelta(days=idea.project.veto_days)


def open_until(deadline):
    """A veto deadline while it is still ahead (None once passed, or when there is none)."""
    return deadline if deadline is not None and deadline > utcnow() else None


def veto_open_until(idea: Idea):
    """The idea's veto deadline while it is still ahead (None once passed, or when no veto applies)."""
    return open_until(veto_deadline(idea))


def check_veto(deadline, reason: str, unvetoable, unexplained) -> None:
    """Refuse a veto with its reason: nothing the crowd decided to veto (deadline None), the window closed, or no
    reason given."""
    if deadline is None:
        raise Conflict(unvetoable)
    if deadline <= utcnow():
        raise Conflict(_l("The veto window closed on %(date)s.", date=format_datetime(deadline, "short")))
    if not reason.strip():
        raise Conflict(unexplained)


def remind_vetoes(now=None) -> int:
    """Tell the sponsor's team of each idea whose veto window closes within a day, once per idea (run it at least
    hourly); returns how many ideas were reminded of."""
    now = now or utcnow()
    candidates = db.session.scalars(select(Idea).join(Project, Project.id == Idea.project_id).where(
        ((Idea.stage == Stage.VOTE) & (Project.vote_decider == Decider.VETO))
        | ((Idea.stage == Stage.SPEC) & (Project.promotion_decider == Decider.VETO)))).all()
    closing = [idea for idea in candidates
               if (deadline := veto_deadline(idea)) is not None and now < deadline <= now + timedelta(days=1)]
    for idea in closing:
        notices.tell("idea.veto_closing", idea, to=projects.sponsor_team_ids(idea.project), detail=idea.stage,
                     once=True)
    db.session.commit()
    return len(closing)


def veto(idea: Idea, sponsor, reason: str) -> Idea:
    """The sponsor vetoes the crowd's promotion within the project's veto window: the idea is archived, with why."""
    require(sponsor, "idea.veto", idea)
    check_veto(veto_deadline(idea), reason,
               _l("Only an idea the crowd has just moved on (to voting or to specification) can be vetoed."),
               _l("Say why the sponsor vetoes this idea."))
    return _move(idea, Stage.ARCHIVED, sponsor, str(_l("Vetoed by the sponsor: %(reason)s", reason=reason.strip())))


def _move(idea: Idea, target: Stage, actor, reason: str, partner=None, **columns) -> Idea:
    """Write the stage change through the lifecycle (compare-and-set, history row, on-enter hooks), audited: who
    may see the idea follows its new stage; columns: others written with it (a merge's merged_into_id)."""
    now = utcnow()
    values = {"updated_at": now, **columns}
    if target == Stage.VOTE:
        values["vote_closes_at"] = now + timedelta(days=idea.project.voting_days)
    if target == Stage.PARTNER_RND:
        values.update(partner_id=partner.id, rnd_started_at=now)
    if target == Stage.ARCHIVED:
        values["archived_from"] = idea.stage
    audit.record(idea.project_id, actor, "stage.changed", f"idea #{idea.id}", f"{idea.stage} -> {Stage(target).value}")
    access.changed(idea.project_id, "stage.changed")
    return STAGES.move(idea, target, values, actor=actor, reason=reason, partner=partner)


STAGE_LABELS = {
    Stage.IDEA: _l("Idea"),
    Stage.VOTE: _l("Voting"),
    Stage.SPEC: _l("Specification"),
    Stage.PARTNER_RND: _l("Partner R&D"),
    Stage.ARCHIVED: _l("Archived"),
}


def stage_label(stage: str) -> str:
    """The translated name of a stage."""
    return str(STAGE_LABELS[Stage(stage)])


def stage_badge(stage: str) -> Markup:
    """The coloured badge naming a stage (lists show many: each is made once per language)."""
    return _badge(stage, str(get_locale()))


@lru_cache(maxsize=64)
def _badge(stage: str, language: str) -> Markup:
    """stage_badge's badge in the language of the moment (named in the key)."""
    return Markup(f'<span class="badge stage-{escape(stage)}">{escape(stage_label(stage))}</span>')


def refusal(check, *args) -> str | None:
    """The reason check(*args) gives for refusing, as the server would answer it (None: it allows)."""
    try:
        check(*args)
    except DomainError as error:
        return str(error.message)
    return None


@dataclass(frozen=True)
class Move:
    """A stage move the person may ask for on the idea page, with the reason its gates refuse it now (None: open;
    archiving asks for its reason on the next page)."""

    target: Stage
    refusal: str | None


@dataclass(frozen=True)
class Journey:
    """Where an idea stands in idea -> vote -> spec -> partner R&D, what comes next, who decides it and when, and
    what the person may do about it now (each refusal is the server's own reason)."""

    current: Stage  #: the stage marked in the stepper (an archived idea's last one)
    next: Stage | None
    #: who decides the next step: the Decider of the project's gate out of the current stage
    decider: str | None
    closes_at: object  #: the end of the voting window while in the vote stage
    vote_refusal: str | None  #: why the person may not vote now (None: the vote box works)
    moves: list[Move]
    #: a project member who will not see the idea in its next stage without accepting the project's NDA
    needs_nda: bool = False
    supported: bool = False  #: whether the person's support for opening voting is counted
    support_refusal: str | None = None  #: why the person may not support the idea now (None: the button works)

    @property
    def steps(self) -> list[Stage]:
        """The stages of the stepper, in order."""
        return JOURNEY

    @property
    def closed(self) -> bool:
        """Whether the voting window has ended."""
        return self.closes_at is not None and self.closes_at <= utcnow()


JOURNEY = [Stage.IDEA, Stage.VOTE, Stage.SPEC, Stage.PARTNER_RND]


def journey(idea: Idea, user, voted: bool, supported: bool) -> Journey:
    """The idea page's stepper and the actions at its top for this person (voted, supported: whether their vote and
    their support are counted)."""
    current = Stage(idea.governing_stage)
    following = JOURNEY[JOURNEY.index(current) + 1] if current != Stage.PARTNER_RND else None
    decider = {Stage.IDEA: idea.project.vote_decider, Stage.VOTE: idea.project.promotion_decider,
               Stage.SPEC: idea.project.partner_decider}.get(current)
    archived = idea.stage == Stage.ARCHIVED
    project = idea.project
    # members see the project's level; what a member still may not see is behind its NDA
    needs_nda = (following is not None and not archived and can(user, "nda.view", project)
                 and not sees(user, project, project.policy(following)))
    return Journey(current, None if archived else following, None if archived else decider,
                   idea.vote_closes_at if idea.stage == Stage.VOTE else None,
                   refusal(check_vote, idea, user, voted),
                   [Move(target, None if target == Stage.ARCHIVED else refusal(check_transition, idea, target, user))
                    for target in next_moves(idea, user)], needs_nda,
                   *_support_state(idea, user, supported))


def _support_state(idea: Idea, user, supported: bool) -> tuple[bool, str | None]:
    """Whether the person supports the idea and why they may not support it now (unasked past the idea stage)."""
    if idea.stage != Stage.IDEA:
        return False, None
    return supported, refusal(check_support, idea, user, supported)


def next_moves(idea: Idea, user) -> list[Stage]:
    """The stages this user may try to move the idea to now (the buttons on the idea page)."""
    return [target for target, move in TRANSITIONS.items()
            if move.direct and idea.stage in move.sources and can(user, move.action, idea)]
