"""Where an object's visibility is decided (its protection parents up to the project and stage whose policy
governs it), the search keys a user holds, and how many people see a level."""

from sqlalchemy import func, select, union

from ..extensions import db
from ..requestcache import per_request
from ..visibility import WORKSPACE, Visibility
from .registry import KEY_SOURCES, PEOPLE
from .scope import RELATION_OF_LEVEL
from .version import remembered


def _anchor(obj):
    """The object that names the policy protecting obj: obj itself, or the first of its protection parents that
    does (a post -> its thread -> the thread's idea), the way Indico's protection_parent chains work."""
    while not hasattr(obj, "access_policy"):
        obj = obj.protection_parent
    return obj


def governed_by(obj) -> tuple:
    """(project or None, stage) whose policy protects the object: an idea follows its governing stage; a thread its
    idea, its project's open idea stage or its R&D workspace (stage WORKSPACE); a project stands for all its stages
    (stage ANY_STAGE); community threads are governed by no project (public)."""
    return _anchor(obj).access_policy


def level_of(obj) -> str:
    """The visibility level that protects an object; a project's summary is as visible as its most open stage."""
    project, stage = governed_by(obj)
    if stage == WORKSPACE:
        return WORKSPACE
    return Visibility.PUBLIC if project is None else project.policy(stage)


def access_key(obj) -> str:
    """The key a search document carries: where its visibility is decided (project and stage, or workspace), not
    the level itself, so that a policy change takes effect in search at once, without reindexing."""
    anchor = _anchor(obj)
    project, stage = anchor.access_policy
    if stage == WORKSPACE:
        return f"{WORKSPACE}:{anchor.partnership_id}"
    return Visibility.PUBLIC.value if project is None else f"{project.id}:{stage}"


def search_keys(user) -> frozenset | None:
    """The access keys of everything the user may see, from the current policies (None: everything, for admins)."""
    if user.is_authenticated and user.is_admin:
        return None

    def compute() -> frozenset:
        keys = {Visibility.PUBLIC.value}
        for source in KEY_SOURCES.values():
            keys.update(source(user))
        return frozenset(keys)

    who = (user.organisation_id, user.is_moderator) if user.is_authenticated else ()
    return per_request(f"search-keys:{user.get_id()}",
                       lambda: remembered(("search-keys", user.get_id(), *who), compute))


def audience(project, level: str) -> int | None:
    """How many people may see what the project holds at this level (None when it is everyone or every member):
    those holding the level's relation to the project, and the sponsor's team."""
    if level not in RELATION_OF_LEVEL:
        return None
    def count() -> int:
        people = union(PEOPLE[RELATION_OF_LEVEL[level]](project), PEOPLE["team"](project))
        return db.session.scalar(select(func.count()).select_from(people.subquery()))

    return remembered(("audience", project.id, project.organisation_id, level), count)
