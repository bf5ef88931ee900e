"""Forum rules: threads for ideas, projects and the community; posts, edits with history, coups de cœur."""

from datetime import timedelta
from functools import cache, lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Integer, bindparam, case, delete, func, literal, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from .. import access, events
from ..access import can, require
from ..accounts.models import User
from ..audit import services as audit
from ..database import Page, after_commit, insert_once, paginate, utcnow
from ..errors import Conflict, NotFound
from ..extensions import db
from ..pipeline.models import Idea
from ..signals import idea_created, idea_edited, post_changed, post_published, project_created, thread_read
from .models import Category, Post, PostRevision, Reaction, Thread, ThreadRead

MAX_POST_LENGTH = 20_000
CATEGORY_LABELS = {
    Category.ANNOUNCEMENTS: _l("Announcements"),
    Category.GOVERNANCE: _l("Governance and charter"),
    Category.HELP: _l("Help"),
    Category.OFF_TOPIC: _l("Off-topic"),
}


def thread_of_idea(idea) -> Thread:
    """The idea's discussion thread (opened with the idea)."""
    return _thread_for(Thread.idea_id, idea.id)


def thread_of_project(project) -> Thread:
    """The project's own discussion thread (opened with the project)."""
    return _thread_for(Thread.project_id, project.id)


def thread_of_partnership(partnership) -> Thread:
    """The private thread of a partnership's R&D workspace (opened with the partnership)."""
    return _thread_for(Thread.partnership_id, partnership.id)


@lru_cache(maxsize=8)
def _thread_statement(column):
    """The select() of the thread whose column is the bound "owner" (built once per column)."""
    return select(Thread).where(column == bindparam("owner"))


def _thread_for(column, owner_id: int) -> Thread:
    """The thread whose idea_id, project_id or partnership_id (column) is owner_id. Threads are opened with what
    they discuss, so that reading a discussion never writes."""
    thread = db.session.scalar(_thread_statement(column), {"owner": owner_id})
    if thread is None:
        raise NotFound(_l("This page does not exist, or you may not see it."))
    return thread


def open_partnership_thread(partnership) -> None:
    """Add (uncommitted) the private thread of a new partnership's R&D workspace."""
    db.session.add(Thread(title=partnership.idea.title, partnership=partnership))


def _open_thread(title: str, **owner) -> None:
    """Open the discussion thread of an idea or project (owner: idea_id=... or project_id=...), once: a signal sent
    again finds it open."""
    insert_once(Thread, title=title, **owner)
    db.session.commit()


@idea_created.connect
def _open_idea_thread(idea, **_extra) -> None:
    """A new idea gets its discussion thread."""
    _open_thread(idea.title, idea_id=idea.id)


@idea_edited.connect
def _retitle_idea_thread(idea, **_extra) -> None:
    """The discussion of an idea keeps the idea's title while the idea may still be edited (its posts are indexed
    again under it)."""
    thread = db.session.scalar(select(Thread).where(Thread.idea_id == idea.id))
    if thread is not None and thread.title != idea.title:
        thread.title = idea.title
        db.session.commit()


@project_created.connect
def _open_project_thread(project, **_extra) -> None:
    """A new project gets its own discussion thread."""
    _open_thread(project.title, project_id=project.id)


#: what a thread's access rules read with it: its idea and their project, or its own project
_WITH_OWNERS = (joinedload(Thread.idea).joinedload(Idea.project), joinedload(Thread.own_project))
#: a thread with _WITH_OWNERS, built once: a session.get() and the lazy loads after it built three statements at each
#: call, which a live reader's connection and every reply paid for
_THREAD = select(Thread).where(Thread.id == bindparam("thread")).options(*_WITH_OWNERS)


def thread_by_id(thread_id: int) -> Thread | None:
    """The thread of this id with what its access rules read, or None."""
    return db.session.scalar(_THREAD, {"thread": thread_id})


def load_thread(thread_id: int, user, action: str = "thread.view") -> Thread:
    """The thread if the user may do action on it (404 for who may not know it exists)."""
    return require(user, action, thread_by_id(thread_id))


def load_post(post_id: int, user, action: str = "post.view") -> Post:
    """The post if the user may do action on it."""
    return require(user, action, db.session.get(Post, post_id))


def start_thread(user, category: str, title: str, body: str) -> Thread:
    """Open a community thread with its first post."""
    thread = require(user, "thread.create", Thread(category=Category(category), title=title.strip(), author=user))
    db.session.add(thread)
    db.session.flush()
    add_post(thread, user, body)
    return thread


