"""Server-side sign-ins: each one a row the member sees and may end, checked on every request.

The browser's session cookie carries Flask-Login's id, `<user id>:<key>`; the server keeps only the key's SHA-256.
Signing out deletes the row, so a cookie copied before is refused everywhere (pages, API, live sockets). A sign-in
also ends SESSION_IDLE_MINUTES after it was last seen and SESSION_MAX_DAYS after it began.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from flask import current_app, has_request_context, request, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from .. import stamps
from ..database import after_commit, utcnow
from ..extensions import db
from ..signals import sessions_revoked
from .models import User, UserSession

log = logging.getLogger(__name__)
#: last_seen_at is written at most this often per sign-in (a write per request would cost every page)
TOUCH_SECONDS = 60


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _cutoffs() -> tuple:
    """(last seen before, created before): a sign-in older than either has ended."""
    cfg, now = current_app.config, utcnow()
    return now - timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]), now - timedelta(days=cfg["SESSION_MAX_DAYS"])


def _ended(idle=None, absolute=None):
    """The SQL condition of an ended sign-in (as of now, or as of the cutoffs given, e.g. bind parameters)."""
    if idle is None:
        idle, absolute = _cutoffs()
    return or_(UserSession.last_seen_at < idle, UserSession.created_at < absolute)


#: the sign-in a cookie names, if still open (its id and last use: a whole UserSession would cost the ORM a second
#: object to build at every request), with its member: built once, run with the key's digest and the cutoffs
_OPEN_SIGN_IN = (select(UserSession.id, UserSession.last_seen_at, User).join(User, User.id == UserSession.user_id)
                 .where(UserSession.key_hash == bindparam("key_hash"),
                        ~_ended(bindparam("idle_cutoff"), bindparam("absolute_cutoff"))))


def sign_in(user: User, method: str) -> UserSession:
    """Sign user in in this browser: a new sign-in whose key Flask-Login keeps in the session cookie."""
    record = open_sign_in(user, method)
    login_user(user)
    return record


def open_sign_in(user: User, method: str) -> UserSession:
    """Record a new sign-in of user (from this request's browser, if any) and give the user its key; ended sign-ins
    of everyone are cleared on the way, so that their addresses are not kept."""
    key = secrets.token_urlsafe(32)
    agent = request.headers.get("User-Agent", "") if has_request_context() else ""
    address = (request.remote_addr or "") if has_request_context() else ""
    db.session.execute(delete(UserSession).where(_ended()))
    record = UserSession(user_id=user.id, key_hash=_digest(key), method=method, user_agent=agent[:300],
                         ip_address=address[:64])
    db.session.add(record)
    db.session.commit()
    user.session_key = key
    return record


def load(session_id: str) -> User | None:
    """Flask-Login's hook: the user whose sign-in the cookie names, if that sign-in is still open."""
    user_id, _colon, key = session_id.partition(":")
    if not user_id.isdigit() or not key:
        return None
    query, keep_stamps = stamps.with_stamps(_OPEN_SIGN_IN, int(user_id))
    idle, absolute = _cutoffs()
    found = db.session.execute(query, {"key_hash": _digest(key), "idle_cutoff": idle, "absolute_cutoff": absolute,
                                       stamps.MEMBER: int(user_id)}).first()
    if found is None:
        return None
    sign_in_id, last_seen_at, user = keep_stamps(found)
    if not hmac.compare_digest(str(user.id), user_id) or user.banned or user.deleted_at is not None:
        return None
    user.session_key = key
    _touch(sign_in_id, last_seen_at)
    return user


def _touch(sign_in_id: int, last_seen_at) -> None:
    """Note that the sign-in is in use, at most once a minute, in a transaction of its own (never the request's)."""
    now = utcnow()
    if (now - last_seen_at).total_seconds() < TOUCH_SECONDS:
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(update(UserSession).where(UserSession.id == sign_in_id).values(last_seen_at=now))
    except SQLAlchemyError:  # a busy database delays the note, never the page
        log.warning("could not note the use of sign-in %s", sign_in_id)


def _request_key() -> str:
    """The sign-in key this request's session cookie carries ("" for none): the truth about which browser asks,
    whatever user object a long-lived context keeps."""
    if not has_request_context():
        return ""
    return session.get("_user_id", "").partition(":")[2]


def current(user: User) -> int | None:
    """The id of the member's sign-in this request runs under (None outside one)."""
    key = _request_key()
    if not key or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(UserSession.id).where(UserSession.key_hash == _digest(key),
                                                          UserSession.user_id == user.id))


def active(user: User) -> list[UserSession]:
    """The member's open sign-ins, the most recently used first."""
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id, ~_ended())
                                   .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def _revoke(user: User, condition) -> list[int]:
    """Delete the member's sign-ins matching condition in this transaction; their live sockets close after the
    commit. Returns their ids."""
    ids = list(db.session.scalars(select(UserSession.id).where(UserSession.user_id == user.id, condition)))
    if ids:
        db.session.execute(delete(UserSession).where(UserSession.id.in_(ids)))
        user_id = user.id
        after_commit(lambda: sessions_revoked.send(user_id, sign_ins=ids))
    return ids


def revoke(user: User, sign_in_id: int) -> bool:
    """End one of the member's sign-ins (another device, or this one); False when it was not theirs or is gone."""
    ended = _revoke(user, UserSession.id == sign_in_id)
    db.session.commit()
    return bool(ended)


def revoke_others(user: User) -> int:
    """End every sign-in of the member but this request's; returns how many ended (commits with the caller)."""
    return len(_revoke(user, UserSession.key_hash != _digest(_request_key())))


def sign_out_elsewhere(user: User) -> int:
    """End every other sign-in of the member now; returns how many ended."""
    ended = revoke_others(user)
    db.session.commit()
    return ended


def revoke_all(user: User) -> int:
    """End every sign-in of the member (a ban, a reset link, the account's deletion); commits with the caller."""
    return len(_revoke(user, UserSession.id.is_not(None)))


def sign_out(user: User) -> None:
    """End this browser's sign-in: its row goes, so the cookie is refused from now on, wherever it is replayed."""
    key = _request_key()
    if user.is_authenticated and key:
        _revoke(user, UserSession.key_hash == _digest(key))
        db.session.commit()
    logout_user()


def device(agent: str) -> str:
    """A short name for a User-Agent: browser and system ("Firefox on Linux"), or the text itself."""
    browsers = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                ("Safari/", "Safari"), ("curl/", "curl"), ("python-requests", "Python"))
    systems = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
               ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))
    browser = next((name for mark, name in browsers if mark in agent), "")
    system = next((name for mark, name in systems if mark in agent), "")
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or agent[:60]
