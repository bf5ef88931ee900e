"""Every change to searchable content leaves a row in the outbox, inside the change's own transaction.

A session hook looks at what a flush writes, so no service has to remember to tell search; a
rolled-back change takes its outbox row with it, and the indexer only ever reads committed rows.
"""

import threading

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..forum.models import Post, Thread
from ..pipeline.models import Idea, StageTransition
from ..projects.models import Project
from ..specs.models import SpecRevision
from .models import SearchOutbox

#: per model: the attributes the index holds, and the outbox kind a change to them queues
WATCHED = {
    Idea: ("idea", {"title", "summary", "body", "tags"}),
    Project: ("project", {"slug", "title", "summary", "description"}),
    Post: ("post", {"body", "hidden_at", "pending", "thread_id"}),
    Thread: ("thread", {"title", "idea_id", "project_id", "category"}),
    User: ("user", {"display_name", "skills", "bio", "profile_kind", "banned"}),
}
#: changes that move an idea's whole subtree (its spec and thread) to another access key; a policy change
#: needs nothing: keys name the project and stage, and who may see those is decided at query time
CASCADES = {Idea: ("idea_all", {"archived_from", "stage", "project_id"})}

#: set after a commit that queued work, so that an indexer thread in this process wakes at once
work_queued = threading.Event()


def _changed(obj, attributes) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in attributes)


def _entries(session: Session):
    """(kind, object, attribute holding the id) for what this flush makes stale; ids are read after the flush."""
    for obj in session.new:
        if isinstance(obj, StageTransition | SpecRevision):  # a stage move is an UPDATE the session never sees
            yield ("idea_all" if isinstance(obj, StageTransition) else "idea"), obj, "idea_id"
        elif type(obj) in WATCHED:
            yield WATCHED[type(obj)][0], obj, "id"
    for obj in session.dirty:
        model = type(obj)
        if model in CASCADES and _changed(obj, CASCADES[model][1]):
            yield CASCADES[model][0], obj, "id"
        elif model in WATCHED and _changed(obj, WATCHED[model][1]):
            yield WATCHED[model][0], obj, "id"
    for obj in session.deleted:
        if type(obj) in WATCHED:
            yield WATCHED[type(obj)][0], obj, "id"


@event.listens_for(Session, "before_flush")
def _queue_changes(session, flush_context, instances):
    """Queue the objects this flush changes; new objects get their id after the flush, so keep them."""
    session.info.setdefault("search_pending", []).extend(_entries(session))


@event.listens_for(Session, "after_flush_postexec")
def _write_outbox(session, flush_context):
    """Write the queued rows (ids known now) in the same transaction."""
    pending = session.info.pop("search_pending", None)
    if not pending:
        return
    rows = {(kind, getattr(obj, attribute)) for kind, obj, attribute in pending}
    session.add_all(SearchOutbox(kind=kind, object_id=object_id) for kind, object_id in sorted(rows))
    session.info["search_queued"] = True


@event.listens_for(Session, "after_commit")
def _wake_indexer(session):
    if session.info.pop("search_queued", False):
        work_queued.set()


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop("search_pending", None)
    session.info.pop("search_queued", None)
