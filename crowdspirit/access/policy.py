"""Who may do which action on which object, written once as data plus small predicates.

The platform core leaves every object readable by everyone; the confidential-phase issue changes
only this module (view rules and `visible`), never the views or services that call it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..errors import DomainError, Forbidden, NotFound
from ..projects.models import MemberRole, Project, PromotionDecider, VoteOpener


class SignInRequired(DomainError):
    """The action needs a signed-in user; the error handler sends the visitor to sign in."""

    status = 401


def _project(obj) -> Project:
    """The project an object belongs to (projects are their own project)."""
    return obj if isinstance(obj, Project) else obj.project


def project_role(user, project: Project) -> str | None:
    """The user's role in the project, or None for non-members and visitors."""
    if not user.is_authenticated:
        return None
    for membership in project.memberships:
        if membership.user_id == user.id:
            return membership.role
    return None


# Predicates: (user, obj) -> bool. The user is signed in when they are called, except `anyone`.
def anyone(user, obj) -> bool:
    return True


def signed_in(user, obj) -> bool:
    return True


def manager(user, obj) -> bool:
    """Project owner, project moderator or platform moderator."""
    return user.is_moderator or project_role(user, _project(obj)) in (
        MemberRole.OWNER,
        MemberRole.MODERATOR,
    )


def owner(user, obj) -> bool:
    return _project(obj).owner_id == user.id


def member(user, obj) -> bool:
    """Any project member, the sponsor's team, or a manager."""
    return project_role(user, _project(obj)) is not None or sponsor(user, obj) or manager(user, obj)


def sponsor(user, obj) -> bool:
    """A member of the organisation that sponsors the project."""
    org = _project(obj).organisation_id
    return org is not None and user.organisation_id == org


def author(user, obj) -> bool:
    return obj.author_id == user.id


def spec_editor(user, obj) -> bool:
    """Project members, the idea's author and the sponsor's team edit a specification."""
    return author(user, obj) or member(user, obj)


def vote_opener(user, idea) -> bool:
    """The project decides whether the author may open voting, or its managers only."""
    if _project(idea).vote_opener == VoteOpener.AUTHOR and author(user, idea):
        return True
    return manager(user, idea)


def promoter(user, idea) -> bool:
    """Who decides promotion to spec follows the project's setting."""
    decider = _project(idea).promotion_decider
    if decider == PromotionDecider.SPONSOR:
        return sponsor(user, idea)
    if decider == PromotionDecider.MODERATOR:
        return manager(user, idea)
    return manager(user, idea) or author(user, idea)  # community: anyone in charge, at threshold


def rnd_taker(user, idea) -> bool:
    """The project's R&D partner takes ideas into R&D; without one, the owner picks a partner."""
    partner = _project(idea).rnd_partner_id
    if partner is not None:
        return user.organisation_id == partner
    return owner(user, idea)


@dataclass(frozen=True)
class Rule:
    """Who may perform an action, and what a refused user is told."""

    allowed: Callable
    refusal: object = None
    needs_account: bool = True


RULES: dict[str, Rule] = {
    "project.view": Rule(anyone, needs_account=False),
    "project.edit": Rule(owner, _l("Only the project owner can change its settings.")),
    "project.join": Rule(signed_in),
    "idea.view": Rule(anyone, needs_account=False),
    "idea.propose": Rule(signed_in),
    "idea.edit": Rule(author, _l("Only the author can edit this idea.")),
    "idea.vote": Rule(signed_in),
    "idea.open_vote": Rule(vote_opener, _l("Only the author or the project's managers can open voting on this idea.")),
    "idea.promote": Rule(promoter, _l(
        "In this project, promotion to specification is decided by someone else (see the project's rules).")),
    "idea.start_rnd": Rule(rnd_taker, _l("Only the project's R&D partner can take this idea into partner R&D.")),
    "idea.archive": Rule(manager, _l("Only the project's managers can archive an idea.")),
    "spec.view": Rule(anyone, needs_account=False),
    "spec.edit": Rule(spec_editor, _l(
        "Only the project's members can edit this specification; join the project first.")),
}

#: which view action guards the existence of an object of each kind
VIEW_ACTION = {"Project": "project.view", "Idea": "idea.view", "SpecRevision": "spec.view"}


def can(user, action: str, obj) -> bool:
    """May this user perform this action on this object? Admins may do everything."""
    rule = RULES[action]
    if not user.is_authenticated:
        return not rule.needs_account and rule.allowed(user, obj)
    return user.is_admin or rule.allowed(user, obj)


def require(user, action: str, obj):
    """Return obj if allowed; else 404 for who may not know it exists, sign-in or 403 otherwise."""
    view_action = VIEW_ACTION.get(type(obj).__name__)
    if obj is None or (view_action and not can(user, view_action, obj)):
        raise NotFound(_l("This page does not exist, or you may not see it."))
    if can(user, action, obj):
        return obj
    if not user.is_authenticated:
        raise SignInRequired(_l("Please sign in to do this."))
    raise Forbidden(RULES[action].refusal or _l("You may not do this."))


def visible(query, user):
    """Restrict a query over projects or ideas to the rows the user may see.

    Every list, count, feed and export passes its query through here. In the platform core every
    project and idea is public, so no row is filtered yet.
    """
    return query
