"""Live threads over Socket.IO: sockets join a thread's room through the access policy, get the posts
they missed, then every new or changed post as the same server-rendered partial the page shows.

A socket joins one room per language and kind of reader (see rules.reader_kind), so each push is rendered once per
language and kind, not per reader, with the controls that kind of reader gets on the page.
When who may see a project changes, every socket on its threads is checked again at once and the
ones that lost access leave the room.
"""

import threading
import weakref
from contextlib import nullcontext
from datetime import UTC
from typing import NamedTuple

from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale, get_locale
from flask_login import AnonymousUserMixin, current_user
from flask_socketio import join_room
from socketio.pubsub_manager import PubSubManager
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import joinedload

from .. import access
from ..access import can
from ..accounts.models import User
from ..accounts.sessions import current as current_sign_in
from ..extensions import db, socketio
from ..signals import access_changed, live_access_revoked, post_changed, sessions_revoked, thread_changed
from ..web.live import user_room
from . import services
from .models import Post, Thread
from .rules import READER_KINDS, reader_kind

_lock = threading.Lock()
#: per Socket.IO server: sid -> LiveSocket
_registry: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class LiveSocket(NamedTuple):
    """What this process knows of an open socket."""

    user_id: int | None
    thread_id: int | None  # None: a badge-only socket (a signed-in page without a thread)
    language: str
    kind: str  # what controls its pushes carry (rules.reader_kind)
    sign_in: int | None  # the sign-in (accounts' user_sessions row) it was opened under


def _sockets() -> dict[str, LiveSocket]:
    """The sockets of the current app's Socket.IO server."""
    return _registry.setdefault(socketio.server, {})


def room(thread_id: int, language: str, kind: str) -> str:
    """The room of a thread's readers of one kind in one language."""
    return f"thread-{thread_id}-{language}-{kind}"


def rooms(thread_id: int):
    """Every room of a thread's readers."""
    return [room(thread_id, language, kind) for language in current_app.config["LANGUAGES"] for kind in READER_KINDS]


def render_post(post: Post, kind: str, number: int) -> dict:
    """The payload of a live post: its id, when it was written (epoch seconds) and the partial for this kind of
    reader (no CSRF token: the page fills in its own)."""
    return {"id": post.id, "created": post.created_at.replace(tzinfo=UTC).timestamp(),
            "html": render_template("forum/_post.html", post=post, live=True, kind=kind, number=number, liked=False,
                                    csrf_token=lambda: "")}


def _thread_from(auth) -> tuple[Thread | None, int]:
    """The thread a connecting socket asks for, and the last post id it has already shown."""
    try:
        return services.thread_by_id(int(auth["thread"])), int(auth.get("after") or 0)
    except (KeyError, TypeError, ValueError):
        return None, 0


@socketio.on("connect")
def connect(auth=None):
    """Accept a socket only for a thread the user may read; join its room and send what it missed.

    A signed-in member's page without a thread connects for the unread-notifications badge alone.
    """
    request.environ.pop("crowdspirit.cache", None)  # a socket's environ outlives one event
    if current_user.is_authenticated and not current_user.is_suspended and (auth or {}).get("thread") is None:
        join_room(user_room(current_user.id))
        with _lock:
            _sockets()[request.sid] = LiveSocket(current_user.id, None, str(get_locale()), "",
                                                 current_sign_in(current_user))
        return True
    thread, after = _thread_from(auth)
    if thread is None or not can(current_user, "thread.view", thread):
        return False
    if current_user.is_authenticated and current_user.is_suspended:
        return False  # suspended members read pages, without live updates
    language, kind = str(get_locale()), reader_kind(current_user, thread)
    join_room(room(thread.id, language, kind))
    if current_user.is_authenticated:
        join_room(user_room(current_user.id))  # the unread-notifications badge
    with _lock:
        _sockets()[request.sid] = LiveSocket(current_user.id if current_user.is_authenticated else None, thread.id,
                                             language, kind, current_sign_in(current_user))
    for post, number in services.posts(thread, current_user, after):  # marked: a page leaves those it shows as they are
        socketio.emit("post", {**render_post(post, kind, number), "catch_up": True}, to=request.sid)
    _announce_presence(thread.id)
    return True


