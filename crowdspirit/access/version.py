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


#: what else decides who may see what, by the hour: functions naming the current time window (a domain's schedule
#: registers one, see follows_time)
_windows: list = []


def follows_time(window) -> None:
    """Register window(): something hashable that changes at each boundary of a schedule (which scheduled change is
    the latest passed), so that every cache keyed by the generation turns over at the boundary with no write."""
    if window not in _windows:
        _windows.append(window)


def number() -> int:
    """The stored access version (read once per request with the other stamps)."""
    return stamps.value("access-generation") or 0


def number_if_read() -> int | None:
    """The stored access version if this request has read it already, else None (nothing is read)."""
    read, value = stamps.known("access-generation")
    return (value or 0) if read else None


def generation() -> tuple:
    """A value that changes whenever who may see what changes: in commit order for what is stored, and at each
    boundary of a schedule for what follows the clock (read once per request)."""
    return number(), *(window() for window in _windows)


stamps.register("access-generation",
                lambda: select(AccessVersion.number).where(AccessVersion.id == 1).scalar_subquery())


def changed_here() -> bool:
    """Whether this request changed who may see what (in its transaction, committed or not)."""
    return per_request("access-changed-here", lambda: False)


def remembered(key: tuple, compute):
    """compute(), remembered across requests under key and the access version: for what follows from who may see
    what. Outside a request, and for the rest of a request that changed access, it is computed afresh (a value
    computed inside an uncommitted change must never outlive it)."""
    if not has_request_context() or changed_here():
        return compute()
    return memo("access").get((*key, generation()), compute)


def remembered_for(user, name: str, compute):
    """A condition built for this user (compute()), remembered under name, who they are and the access version."""
    who = (user.id, user.is_moderator, user.organisation_id) if user.is_authenticated else None
    return remembered((name, who), compute)
