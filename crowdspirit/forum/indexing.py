"""What search holds of the forum: a document per published post (its thread's title and access key), rewritten
with its thread, and with the idea the thread discusses when that idea moves."""

from collections.abc import Iterator

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import search
from ..access import access_key
from ..extensions import db
from ..pipeline.models import Idea
from ..search.documents import document
from .models import Post, Thread


def published(post: Post) -> bool:
    """Neither held for review nor hidden: only such posts are searchable."""
    return not post.pending and post.hidden_at is None


def post_document(post: Post, thread: Thread | None = None) -> dict | None:
    """Published posts only: held and hidden posts stay out of search (thread: the post's, when the caller holds
    it)."""
    if not published(post):
        return None
    thread = thread if thread is not None else post.thread
    project = thread.project
    stage = thread.idea.stage if thread.idea_id else ""
    return document(f"post:{post.id}", access_key(thread), thread.title, post.body, post.created_at,
                    project.id if project else None, stage, author=post.author_id, idea=thread.idea_id,
                    thread=thread.id)


def walk_posts():
    """A full walk's post builder: every thread read once and held for the walk, so that no post queries its own."""
    threads = {thread.id: thread for thread in db.session.scalars(select(Thread))}
    return lambda post: post_document(post, threads[post.thread_id])


def _posts(thread_ids) -> Iterator[tuple[str, dict | None]]:
    """(key, document or None) for every post of these threads (ids, or a select of them)."""
    for post in db.session.scalars(select(Post).where(Post.thread_id.in_(thread_ids))
                                   .execution_options(yield_per=search.BATCH)):
        yield f"post:{post.id}", post_document(post)


def thread_posts(thread_id: int) -> Iterator[tuple[str, dict | None]]:
    """The documents of a thread's posts (its title or place changed)."""
    return _posts([thread_id])


def idea_posts(idea_id: int) -> Iterator[tuple[str, dict | None]]:
    """The documents of the posts discussing an idea (the idea moved)."""
    return _posts(select(Thread.id).where(Thread.idea_id == idea_id))


def show_post(post: Post) -> search.Shown | None:
    """A post's hit: its place in the thread, its text for the snippet (none while held or hidden)."""
    if not published(post):
        return None
    thread = post.thread
    return search.Shown(thread.title, url_for("forum.permalink", post_id=post.id), post.body,
                        post.created_at, thread.project, thread.idea.stage if thread.idea_id else "")


def register() -> None:
    """Add the forum's posts to search (called from the forum's init_app)."""
    search.register(
        kinds=[search.Kind("post", Post, post_document, show_post, "post.view", "post", _l("Forum posts"),
                           _l("Forum post"), aliases=("posts", "forum"),
                           eager=(joinedload(Post.thread).joinedload(Thread.idea).joinedload(Idea.project),
                                  joinedload(Post.thread).joinedload(Thread.own_project)),
                           walk=walk_posts)],
        rows=[search.Rows(Post, order=30)],
        sources={"post": search.Source(search.row_documents(Post), ("key", "post:")),
                 "thread": search.Source(thread_posts, ("thread", ""))},
        subtrees={Idea: idea_posts},
        watches={Post: (search.Watch("post", frozenset({"body", "hidden_at", "pending", "thread_id"})),),
                 Thread: (search.Watch("thread", frozenset({"title", "idea_id", "project_id", "category"})),)},
    )