def published_posts(thread: Thread, after: int, limit: int) -> list[Post]:
    """The thread's published posts (neither held nor hidden) after a post id, oldest first."""
    return list(db.session.scalars(select(Post).where(
        Post.thread_id == thread.id, Post.id > after, Post.hidden_at.is_(None), Post.pending.is_(False))
        .order_by(Post.id).limit(limit)))


def _readable(reader):
    """The conditions on posts of thread "thread" that reader (its bound id; None: a visitor) may read: the published
    ones, their own held ones, and every held one where "moderates" (the thread's moderators)."""
    return (Post.thread_id == bindparam("thread"),
            Post.pending.is_(False) | (Post.author_id == reader) | bindparam("moderates", type_=Boolean))


def _readable_params(thread: Thread, viewer) -> dict:
    """The values of _readable's parameters for this thread and viewer."""
    return {"thread": thread.id, "reader": viewer.id if viewer.is_authenticated else None,
            "moderates": can(viewer, "thread.moderate", thread)}


#: a reconnecting reader names the newest post it shows; a post written a moment before it may have committed after
#: it (ids are given at insert, not at commit) and its live push been lost with the message queue: the catch-up sends
#: the posts written this long before the named one again too (the page puts them in place, or in order)
CATCH_UP_OVERLAP = timedelta(minutes=5)


#: what a post is shown with: its author's name, and the post it replies to with its author's name (only the columns
#: shown: loading a whole member for a name cost more than the post)
_SHOWN_WITH = (joinedload(Post.author).load_only(User.display_name),
               joinedload(Post.reply_to).load_only(Post.author_id, Post.body, Post.hidden_at, Post.pending)
               .joinedload(Post.author).load_only(User.display_name))


_EARLIER = aliased(Post)
#: a post's number in its thread: its place among the published posts (a held post has none until approved), as a
#: column of a statement on posts
NUMBER = (select(func.count(_EARLIER.id)).where(_EARLIER.thread_id == Post.thread_id, _EARLIER.id <= Post.id,
                                                 _EARLIER.pending.is_(False)).scalar_subquery())

#: when post "after" of thread "thread" was written
_WRITTEN = select(Post.created_at).where(Post.id == bindparam("after"), Post.thread_id == bindparam("thread"))


@cache
def _catch_up_statement():
    """posts' statement, built once: the posts of thread "thread" that "reader" may read (as _readable), after post
    "after" or written since "since" (None: none before it)."""
    return (select(Post, NUMBER).where(*_readable(bindparam("reader", type_=Integer)),
                                       or_(Post.id > bindparam("after"), Post.created_at >= bindparam("since")))
            .options(*_SHOWN_WITH).order_by(Post.id))


def posts(thread: Thread, viewer, after: int = 0) -> list[tuple[Post, int]]:
    """The thread's posts in order after a post id, and those written just before it (a live catch-up), each with
    its number."""
    named = db.session.scalar(_WRITTEN, {"after": after, "thread": thread.id}) if after else None
    since = None if named is None else named - CATCH_UP_OVERLAP
    return [tuple(row) for row in db.session.execute(
        _catch_up_statement(), {**_readable_params(thread, viewer), "after": after, "since": since})]


#: NUMBER for the posts of a page of one thread, counted as they are read (a window over the thread's posts)
_published_so_far = func.sum(case((Post.pending.is_(False), 1), else_=0)).over(order_by=Post.id)


@cache
def _posts_page_statement():
    """posts_page's statement, built once: the posts of thread "thread" that reader "reader" (None: a visitor) may
    read ("moderates": held ones too; else only their own), each with its number, the reader's coup de cœur and
    their read mark."""
    reader = bindparam("reader", type_=Integer)
    mine = select(Reaction.id).where(Reaction.post_id == Post.id, Reaction.user_id == reader).exists()
    mark = select(ThreadRead.last_post_id).where(ThreadRead.user_id == reader,
                                                 ThreadRead.thread_id == Post.thread_id).scalar_subquery()
    return select(Post, _published_so_far, mine, mark).where(*_readable(reader)).options(*_SHOWN_WITH).order_by(Post.id)


#: whether thread "thread" holds any post, held ones included (a Core statement: most ideas' discussions are empty,
#: and the page's statement, with its joined authors and quotes, costs the ORM about 0.15 ms even when it finds none)
_ANY_POST = select(Post.__table__.c.id).where(Post.__table__.c.thread_id == bindparam("thread")).limit(1)


