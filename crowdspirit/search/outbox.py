"""Every change to searchable content leaves a row in the outbox, inside the change's own transaction.

A session hook looks at what a flush writes, so no service has to remember to tell search; a
rolled-back change takes its outbox row with it, and the indexer only ever reads committed rows.
"""

import threading

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from .models import SearchOutbox
from .registry import WATCHES

#: set after a commit that queued work, so that an indexer thread in this process wakes at once
work_queued = threading.Event()


def _changed(obj, attributes) -> bool:
    """Whether the flush changes any of these attributes of obj."""
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in attributes)


def _entries(session: Session):
    """(kind, object, attribute holding the id) for what this flush makes stale, as the domains' watches say (the
    first of a model's watches that applies); ids are read after the flush."""
    changes = ((session.new, lambda watch, obj: watch.new),
               (session.dirty, lambda watch, obj: _changed(obj, watch.attributes)),
               (session.deleted, lambda watch, obj: watch.deleted))
    for objects, applies in changes:
        for obj in objects:
            watch = next((watch for watch in WATCHES.get(type(obj), ()) if applies(watch, obj)), None)
            if watch is not None:
                yield watch.kind, obj, watch.id_attribute


@event.listens_for(Session, "before_flush")
def _queue_changes(session, flush_context, instances):
    """Queue the objects this flush changes; new objects get their id after the flush, so keep them."""
    session.info.setdefault("search_pending", []).extend(_entries(session))


#: the outbox's rows, written as they are (as ORM objects they took a second flush of their own at the commit)
_OUTBOX_INSERT = insert(SearchOutbox.__table__)


@event.listens_for(Session, "after_flush_postexec")
def _write_outbox(session, flush_context):
    """Write the queued rows (ids known now) in the same transaction."""
    pending = session.info.pop("search_pending", None)
    if not pending:
        return
    rows = {(kind, getattr(obj, attribute)) for kind, obj, attribute in pending}
    session.execute(_OUTBOX_INSERT, [{"kind": kind, "object_id": object_id} for kind, object_id in sorted(rows)])
    session.info["search_queued"] = True


@event.listens_for(Session, "after_commit")
def _wake_indexer(session):
    """Wake this process's indexer thread after a commit that queued work."""
    if session.info.pop("search_queued", False):
        work_queued.set()


@event.listens_for(Session, "after_rollback")
def _forget(session):
    """Drop what a rolled-back flush queued."""
    session.info.pop("search_pending", None)
    session.info.pop("search_queued", None)
