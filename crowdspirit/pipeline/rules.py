"""The pipeline's part of the access policy: an idea follows the policy of its governing stage; who proposes,
edits, supports, opens voting, promotes, vetoes and archives (each gate's decider is the project's setting)."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, false, func, not_, or_, select

from .. import access
from ..access import Rule, acting_team, author, can, sees, signed_in
from ..database import among
from ..errors import Forbidden
from ..extensions import db
from ..projects.models import Decider, Project
from ..projects.rules import manager, project_of
from ..visibility import ANY_STAGE
from .models import Idea, Stage, Vote


def idea_of(obj) -> Idea:
    """The idea protecting an object: the object itself, or the first idea among its protection parents."""
    while not isinstance(obj, Idea):
        obj = obj.protection_parent
    return obj


def idea_visible(user, obj) -> bool:
    """An idea (and its spec, history, attachments) follows the policy of its governing stage; its R&D partner's
    team always sees it."""
    idea = idea_of(obj)
    if user.is_authenticated and idea.partner_id is not None and user.organisation_id == idea.partner_id:
        return True
    return sees(user, idea.project, access.level_of(idea))


def projects_by_stage(user) -> dict[str, list[int]]:
    """For each governing stage, the projects whose ideas in that stage the user sees: read from the search keys
    ("12:spec"), the one place that turns the current policies into what a user sees."""
    by_stage: dict[str, list[int]] = {}
    for key in access.search_keys(user):
        project_id, _colon, stage = key.partition(":")
        if project_id.isdigit() and stage != ANY_STAGE:
            by_stage.setdefault(stage, []).append(int(project_id))
    return by_stage


def visible_ideas(query, user):
    """SQL mirroring idea_visible: ideas whose project and governing stage the user sees (a condition on the ideas'
    own columns, no join), and those partnered by the user's organisation. Users who see the same share the one
    condition, built once per access version."""
    keys, partner = access.search_keys(user), user.organisation_id if user.is_authenticated else None
    return query.where(access.remembered(("idea-condition", keys, partner), lambda: _ideas_condition(user, partner)))


def _ideas_condition(user, partner):
    """The condition of visible_ideas, per governing stage: every project's ideas, those of the projects seen, or
    those of all projects but the hidden ones, whichever list is shorter."""
    governing = func.coalesce(Idea.archived_from, Idea.stage)
    project = Idea.project_id + 0  # a value, not the column: SQLite keeps walking the list's order index
    every = set(db.session.scalars(select(Project.id)))
    allowed = []
    for stage, seen in sorted(projects_by_stage(user).items()):
        hidden = every - set(seen)
        if not hidden:
            allowed.append(governing == stage)
        else:
            allowed.append(and_(governing == stage, not_(among(project, hidden)) if len(hidden) < len(seen)
                                else among(project, seen)))
    if partner:
        allowed.append(Idea.partner_id == partner)
    return or_(*allowed) if allowed else false()


def partnered_projects(user) -> frozenset:
    """The projects where the user's organisation partners an idea in R&D (the "partnered" fact)."""
    if not user.organisation_id:
        return frozenset()
    return frozenset(db.session.scalars(
        select(Idea.project_id).where(Idea.partner_id == user.organisation_id).distinct()))


def can_propose(user, project) -> bool:
    """Proposing needs to see the project's idea stage."""
    return sees(user, project, project.policy("idea"))


def gate_decider(user, idea, decider: str, managers=manager) -> bool:
    """Who decides at a gate under its decider: the sponsor's acting team (sponsor, shortlist), the project's
    managers as a jury (moderator), else (the crowd decides at its threshold) the idea's author or its managers,
    who may act for it."""
    if decider in (Decider.SPONSOR, Decider.SHORTLIST):
        return acting_team(user, project_of(idea))
    if decider == Decider.MODERATOR:
        return managers(user, idea)
    return managers(user, idea) or author(user, idea)


def vote_opener(user, idea) -> bool:
    """Who opens voting follows the project's gate 1 decider."""
    return gate_decider(user, idea, project_of(idea).vote_decider)


def promoter(user, idea) -> bool:
    """Who decides promotion to spec follows the project's gate 2 decider."""
    return gate_decider(user, idea, project_of(idea).promotion_decider)


#: the gate an idea passes to enter a stage: the project's column naming its decider
GATE_INTO = {Stage.VOTE: "vote_decider", Stage.SPEC: "promotion_decider"}


def decider_into(idea) -> str | None:
    """The decider of the gate the idea passed to enter its current stage (None: no such gate)."""
    column = GATE_INTO.get(idea.stage)
    return getattr(project_of(idea), column) if column else None


def vetoer(user, idea) -> bool:
    """Where the crowd decides under the sponsor's veto, the sponsor's team may veto what the crowd decided."""
    return decider_into(idea) == Decider.VETO and acting_team(user, project_of(idea))


#: other ways a member takes part in an idea, registered by the domains that hold them (the forum: a post in its
#: discussion): (user, idea) -> bool
PARTICIPATION: list = []


def took_part(user, obj) -> bool:
    """The member proposed the idea, voted for it, or took part in it another registered way: they may be told what
    became of it once they may no longer see it."""
    idea = idea_of(obj)
    return (idea.author_id == user.id
            or db.session.scalar(select(exists().where(Vote.idea_id == idea.id, Vote.user_id == user.id)))
            or any(took_part_in(user, idea) for took_part_in in PARTICIPATION))


def out_of_sight(user, idea) -> Forbidden | None:
    """For a member who may not see an idea (any more): the 403 that tells a project member without the current NDA
    to accept it, or one who took part in the idea that it moved on where they may not follow (with the way in, if
    any); None for everyone else, who gets the usual 404. Nothing newer than what they knew is said."""
    if not user.is_authenticated or idea is None:
        return None
    way = access.way_in(user, idea.project)
    if way == "nda":
        return Forbidden(_l("This page is covered by the project's NDA: read and accept it to see it."),
                         (url_for("nda.show", slug=idea.project.slug), _l("Read and accept the NDA")))
    if not can(user, "idea.recall", idea):
        return None
    return Forbidden(_l("“%(title)s” has moved on to a stage of “%(project)s” that you may not see.",
                        title=idea.title, project=idea.project.title),
                     (url_for("members.join", slug=idea.project.slug), _l("Ask to join the project"))
                     if way == "join" else None)


RULES = {
    "idea.view": Rule(idea_visible, needs_account=False),
    "idea.recall": Rule(took_part, reads=True),
    "idea.propose": Rule(can_propose, _l("You may not propose ideas in this project."), takes_part=True),
    "idea.edit": Rule(author, _l("Only the author can edit this idea.")),
    "idea.vote": Rule(signed_in, takes_part=True),
    "idea.support": Rule(signed_in, takes_part=True),
    "idea.open_vote": Rule(vote_opener, _l(
        "In this project, opening voting is decided by someone else (see the project's rules).")),
    "idea.promote": Rule(promoter, _l(
        "In this project, promotion to specification is decided by someone else (see the project's rules).")),
    "idea.veto": Rule(vetoer, _l("Only the sponsor may veto, and only what the crowd decided where it decides under "
                                 "the sponsor's veto.")),
    "idea.archive": Rule(manager, _l("Only the project's managers can archive an idea.")),
    "idea.merge": Rule(manager, _l("Only the project's managers can merge an idea into another.")),
}


def register() -> None:
    """Register the pipeline's rules, the ideas' SQL filter and the "partnered" fact with the access core."""
    access.register(rules=RULES, views={Idea: "idea.view"}, filters={Idea: visible_ideas},
                    facts={"partnered": partnered_projects})
