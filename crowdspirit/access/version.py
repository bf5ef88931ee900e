"""Saying that who may see what changed: the access version (in the change's transaction) and the signal after it."""

from flask import has_request_context
from sqlalchemy import select, update

from .. import stamps
from ..database import after_commit
from ..extensions import db
from ..memo import memo
from ..requestcache import per_request
from ..signals import access_changed
from .models import AccessVersion


def changed(project_id: int | None, why: str) -> None:
    """Who may see what in this project changed (a policy, a member, an NDA, a stage): raise the access version in
    the current transaction, and once it commits tell the listeners (live rooms re-check their readers)."""
    raised = db.session.execute(update(AccessVersion).where(AccessVersion.id == 1)
                                .values(number=AccessVersion.number + 1)).rowcount
    if not raised:
        db.session.add(AccessVersion(id=1, number=1))
    stamps.forget("access-generation")
    per_request("access-changed-here", lambda: True)
    if project_id is not None:
        after_commit(lambda: access_changed.send(project_id, why=why))


def generation() -> int:
    """A number that changes, in commit order, whenever who may see what changes (read once per request)."""
    return stamps.value("access-generation") or 0


stamps.register("access-generation",
                lambda: select(AccessVersion.number).where(AccessVersion.id == 1).scalar_subquery())


def remembered(key: tuple, compute):
    """compute(), remembered across requests under key and the access version: for what follows from who may see
    what. Outside a request, and for the rest of a request that changed access, it is computed afresh (a value
    computed inside an uncommitted change must never outlive it)."""
    if not has_request_context() or per_request("access-changed-here", lambda: False):
        return compute()
    return memo("access").get((*key, generation()), compute)


def remembered_for(user, name: str, compute):
    """A condition built for this user (compute()), remembered under name, who they are and the access version."""
    who = (user.id, user.is_moderator, user.organisation_id) if user.is_authenticated else None
    return remembered((name, who), compute)
