"""What each karma event came from, told to a viewer only as far as the access policy lets them see it."""

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..access import can
from ..accounts.models import User
from ..contests.models import Entry as ContestEntry
from ..extensions import db
from ..forum.models import Flag, Post, Thread
from ..pipeline.models import Idea
from ..specs.models import Amendment
from . import rules
from .models import KarmaEvent


@dataclass(frozen=True)
class Entry:
    """A line of a member's history: the event, its rule, and its source's title and link when the viewer may see
    it (None otherwise: the rule and the points still show)."""

    event: KarmaEvent
    label: str
    title: str | None
    url: str | None
    cause: str | None


def _load(model, ids, *options) -> dict:
    if not ids:
        return {}
    return {obj.id: obj for obj in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options))}


def _post_entry(viewer, post) -> tuple[str, str] | None:
    if post is None or not can(viewer, "post.view", post):
        return None
    return post.thread.title, url_for("forum.thread", thread_id=post.thread_id, _anchor=f"post-{post.id}")


def _describers(events: list[KarmaEvent], viewer) -> dict:
    """kind -> (source id -> (title, url) or None), loading each kind's sources in one query."""
    ids: dict[str, set] = {}
    for event in events:
        ids.setdefault(event.source_kind, set()).add(event.source_id)
    thread_options = joinedload(Post.thread).joinedload(Thread.idea).joinedload(Idea.project)
    ideas = _load(Idea, ids.get("idea"), joinedload(Idea.project))
    posts = _load(Post, ids.get("post"), thread_options)
    amendments = _load(Amendment, ids.get("amendment"), joinedload(Amendment.idea).joinedload(Idea.project))
    flags = _load(Flag, ids.get("flag"), joinedload(Flag.post).options(thread_options))
    users = _load(User, ids.get("user"))
    contest_entries = _load(ContestEntry, ids.get("entry"), joinedload(ContestEntry.contest))

    def idea(source_id):
        found = ideas.get(source_id)
        if found is None or not can(viewer, "idea.view", found):
            return None
        return found.title, url_for("pipeline.show", idea_id=found.id)

    def amendment(source_id):
        found = amendments.get(source_id)
        if found is None or not can(viewer, "spec.view", found.idea):
            return None
        return found.idea.title, url_for("specs.show", idea_id=found.idea_id, _anchor="amendments")

    def flag(source_id):
        found = flags.get(source_id)
        return _post_entry(viewer, found.post if found else None)

    def user(source_id):
        found = users.get(source_id)
        return (found.display_name, url_for("accounts.profile", user_id=found.id)) if found else None

    def entry(source_id):
        found = contest_entries.get(source_id)
        if found is None or not can(viewer, "entry.view", found):
            return None
        return found.title, url_for("contests.entry", entry_id=found.id)

    return {"idea": idea, "post": lambda source_id: _post_entry(viewer, posts.get(source_id)),
            "amendment": amendment, "flag": flag, "user": user, "entry": entry}


def describe(events: list[KarmaEvent], viewer) -> list[Entry]:
    """The entries for these events as the viewer may read them (titles only of what they may see now)."""
    describers = _describers(events, viewer)
    entries = []
    for event in events:
        found = describers.get(event.source_kind, lambda _id: None)(event.source_id)
        title, url = found or (None, None)
        cause = rules.CAUSES.get(event.cause)
        entries.append(Entry(event, str(rules.LABELS.get(event.rule, event.rule)), title, url,
                             str(cause) if cause else None))
    return entries
