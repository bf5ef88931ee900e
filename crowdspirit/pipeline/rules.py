"""The pipeline's part of the access policy: an idea follows the policy of its governing stage; who proposes,
edits, opens voting, promotes, vetoes and archives."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased

from .. import access
from ..access import Rule, author, sees, sees_sql, signed_in, sponsor_team
from ..extensions import db
from ..projects.models import POLICY_STAGES, Project, PromotionDecider, VoteOpener
from ..projects.rules import manager, project_of
from ..visibility import Visibility
from .models import Idea


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


def idea_level(project, idea=Idea):
    """SQL: the policy level that governs an idea (its stage's, or for archived ideas the last one's)."""
    governing = func.coalesce(idea.archived_from, idea.stage)
    return case({stage: getattr(project, f"policy_{stage}") for stage in POLICY_STAGES}, value=governing,
                else_=Visibility.CONFIDENTIAL.value)


def visible_ideas(query, user):
    """SQL mirroring idea_visible: the policy of each idea's governing stage, or its R&D partner's team."""
    policy_project = aliased(Project)
    allowed = sees_sql(user, policy_project, idea_level(policy_project))
    if user.is_authenticated and user.organisation_id:
        allowed = or_(allowed, Idea.partner_id == user.organisation_id)
    return query.join(policy_project, policy_project.id == Idea.project_id).where(allowed)


def partnered_projects(user) -> frozenset:
    """The projects where the user's organisation partners an idea in R&D (the "partnered" fact)."""
    if not user.organisation_id:
        return frozenset()
    return frozenset(db.session.scalars(
        select(Idea.project_id).where(Idea.partner_id == user.organisation_id).distinct()))


def can_propose(user, project) -> bool:
    """Proposing needs to see the project's idea stage."""
    return sees(user, project, project.policy("idea"))


def vote_opener(user, idea) -> bool:
    """The project decides whether the author may open voting, or its managers only."""
    if project_of(idea).vote_opener == VoteOpener.AUTHOR and author(user, idea):
        return True
    return manager(user, idea)


def promoter(user, idea) -> bool:
    """Who decides promotion to spec follows the project's setting."""
    decider = project_of(idea).promotion_decider
    if decider in (PromotionDecider.SPONSOR, PromotionDecider.SHORTLIST):
        return sponsor_team(user, project_of(idea))
    if decider == PromotionDecider.MODERATOR:
        return manager(user, idea)
    return manager(user, idea) or author(user, idea)  # the crowd decides: anyone in charge, at threshold


def vetoer(user, idea) -> bool:
    """Under the veto model, the sponsor's team may veto what the crowd promoted."""
    return project_of(idea).promotion_decider == PromotionDecider.VETO and sponsor_team(user, project_of(idea))


RULES = {
    "idea.view": Rule(idea_visible, needs_account=False),
    "idea.propose": Rule(can_propose, _l("You may not propose ideas in this project.")),
    "idea.edit": Rule(author, _l("Only the author can edit this idea.")),
    "idea.vote": Rule(signed_in),
    "idea.open_vote": Rule(vote_opener, _l("Only the author or the project's managers can open voting on this idea.")),
    "idea.promote": Rule(promoter, _l(
        "In this project, promotion to specification is decided by someone else (see the project's rules).")),
    "idea.veto": Rule(vetoer, _l("Only the sponsor may veto, and only in projects where the crowd decides under "
                                 "the sponsor's veto.")),
    "idea.archive": Rule(manager, _l("Only the project's managers can archive an idea.")),
}


def register() -> None:
    """Register the pipeline's rules, the ideas' SQL filter and the "partnered" fact with the access core."""
    access.register(rules=RULES, views={Idea: "idea.view"}, filters={Idea: visible_ideas},
                    facts={"partnered": partnered_projects})
