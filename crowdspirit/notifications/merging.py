"""An idea merged into another (`idea_merged`): the followers of its discussion follow the other idea's, and the
notifications about its posts are kept by that thread."""

from sqlalchemy import delete, exists, literal, select, update

from .. import events
from ..database import dialect_insert
from ..extensions import db
from ..forum.models import Thread
from ..signals import idea_merged
from .models import Notification, ThreadFollow

_FOLLOWS = ThreadFollow.__table__


def _thread_id(idea_id: int) -> int | None:
    """The id of an idea's discussion thread, if it has one."""
    return db.session.scalar(select(Thread.id).where(Thread.idea_id == idea_id))


def move_follows(occurrences) -> None:
    """Applied from the event outbox, once per merge: who followed the duplicate's discussion follows the target's
    (once: a follower of both keeps one follow), and notifications about the posts that moved name the target's
    thread."""
    for duplicate, details in occurrences:
        target = details["target"]
        if duplicate is None or target is None:
            continue
        source, destination = _thread_id(duplicate.id), _thread_id(target.id)
        if source is None or destination is None:
            continue  # nothing was followed, or the target took the duplicate's thread itself
        _move_follows(source, destination)
        db.session.execute(update(Notification).where(Notification.thread_id == source,
                                                      Notification.post_id.is_not(None))
                           .values(thread_id=destination), execution_options={"synchronize_session": False})


def _move_follows(source: int, destination: int) -> None:
    """Follow the destination thread for each follower of the source thread, then drop the source's follows."""
    theirs = _FOLLOWS.alias("theirs")
    moved = select(literal(destination), _FOLLOWS.c.user_id, _FOLLOWS.c.created_at).where(
        _FOLLOWS.c.thread_id == source,
        ~exists().where(theirs.c.thread_id == destination, theirs.c.user_id == _FOLLOWS.c.user_id))
    db.session.execute(dialect_insert(ThreadFollow).from_select(["thread_id", "user_id", "created_at"], moved)
                       .on_conflict_do_nothing())
    db.session.execute(delete(_FOLLOWS).where(_FOLLOWS.c.thread_id == source))


def register() -> None:
    """Subscribe to merges (called from the notifications' init_app)."""
    events.subscribe(idea_merged, move_follows)
