"""A one-second micro-cache for the pages that visitors without an account see.

Every anonymous visitor sees the same list, so a popular page is rendered once a second per process
instead of once per request. Whatever changes who may see what (a policy, a membership, an NDA, a
stage move) writes an audit event; a cached page is served only while the newest audit event is the
one it was rendered under, so an idea that turns confidential leaves every process's cache at once.
Vote counts and new ideas may lag by up to PAGE_CACHE_SECONDS.
"""

import threading
import time
from collections import OrderedDict
from functools import wraps

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from ..access import generation as access_generation
from ..requestcache import per_request
from .fragments import csp_nonce
from .rendering import is_htmx

MAX_ENTRIES = 512
_lock = threading.Lock()
_entries: OrderedDict = OrderedDict()


def _cacheable() -> bool:
    """Only GETs from visitors with no account and nothing personal in their session."""
    return (request.method == "GET" and current_app.config["PAGE_CACHE_SECONDS"] > 0
            and set(session.keys()) <= {"lang"} and not current_user.is_authenticated)


def _store(key, generation: int, body: bytes, nonce: str | None) -> None:
    """Remember a rendered page and the CSP nonce written into it, forgetting the least recently stored beyond
    MAX_ENTRIES."""
    with _lock:
        _entries[key] = (time.monotonic() + current_app.config["PAGE_CACHE_SECONDS"], generation, body, nonce)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def cached_for_visitors(view):
    """Serve the view's page to anonymous visitors from the micro-cache when it is still valid."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        # a fragment and the page are kept apart as render() tells them (Back's history restore wants the page)
        key = (current_app.config["SQLALCHEMY_DATABASE_URI"], request.full_path, is_htmx(), str(get_locale()))
        generation = access_generation()
        with _lock:
            entry = _entries.get(key)
        if entry and entry[0] > time.monotonic() and entry[1] == generation:
            if entry[3]:
                per_request("csp_nonce", lambda: entry[3])  # the page's tags carry it: the CSP header must name it
            return current_app.response_class(entry[2], mimetype="text/html")
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and not session.modified:
            _store(key, generation, response.get_data(), csp_nonce())  # its stand-ins get this nonce as it leaves
        return response

    return wrapper
