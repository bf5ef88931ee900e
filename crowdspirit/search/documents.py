"""What the index holds for each object, built from the database (the only source of truth).

The same builders serve the live indexer, the full rebuild and search-check, so a document is the
same whichever path wrote it and drift shows up as a different digest.
"""

import hashlib
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..access import access_key
from ..accounts.models import User
from ..extensions import db
from ..forum.models import Post, Thread
from ..pipeline.models import Idea
from ..projects.models import Project, Visibility
from ..specs.models import SECTIONS, SpecRevision
from ..specs.services import current_revision
from .schema import detect_language, positional

BATCH = 1000


def _document(key: str, access: str, title: str, body: str, created, project=None, stage="", tags=(),
              author=None, idea=None, thread=None) -> dict:
    """A document in the index's shape, its text in the field of its detected language."""
    language = detect_language(f"{title}\n{body}")
    document = {
        "key": key, "kind": key.split(":")[0], "access": access, "project": str(project or ""), "stage": stage or "",
        "tags": ",".join(tags), "author": str(author or ""), "created": created, "idea": str(idea or ""),
        "thread": str(thread or ""),
        f"title_{language}": title, f"body_{language}": body, "words": f"{title}\n{body}",
        positional(f"title_{language}"): title, positional(f"body_{language}"): body,
    }
    document["digest"] = hashlib.blake2b(repr(sorted(document.items())).encode(), digest_size=8).hexdigest()
    return document


def idea_document(idea: Idea) -> dict:
    return _document(f"idea:{idea.id}", access_key(idea), idea.title, f"{idea.summary}\n{idea.body}",
                     idea.created_at, idea.project_id, idea.stage, [t.name for t in idea.tags], idea.author_id, idea.id)


def spec_document(idea: Idea, revision: SpecRevision) -> dict:
    body = "\n".join(revision.section(name) for name in SECTIONS)
    return _document(f"spec:{idea.id}", access_key(idea), idea.title, body, revision.created_at, idea.project_id,
                     idea.stage, [t.name for t in idea.tags], idea.author_id, idea.id)


def project_document(project: Project) -> dict:
    return _document(f"project:{project.id}", access_key(project), project.title,
                     f"{project.summary}\n{project.description}", project.created_at, project.id,
                     author=project.owner_id)


def post_document(post: Post) -> dict | None:
    """Published posts only: held and hidden posts stay out of search."""
    if post.pending or post.hidden_at is not None:
        return None
    thread = post.thread
    project = thread.project
    stage = thread.idea.stage if thread.idea_id else ""
    return _document(f"post:{post.id}", access_key(thread), thread.title, post.body, post.created_at,
                     project.id if project else None, stage, author=post.author_id, idea=thread.idea_id,
                     thread=thread.id)


def person_document(user: User) -> dict | None:
    """Members' public profiles; banned members leave search."""
    if user.banned:
        return None
    return _document(f"person:{user.id}", Visibility.PUBLIC.value, user.display_name,
                     f"{user.skills}\n{user.bio}", user.created_at, author=user.id)


def _idea(idea_id: int, with_thread: bool) -> Iterator[tuple[str, dict | None]]:
    idea = db.session.get(Idea, idea_id)
    if idea is None:
        yield f"idea:{idea_id}", None
        yield f"spec:{idea_id}", None
        return
    yield f"idea:{idea_id}", idea_document(idea)
    revision = current_revision(idea)
    yield f"spec:{idea_id}", revision and spec_document(idea, revision)
    if with_thread:
        yield from _thread_posts(select(Thread.id).where(Thread.idea_id == idea_id))


def _thread_posts(thread_ids) -> Iterator[tuple[str, dict | None]]:
    for post in db.session.scalars(select(Post).where(Post.thread_id.in_(thread_ids))
                                   .execution_options(yield_per=BATCH)):
        yield f"post:{post.id}", post_document(post)


def _single(model, builder, prefix):
    def documents(object_id: int):
        obj = db.session.get(model, object_id)
        yield f"{prefix}:{object_id}", obj and builder(obj)
    return documents


#: outbox kind -> the (key, document or None to remove) pairs to rewrite for one object id (a policy change
#: rewrites nothing: documents carry where their visibility is decided, not the level)
SOURCES = {
    "idea": lambda i: _idea(i, with_thread=False),
    "idea_all": lambda i: _idea(i, with_thread=True),
    "project": _single(Project, project_document, "project"),
    "post": _single(Post, post_document, "post"),
    "thread": lambda i: _thread_posts([i]),
    "user": _single(User, person_document, "person"),
}


def count_all() -> int:
    """How many objects all_documents() walks (for a progress bar)."""
    return sum(db.session.scalar(select(func.count()).select_from(model)) for model in (Project, Idea, Post, User))


def all_documents() -> Iterator[dict | None]:
    """Every document, in batches that keep related rows in memory once (None for skipped objects)."""
    projects = {p.id: p for p in db.session.scalars(select(Project))}
    yield from (project_document(p) for p in projects.values())
    latest = (select(SpecRevision.idea_id, func.max(SpecRevision.number).label("number"))
              .group_by(SpecRevision.idea_id).subquery())
    revisions = {r.idea_id: r for r in db.session.scalars(select(SpecRevision).join(
        latest, (latest.c.idea_id == SpecRevision.idea_id) & (latest.c.number == SpecRevision.number)))}
    ideas = {}
    for idea in db.session.scalars(select(Idea).options(selectinload(Idea.tags)).execution_options(yield_per=BATCH)):
        ideas[idea.id] = idea  # held so that posts find their thread's idea without a query
        yield idea_document(idea)
        if idea.id in revisions:
            yield spec_document(idea, revisions[idea.id])
    threads = {t.id: t for t in db.session.scalars(select(Thread))}
    for post in db.session.scalars(select(Post).execution_options(yield_per=BATCH)):
        yield post_document(post)
    for user in db.session.scalars(select(User).execution_options(yield_per=BATCH)):
        yield person_document(user)
    del projects, ideas, threads
