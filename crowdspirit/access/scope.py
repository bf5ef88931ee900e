"""A user's relations to projects, read once per request, and the one definition of who sees which level.

`sees` (one object) and `sees_sql` (a query) say the same thing; `keys.audience` counts the same people the other
way round, through the relations the projects domain registers (RELATION_OF_LEVEL).
"""

from dataclasses import dataclass

from sqlalchemy import and_, false, or_, true

from ..database import among
from ..requestcache import per_request
from ..visibility import Visibility
from .registry import FACTS
from .version import remembered


@dataclass(frozen=True)
class Scope:
    """A signed-in user's relations to projects (the "scope" fact, registered by the projects domain)."""

    member_of: frozenset = frozenset()
    managing: frozenset = frozenset()
    #: projects whose confidential stages the user may see: owned, or current NDA accepted (or none)
    cleared: frozenset = frozenset()


#: the relation to a project that lets a user see each restricted level (besides admins and the sponsor's team;
#: platform moderators also see the project level)
RELATION_OF_LEVEL = {Visibility.PROJECT: "member_of", Visibility.CONFIDENTIAL: "cleared"}


class OrganisationActor:
    """Who an organisation's token reads as: the organisation's team, without its creator's personal memberships,
    NDA signatures or platform roles (the token outlives what its creator personally may see)."""

    is_authenticated, is_active, is_anonymous = True, True, False
    is_admin = is_moderator = banned = False

    def __init__(self, creator):
        self.id, self.organisation_id = creator.id, creator.organisation_id
        self.display_name, self.is_suspended = creator.display_name, creator.is_suspended

    @property
    def is_sponsor(self) -> bool:
        return True

    def get_id(self) -> str:
        return f"organisation:{self.organisation_id}"


def _facts() -> dict:
    """This request's computed facts: (name, user key) -> value."""
    return per_request("access-facts", dict)


def fact(name: str, user, default=frozenset()):
    """A fact a domain registered about the user, computed at most once per request (default for visitors)."""
    loader = FACTS.get(name)
    if loader is None or not user.is_authenticated:
        return default
    facts, key = _facts(), (name, user.get_id())
    if key not in facts:
        who = (user.organisation_id, user.is_admin, user.is_moderator)  # what the user row itself says
        facts[key] = remembered(("fact", *key, *who), lambda: loader(user))
    return facts[key]


def forget_facts(user) -> None:
    """Read the user's facts again on next use (after a membership, NDA or workspace change in this request)."""
    facts, who = _facts(), user.get_id()
    for key in [key for key in facts if key[1] == who]:
        del facts[key]


def scope(user) -> Scope:
    """The user's project relations for this request (empty for visitors and organisation actors)."""
    return fact("scope", user, Scope())


def sponsor_team(user, project) -> bool:
    """A member of the organisation that sponsors the project (viewers too: what the team reads, they read)."""
    return project.organisation_id is not None and user.organisation_id == project.organisation_id


#: the organisation role (users.organisation_role) that reads what the team reads but never acts for it
VIEWER_ROLE = "viewer"


def acts_for(user, organisation_id: int | None) -> bool:
    """A member of this organisation's team who may act for it: creating, deciding, paying, answering, inviting
    (its viewers only read)."""
    return (organisation_id is not None and user.organisation_id == organisation_id
            and getattr(user, "organisation_role", None) != VIEWER_ROLE)


def acting_team(user, project) -> bool:
    """A member of the sponsor's team who may act for it (see acts_for)."""
    return acts_for(user, project.organisation_id)


def acting_sponsor(user, obj) -> bool:
    """A member who may act for their organisation (see acts_for), whatever the object."""
    return acts_for(user, user.organisation_id)


class AsTeamMember:
    """A team's viewer seen as an ordinary member of the team: what they could do but for their role."""

    organisation_role = "member"

    def __init__(self, user):
        self._user = user

    def __getattr__(self, name):
        return getattr(self._user, name)


def viewer_only(user, allowed, obj) -> bool:
    """Whether a rule refuses the user only because they are their organisation's viewer."""
    return getattr(user, "organisation_role", None) == VIEWER_ROLE and user.organisation_id is not None and bool(
        allowed(AsTeamMember(user), obj))


def sees(user, project, level: str) -> bool:
    """May the user see what the project holds at this visibility level?"""
    if level == Visibility.PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if user.is_admin or level == Visibility.COMMUNITY or sponsor_team(user, project):
        return True
    if level == Visibility.PROJECT and user.is_moderator:
        return True
    return project.id in getattr(scope(user), RELATION_OF_LEVEL.get(level, "cleared"))


def sees_sql(user, project, level):
    """`sees` as a SQL condition on a project table (or alias) and a level expression."""
    allowed = [level == Visibility.PUBLIC]
    if user.is_authenticated:
        relations = scope(user)
        team = project.organisation_id == user.organisation_id if user.organisation_id else false()
        members = true() if user.is_moderator else among(project.id, relations.member_of)
        allowed += [
            level == Visibility.COMMUNITY,
            and_(level == Visibility.PROJECT, or_(members, team)),
            and_(level == Visibility.CONFIDENTIAL, or_(among(project.id, relations.cleared), team)),
        ]
    return or_(*allowed)


def way_in(user, project) -> str | None:
    """What a signed-in member kept out of a project's restricted content can do about it: "join" the project, accept
    its current "nda" (a member who has not), or None (nothing they can do: a stage for the sponsor's team)."""
    relations = scope(user)
    if project.id not in relations.member_of:
        return "join"
    return "nda" if project.id not in relations.cleared else None


# Predicates every domain uses: (user, obj) -> bool. The user is signed in when they are called, except for view rules.
def anyone(user, obj) -> bool:
    return True


def signed_in(user, obj) -> bool:
    return True


def author(user, obj) -> bool:
    """The object's author (ideas, posts, amendments, entries all name theirs)."""
    return obj.author_id == user.id
