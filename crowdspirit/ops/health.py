"""Health (`/healthz`: the process answers) and readiness (`/readyz`: what it needs answers too).

Both are open to anyone, like a status page, and name only which dependency failed and the kind
of error, never an address or a message from the dependency.
"""

import threading

import redis
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ..extensions import db, limiter
from ..search import backends

bp = Blueprint("ops", __name__)
_redis_clients: dict[str, redis.Redis] = {}
_redis_lock = threading.Lock()
#: seconds a readiness probe waits for Redis before calling it down
REDIS_TIMEOUT = 1.0


def _database() -> None:
    """The database answers."""
    db.session.execute(text("SELECT 1"))


def _redis_urls() -> list[str]:
    """The Redis servers this process relies on (Socket.IO message queue, rate-limit storage)."""
    urls = (current_app.config["SOCKETIO_MESSAGE_QUEUE"], current_app.config["RATELIMIT_STORAGE_URI"])
    return sorted({url for url in urls if url and url.startswith(("redis://", "rediss://"))})


def _redis() -> str | None:
    """Every Redis server this process relies on answers ("off" when none is configured)."""
    if not _redis_urls():
        return "off"
    for url in _redis_urls():
        with _redis_lock:
            client = _redis_clients.setdefault(url, redis.Redis.from_url(
                url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT))
        client.ping()


def _search() -> None:
    """The search backend's documents can be read (the index folder, or the shared search tables)."""
    backends.current().probe()


CHECKS = {"database": _database, "redis": _redis, "search": _search}


def readiness() -> dict[str, str]:
    """Run every check: name -> "ok", "off" (not configured) or the kind of error it raised."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check() or "ok"
        except Exception as error:  # a probe reports every failure, it never raises
            results[name] = type(error).__name__
            db.session.rollback()  # a failed database or search-table query leaves the transaction unusable
    return results


@bp.route("/healthz")
@limiter.exempt
def healthz():
    """Liveness: the process is up and serving (no database, no Redis, no disk)."""
    return jsonify(status="ok")


@bp.route("/readyz")
@limiter.exempt
def readyz():
    """Readiness: the database, Redis (when configured) and the search index answer; 503 naming what failed."""
    checks = readiness()
    failed = sorted(name for name, result in checks.items() if result not in ("ok", "off"))
    response = jsonify(status="unavailable" if failed else "ready", failed=failed, checks=checks)
    response.status_code = 503 if failed else 200
    response.headers["Cache-Control"] = "no-store"
    return response