@socketio.on("disconnect")
def disconnect(*_args):
    """Forget a socket that went away, and tell the others one reader fewer."""
    with _lock:
        gone = _sockets().pop(request.sid, None)
    if gone is not None and gone.thread_id is not None:
        _announce_presence(gone.thread_id)


def _announce_presence(thread_id: int) -> None:
    """Tell a thread's readers how many of them this process serves right now."""
    with _lock:
        readers = sum(1 for socket in _sockets().values() if socket.thread_id == thread_id)
    for name in rooms(thread_id):
        socketio.emit("presence", {"readers": readers}, to=name)


def _listened(name: str) -> bool:
    """Someone may be in this room: one of this process's sockets is, or, with a message queue, another process's
    may be (this process does not know their rooms)."""
    manager = socketio.server.manager
    return isinstance(manager, PubSubManager) or bool(manager.rooms.get("/", {}).get(name))


#: what a pushed post's partial shows, read again in one statement (the commit expired the post, its author and
#: thread), with its number
_PUSHED = select(Post, services.NUMBER).where(Post.id == bindparam("post")).options(
    joinedload(Post.author), joinedload(Post.thread), joinedload(Post.reply_to))


@post_changed.connect
def push_post(post: Post, **_extra) -> None:
    """Send a new or changed post to every reader of its thread, rendered once per language and kind of reader that
    has someone to read it."""
    found = db.session.execute(_PUSHED, {"post": inspect(post).identity[0]}).one_or_none()
    if found is None or found.Post.pending:
        return  # held for approval: readers get it when a moderator approves it
    post, number = found
    with nullcontext() if has_request_context() else current_app.test_request_context("/"):
        for language in current_app.config["LANGUAGES"]:
            with force_locale(language):
                for kind in READER_KINDS:
                    if _listened(name := room(post.thread_id, language, kind)):
                        socketio.emit("post", render_post(post, kind, number), to=name)


@thread_changed.connect
def push_thread_state(thread: Thread, **_extra) -> None:
    """Tell open pages that a thread was locked or unlocked (the reply form follows)."""
    for name in rooms(thread.id):
        socketio.emit("thread", {"locked": thread.locked}, to=name)


def _close(matches) -> None:
    """Disconnect this process's sockets for which matches(LiveSocket) is true."""
    with _lock:
        sids = [sid for sid, socket in _sockets().items() if matches(socket)]
    for sid in sids:
        socketio.server.disconnect(sid, namespace="/")
        with _lock:
            _sockets().pop(sid, None)


@live_access_revoked.connect
def drop_member(user_id: int, **_extra) -> None:
    """Close every socket of a member who was just suspended or banned, or whose password changed."""
    _close(lambda socket: socket.user_id == user_id)


@sessions_revoked.connect
def close_ended_sign_ins(user_id: int, sign_ins=(), **_extra) -> None:
    """Signing out, or ending a sign-in from the settings, closes the live connections opened under it (every tab
    of that browser), not those of the member's other devices."""
    ended = set(sign_ins)
    _close(lambda socket: socket.user_id == user_id and socket.sign_in in ended)


@access_changed.connect
def recheck_readers(project_id: int, **_extra) -> None:
    """Remove from their rooms the sockets whose user may no longer read the thread, telling each page what its
    reader can do about it (accept the new NDA, ask to join the project, or nothing)."""
    with _lock:
        sockets = list(_sockets().items())
    for sid, socket in sockets:
        thread = db.session.get(Thread, socket.thread_id) if socket.thread_id is not None else None
        if thread is None or thread.project is None or thread.project.id != project_id:
            continue
        reader = db.session.get(User, socket.user_id) if socket.user_id else AnonymousUserMixin()
        if reader is None or not can(reader, "thread.view", thread):
            way = access.way_in(reader, thread.project) if reader is not None and reader.is_authenticated else None
            socketio.emit("closed", {"way": way}, to=sid)  # the page says why, and how to get back in if one can
            socketio.server.leave_room(sid, room(socket.thread_id, socket.language, socket.kind),
                                     namespace="/")
            socketio.server.disconnect(sid, namespace="/")
            with _lock:
                _sockets().pop(sid, None)