def posts_page(thread: Thread, viewer, page: int, per_page: int) -> tuple:
    """One page of the thread's posts in order, as rows (post, number, whether the viewer gave it a coup de
    cœur), and the newest post the viewer had been shown before (None: never, or a visitor): one statement on a
    short first page (a thread without a post, a light one). Held posts: their author's and, for the thread's
    moderators, all (as _readable)."""
    if thread.post_count == 0 and db.session.execute(_ANY_POST, {"thread": thread.id}).first() is None:
        return Page([], page, per_page, 0, False, False), None
    found = paginate(_posts_page_statement(), page, per_page, rows=True, params=_readable_params(thread, viewer))
    return found.replace([row[:3] for row in found.items]), found.items[0][3] if found.items else None


#: a member's read mark moves forward only (reading an older page does not make later posts new again)
_NOTE_READ = text("INSERT INTO thread_reads (user_id, thread_id, last_post_id, read_at) "
                  "VALUES (:user, :thread, :post, :now) ON CONFLICT (user_id, thread_id) DO UPDATE "
                  "SET last_post_id = excluded.last_post_id, read_at = excluded.read_at "
                  "WHERE thread_reads.last_post_id < excluded.last_post_id").bindparams(
    bindparam("now", type_=ThreadRead.__table__.c.read_at.type))


#: post "post" if "reader" may read it in thread "thread" (as _readable)
_READABLE_POST = select(Post.id).where(Post.id == bindparam("post"), *_readable(bindparam("reader", type_=Integer)))


def note_read(thread: Thread, user, post_id: int | None) -> None:
    """Remember that the member was shown the thread up to this post (one of its posts they may read); the mark only
    moves forward. The page says so with a POST once it shows the posts: no GET writes."""
    shown = None if post_id is None else db.session.scalar(_READABLE_POST,
                                                           {**_readable_params(thread, user), "post": post_id})
    if shown is None:
        raise NotFound(_l("This message does not exist, or you may not see it."))
    db.session.execute(_NOTE_READ, {"user": user.id, "thread": thread.id, "post": post_id, "now": utcnow()})
    thread_read.send(thread, user=user, post_id=post_id)
    db.session.commit()


def latest(user, category: str | None, page: int, per_page: int):
    """One page of the threads the user may read that have a message, as rows (thread, the member's read mark, how
    many published posts by others are newer than it, the first of them): every thread (community, project, idea,
    workspace) or a community category's, pinned ones first, then the latest activity first."""
    if user.is_authenticated:
        published = (Post.thread_id == Thread.id, Post.pending.is_(False), Post.hidden_at.is_(None),
                     Post.author_id != user.id)
        mark = (select(ThreadRead.last_post_id).where(ThreadRead.user_id == user.id, ThreadRead.thread_id == Thread.id)
                .correlate(Thread).scalar_subquery())  # the row's thread, also where it is nested under posts
        newer = select(func.count(Post.id)).where(*published, Post.id > mark).scalar_subquery()
        first_new = select(func.min(Post.id)).where(*published, Post.id > mark).scalar_subquery()
    else:
        mark = newer = first_new = literal(None)
    where = [Thread.post_count > 0] + ([Thread.category == category] if category else [])
    query = (access.visible(select(Thread, mark, newer, first_new), user).where(*where)
             .options(*_WITH_OWNERS)
             .order_by(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc()))
    return paginate(query, page, per_page, rows=True, counted=access.visible(select(Thread.id).where(*where), user))


#: the number of post "post"
_NUMBER_OF = select(NUMBER).where(Post.id == bindparam("post"))


def post_number(post: Post) -> int:
    """The post's number in its thread (its place among the published posts)."""
    return db.session.scalar(_NUMBER_OF, {"post": post.id})


def page_of(post: Post, per_page: int) -> int:
    """The page of its thread that shows the post."""
    return max(post_number(post) - 1, 0) // per_page + 1


def quotable(thread: Thread, post_id: int | None) -> Post | None:
    """The post of this thread that a reply may quote (published and shown), else None."""
    post = db.session.get(Post, post_id) if post_id else None
    if post is None or post.thread_id != thread.id or post.pending or post.hidden_at is not None:
        return None
    return post


