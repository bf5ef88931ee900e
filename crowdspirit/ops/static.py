"""Static files with long cache headers: every URL names the file's content (`?v=<hash>`).

`url_for("static", filename=...)` adds the first 12 hex digits of the file's SHA-256, the same on
every server of a deployment; a request carrying the current version is cacheable for a year
(`immutable`), anything else must be revalidated (ETag), so a new release is picked up at once.
"""

import hashlib
import os
from functools import lru_cache

from flask import Flask, current_app, request

YEAR = 365 * 24 * 3600


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def version(filename: str) -> str | None:
    """The content version of a static file (None if it does not exist)."""
    path = os.path.join(current_app.static_folder, filename)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def add_version(endpoint: str, values: dict) -> None:
    """url_defaults hook: static URLs carry their file's version."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        if stamp := version(values["filename"]):
            values["v"] = stamp


def cache_headers(response):
    """A static file asked for at its current version is cached for a year; other static answers revalidate."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    stamp = request.args.get("v")
    if stamp and stamp == version(request.view_args["filename"]):
        response.cache_control.no_cache = False  # what Flask sets when it has no max age
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response


def init_app(app: Flask) -> None:
    """Version static URLs and set their cache headers."""
    app.url_defaults(add_version)
    app.after_request(cache_headers)
