"""Saying that who may see what changed: the access version (in the change's transaction) and the signal after it."""

from sqlalchemy import select, update

from ..database import after_commit
from ..extensions import db
from ..signals import access_changed
from .models import AccessVersion


def changed(project_id: int | None, why: str) -> None:
    """Who may see what in this project changed (a policy, a member, an NDA, a stage): raise the access version in
    the current transaction, and once it commits tell the listeners (live rooms re-check their readers)."""
    raised = db.session.execute(update(AccessVersion).where(AccessVersion.id == 1)
                                .values(number=AccessVersion.number + 1)).rowcount
    if not raised:
        db.session.add(AccessVersion(id=1, number=1))
    if project_id is not None:
        after_commit(lambda: access_changed.send(project_id, why=why))


def generation() -> int:
    """A number that changes, in commit order, whenever who may see what changes."""
    return db.session.scalar(select(AccessVersion.number).where(AccessVersion.id == 1)) or 0
