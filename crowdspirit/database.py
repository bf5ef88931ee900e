"""Database helpers shared by every domain: SQLite pragmas and UTC timestamps."""

from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db


def utcnow() -> datetime:
    """Return the current time as a naive UTC datetime (the form every column stores)."""
    return datetime.now(UTC).replace(tzinfo=None)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Turn on WAL, foreign keys and a busy timeout on every new SQLite connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def paginate(query, page: int, per_page: int):
    """One page of a select(); a page past the end is empty rather than an error."""
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
