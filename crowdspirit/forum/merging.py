"""An idea merged into another (`idea_merged`): its discussion's posts join the other idea's discussion."""

from sqlalchemy import func, select, update

from .. import events
from ..extensions import db
from ..signals import idea_merged
from .models import Post, Thread


def _idea_thread(idea_id: int) -> Thread | None:
    """The discussion thread of an idea, if it has one."""
    return db.session.scalar(select(Thread).where(Thread.idea_id == idea_id))


def move_discussion(occurrences) -> None:
    """Applied from the event outbox, once per merge: the duplicate's posts move to the target's thread (each post
    indexed again there) and its emptied thread is locked; a target without a thread takes the duplicate's."""
    for duplicate, details in occurrences:
        target = details["target"]
        if duplicate is None or target is None:
            continue
        source, destination = _idea_thread(duplicate.id), _idea_thread(target.id)
        if source is None:
            continue
        if destination is None:
            source.idea_id, source.title = target.id, target.title
            continue
        for post in db.session.scalars(select(Post).where(Post.thread_id == source.id)):
            post.thread_id = destination.id
        source.locked = True
        destination.last_post_at = max(destination.last_post_at, source.last_post_at)
        db.session.flush()
        _recount(source.id, destination.id)


def _recount(*thread_ids: int) -> None:
    """Set the threads' post counts from their published posts."""
    published = (select(func.count(Post.id)).where(Post.thread_id == Thread.id, Post.pending.is_(False))
                 .scalar_subquery())
    db.session.execute(update(Thread).where(Thread.id.in_(thread_ids)).values(post_count=published),
                       execution_options={"synchronize_session": False})


def register() -> None:
    """Subscribe to merges (called from the forum's init_app)."""
    events.subscribe(idea_merged, move_discussion)
