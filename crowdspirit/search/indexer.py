"""The one indexer: reads committed outbox rows, rewrites their documents, then deletes the rows.

It runs as a thread in the embedded default (SEARCH_INDEXER=thread) or as its own process
(`flask crowdspirit search-indexer`) in scale-out. Either way it writes only while holding the
backend's writer lock, so two of them never write at once; a row is deleted only after the documents
are written, so a crash replays it (rewriting a document is idempotent) and nothing is lost while it
is down. With SEARCH_BACKEND=postgres the lock is a PostgreSQL advisory lock and the documents, the
outbox rows' deletion and the lock's release are one commit, so any process may run an indexer thread.
"""

import threading

from sqlalchemy import delete, select

from ..background import run_loop, start_once
from ..extensions import db
from . import backends
from .common import Busy
from .models import SearchOutbox
from .outbox import work_queued
from .registry import SOURCES

BATCH = 500
POLL_SECONDS = 0.5
#: once woken by a commit, the indexer waits this long: what comes meanwhile is indexed in one round, and the
#: request's own after-commit work (a post's live push) goes first
GATHER_SECONDS = 0.2


def process_pending(limit: int = BATCH) -> int:
    """Index one batch of outbox rows; returns how many rows were done (0 when idle or busy elsewhere)."""
    backend = backends.current()
    try:
        with backend.writer_lock():
            rows = db.session.execute(select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.object_id)
                                      .order_by(SearchOutbox.id).limit(limit)).all()
            if not rows:
                return 0
            work = dict.fromkeys((row.kind, row.object_id) for row in rows)
            backend.write(pair for kind, object_id in work for pair in SOURCES[kind].documents(object_id))
            db.session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([row.id for row in rows])))
            db.session.commit()
            return len(rows)
    except Busy:
        return 0


def drain() -> int:
    """Index everything pending now (tests and commands); returns the number of rows done."""
    done = total = process_pending()
    while done:
        done = process_pending()
        total += done
    return total


def run_forever(app, stop: threading.Event) -> None:
    """The indexer loop: wake on a local commit or every half second, index, repeat until stopped."""
    run_loop(app, process_pending, work_queued, stop, POLL_SECONDS, GATHER_SECONDS)


def start_thread() -> None:
    """Start this process's indexer thread once per index folder or database (SEARCH_INDEXER=thread)."""
    start_once(f"search-indexer:{backends.current().location()}", process_pending, work_queued, POLL_SECONDS,
               GATHER_SECONDS)