def reply_target(thread: Thread, post_id: int | None) -> Post | None:
    """The post a reply quotes (None when it quotes none); refused when it is not one of the thread's shown posts."""
    quoted = quotable(thread, post_id)
    if post_id and quoted is None:
        raise Conflict(_l("The post you answer is not in this thread."))
    return quoted


def _held(thread: Thread, user) -> bool:
    """Is this the first post of a member in a project that holds first posts?"""
    project = thread.project
    if (project is None or not project.hold_first_posts or thread.partnership_id is not None
            or can(user, "thread.moderate", thread) or can(user, "post.skip_hold", thread)):
        return False
    earlier = (select(func.count(Post.id)).join(Thread, Thread.id == Post.thread_id)
               .outerjoin(Idea, Idea.id == Thread.idea_id)
               .where(Post.author_id == user.id, Post.pending.is_(False),
                      (Thread.project_id == project.id) | (Idea.project_id == project.id)))
    return db.session.scalar(earlier) == 0


def approve(post: Post, moderator) -> Post:
    """Publish a held post: readers see it live and those it concerns are notified."""
    if not post.pending:
        raise Conflict(_l("This post is not waiting for approval."))
    post.pending = False
    _count_post(post.thread_id, utcnow())
    project_id = post.thread.project.id if post.thread.project else None
    audit.record(project_id, moderator, "post.approved", f"post #{post.id}")
    access.changed(project_id, "post.approved")
    after_commit(lambda: post_changed.send(post))  # the live readers first, before the event's listeners
    events.emit(post_published, post)
    db.session.commit()
    return post


def add_post(thread: Thread, user, body: str, reply_to_id: int | None = None) -> Post:
    """Publish a reply (quoting reply_to_id when given); refused in a locked thread."""
    if thread.locked:
        raise Conflict(_l("This thread is locked: no new replies."))
    reply_to = reply_target(thread, reply_to_id)
    now = utcnow()
    post = Post(thread_id=thread.id, author_id=user.id, body=body, reply_to=reply_to, created_at=now,
                pending=_held(thread, user))
    db.session.add(post)
    if not post.pending:  # a held post counts once approved
        _count_post(thread.id, now)
        db.session.flush()  # its key, for the event
        after_commit(lambda: post_changed.send(post))  # the live readers first, before the event's listeners
        events.emit(post_published, post)
    db.session.commit()
    return post


#: one more visible post in thread "thread_key", its latest activity at "when" (a Core statement built once: the
#: transaction's commit expires the thread anyway)
_COUNT_POST = (update(Thread.__table__).where(Thread.__table__.c.id == bindparam("thread_key"))
               .values(post_count=Thread.__table__.c.post_count + 1, last_post_at=bindparam("when")))


def _count_post(thread_id: int, when) -> None:
    """One more visible post in the thread, and its latest activity."""
    db.session.execute(_COUNT_POST, {"thread_key": thread_id, "when": when})


def edit_post(post: Post, body: str) -> Post:
    """Change a post's text, keeping the previous one in its history."""
    if post.thread.locked:
        raise Conflict(_l("This thread is locked: posts can no longer be edited."))
    if body == post.body:
        return post
    db.session.add(PostRevision(post_id=post.id, body=post.body, created_at=post.edited_at or post.created_at))
    post.body, post.edited_at = body, utcnow()
    db.session.commit()
    post_changed.send(post)
    return post


def revisions(post: Post, viewer) -> list[PostRevision]:
    """The previous texts of a post the viewer may read (a redacted one: moderators only), newest first."""
    query = select(PostRevision).where(PostRevision.post_id == post.id)
    if not can(viewer, "post.moderate", post):
        query = query.where(PostRevision.moderators_only.is_(False))
    return list(db.session.scalars(query.order_by(PostRevision.id.desc())))


def toggle_reaction(post: Post, user) -> bool:
    """Give or take back a coup de cœur; True when the user now has one on the post."""
    removed = db.session.execute(delete(Reaction).where(Reaction.post_id == post.id,
                                                        Reaction.user_id == user.id)).rowcount
    if removed:
        db.session.execute(update(Post).where(Post.id == post.id).values(reaction_count=Post.reaction_count - 1))
    else:
        db.session.add(Reaction(post_id=post.id, user_id=user.id))
        db.session.execute(update(Post).where(Post.id == post.id).values(reaction_count=Post.reaction_count + 1))
    try:
        db.session.commit()
    except IntegrityError:  # a double click gave it twice at once: the first one stands
        db.session.rollback()
        return True
    post_changed.send(post)
    return not removed

