"""Settings read from the environment, with embedded defaults (SQLite and files in instance/)."""

import os
import secrets
from pathlib import Path


def _secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, or one generated once into instance/secret_key."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(instance_path: str) -> str:
    """DATABASE_URL, or a SQLite file in instance/; postgres:// URLs are mapped to psycopg 3."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'crowdspirit.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _transports(value: str) -> list[str]:
    """SOCKETIO_TRANSPORTS as a list; anything but polling and websocket stops the app at start."""
    transports = [name.strip() for name in value.split(",") if name.strip()]
    if not transports or set(transports) - {"polling", "websocket"}:
        raise ValueError(f"SOCKETIO_TRANSPORTS must list polling and/or websocket, not {value!r}")
    return transports


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping for an app whose instance folder is instance_path."""
    production = os.environ.get("CROWDSPIRIT_ENV", "development") == "production"
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 6 * 1024 * 1024)),
        "ATTACHMENT_MAX_BYTES": int(os.environ.get("ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)),
        #: how long anonymous visitors may be served a cached page (0 turns the micro-cache off)
        #: console (the log), file (instance/mail or MAIL_FILE_DIR) or smtp
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "console"),
        "MAIL_FILE_DIR": os.environ.get("MAIL_FILE_DIR", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "CrowdSpirit <noreply@crowdspirit.local>"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 25)),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "") == "1",
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        #: thread: each process sends queued emails (notifications, digests) in the background, retrying with
        #: back-off; inline: right after the commit that queued them; off: `flask crowdspirit send-mail`
        "MAIL_DELIVERY": os.environ.get("MAIL_DELIVERY", "thread"),
        "SITE_URL": os.environ.get("SITE_URL", "http://127.0.0.1:5000"),
        #: redis://... lets several server processes (and CLI jobs) share Socket.IO rooms
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        #: transports the live sockets may use: "websocket" alone when several workers share one port (no stickiness)
        "SOCKETIO_TRANSPORTS": _transports(os.environ.get("SOCKETIO_TRANSPORTS", "polling,websocket")),
        #: text (development) or json (one object per line: time, level, logger, message, request id...)
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        #: how many proxies in front set X-Forwarded-For/-Proto/-Host/-Port/-Prefix (0: trust none)
        "PROXY_FIX": int(os.environ.get("PROXY_FIX", 0)),
        "PAGE_CACHE_SECONDS": float(os.environ.get("PAGE_CACHE_SECONDS", 1)),
        "WEBHOOKS_DELIVERY": os.environ.get("WEBHOOKS_DELIVERY", "thread"),
        # thread: each process applies waiting domain events (karma) in the background; inline: right after the
        # commit that emitted them; off: `flask crowdspirit deliver-events`
        "EVENTS_DELIVERY": os.environ.get("EVENTS_DELIVERY", "thread"),
        #: thread: each server process applies the contests' dated phase changes (every 5 seconds); off: none does
        #: (run `flask crowdspirit contest-phases` from cron instead)
        "CONTEST_SCHEDULER": os.environ.get("CONTEST_SCHEDULER", "thread"),
        "WEBHOOKS_ALLOW_INSECURE": os.environ.get("WEBHOOKS_ALLOW_INSECURE") == "1",
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "300 per minute"),
        "SEARCH_INDEX_DIR": os.environ.get("SEARCH_INDEX_DIR") or os.path.join(instance_path, "search"),
        "SEARCH_INDEXER": os.environ.get("SEARCH_INDEXER", "thread"),
        #: whoosh (an index folder, SEARCH_INDEX_DIR) or postgres (full-text tables in the database, shared by
        #: every machine; needs DATABASE_URL on PostgreSQL)
        "SEARCH_BACKEND": os.environ.get("SEARCH_BACKEND", "whoosh"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        #: a Redis outage must not refuse service: limits fall back to each process's memory until it is back
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        #: moving-window: no burst across a window's edge passes the limit (fixed-window lets twice through)
        "RATELIMIT_STRATEGY": os.environ.get("RATELIMIT_STRATEGY", "moving-window"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        #: a sign-in ends this long after it was last used, and this long after it began, whatever its use
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", 7 * 24 * 60)),
        "SESSION_MAX_DAYS": int(os.environ.get("SESSION_MAX_DAYS", 30)),
        #: new accounts confirm their address by a signed link before they post, vote or propose (0: closed
        #: deployments whose accounts are all known)
        "EMAIL_VERIFICATION": os.environ.get("EMAIL_VERIFICATION", "1") != "0",
        #: seconds a verification or email change link works
        "EMAIL_TOKEN_MAX_AGE": int(os.environ.get("EMAIL_TOKEN_MAX_AGE", 3 * 24 * 3600)),
        "VERIFICATION_RATE_LIMIT": os.environ.get("VERIFICATION_RATE_LIMIT", "3 per hour"),
        #: archives of one's data a member may ask for (each is built in the background)
        "ARCHIVE_RATE_LIMIT": os.environ.get("ARCHIVE_RATE_LIMIT", "3 per hour"),
        #: wrong passwords in a row that lock an account for LOGIN_LOCKOUT_MINUTES (0: never lock)
        "LOGIN_LOCKOUT_ATTEMPTS": int(os.environ.get("LOGIN_LOCKOUT_ATTEMPTS", 5)),
        "LOGIN_LOCKOUT_MINUTES": int(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15)),
        #: seconds a password reset link stays valid
        "PASSWORD_RESET_MAX_AGE": int(os.environ.get("PASSWORD_RESET_MAX_AGE", 3600)),
        "SIGNUP_RATE_LIMIT": os.environ.get("SIGNUP_RATE_LIMIT", "20 per hour"),
        "PASSWORD_RESET_RATE_LIMIT": os.environ.get("PASSWORD_RESET_RATE_LIMIT", "10 per hour"),
        "VOTE_RATE_LIMIT": os.environ.get("VOTE_RATE_LIMIT", "30 per minute"),
        "SEARCH_RATE_LIMIT": os.environ.get("SEARCH_RATE_LIMIT", "120 per minute"),
        #: spec exports (Markdown or PDF) a member or address may ask for: a long spec's PDF takes seconds of CPU
        "EXPORT_RATE_LIMIT": os.environ.get("EXPORT_RATE_LIMIT", "20 per minute"),
        #: open flags that hide a post until a moderator reviews it
        "FLAGS_TO_HIDE": int(os.environ.get("FLAGS_TO_HIDE", 3)),
        #: karma rules overriding karma/rules.py's defaults: "name=points[/daily cap],..." (0 points: rule off)
        "KARMA_RULES": os.environ.get("KARMA_RULES", ""),
        #: karma from which a member's first posts are no longer held for approval (0: nobody skips the hold)
        "KARMA_TRUSTED_POSTER": int(os.environ.get("KARMA_TRUSTED_POSTER", 50)),
        #: contributions (ideas, votes on others' ideas, posts, accepted amendments) that make an invitee active
        "KARMA_REFERRAL_ACTIVE_AFTER": int(os.environ.get("KARMA_REFERRAL_ACTIVE_AFTER", 3)),
        "POST_RATE_LIMIT": os.environ.get("POST_RATE_LIMIT", "10 per minute; 120 per hour"),
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LOCALE", "en"),
        "LANGUAGES": ("en", "fr"),
        "PER_PAGE": 20,
        #: argon2 cost: the library's RFC 9106 low-memory profile unless overridden (tests go cheap)
        "ARGON2_TIME_COST": int(os.environ.get("ARGON2_TIME_COST", 3)),
        "ARGON2_MEMORY_COST": int(os.environ.get("ARGON2_MEMORY_COST", 65536)),
    }
