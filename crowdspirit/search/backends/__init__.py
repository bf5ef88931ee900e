"""Where documents are stored and matched: one interface, two backends (an index folder with Whoosh, or tables
inside the PostgreSQL database), chosen once at start-up from SEARCH_BACKEND and kept on the app.

A backend only stores, matches, counts, facets and suggests. The access keys it filters on, the second access check
of each hit and the snippets are the search services' work, whichever backend answered.
"""

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Protocol

from flask import Flask, current_app

from ..common import Matches
from ..query import ParsedQuery
from .postgres import PostgresBackend
from .whoosh import WhooshBackend

#: SEARCH_BACKEND -> the backend's class
BACKENDS = {"whoosh": WhooshBackend, "postgres": PostgresBackend}
#: where the chosen backend is kept: app.extensions[EXTENSION]
EXTENSION = "crowdspirit.search"


class Backend(Protocol):
    """What search asks of a backend."""

    def check(self, app: Flask) -> None:
        """Refuse to start (RuntimeError saying why) where this backend cannot serve the app's configuration."""

    def location(self) -> str:
        """Where the documents live (one indexer thread per process and location)."""

    def writer_lock(self, wait: bool = False) -> AbstractContextManager:
        """Hold the one-writer lock across processes; raise common.Busy at once if another writer holds it (unless
        wait)."""

    def write(self, pairs: Iterable[tuple[str, dict | None]]) -> int:
        """Rewrite (key, document or None to remove) pairs, the writer lock held; returns how many keys. The
        indexer commits the database session afterwards (deleting the outbox rows it handled): documents written to
        an index folder are committed before, documents written to the database in the same transaction."""

    def rebuild(self, documents: Iterable[dict], processes: int) -> int:
        """Replace every stored document with these, taking the writer lock (searches keep the previous documents
        until the new ones are complete); returns how many."""

    def stored(self) -> list[tuple[str, str]]:
        """(key, digest) of every stored document, a key twice if stored twice (search-check)."""

    def find(self, parsed: ParsedQuery, selected: dict[str, str], keys: frozenset | None, sort: str, start: int,
             end: int) -> Matches | None:
        """Among the documents with one of these access keys (None: any) and no change waiting in the outbox, those
        matching the parsed query and the facet values picked: their total, facet counts, the keys of the ranked
        matches start to end, and a corrected query when none matched; None when there is nothing to search for."""

    def probe(self) -> None:
        """Raise if the stored documents cannot be read (the readiness probe)."""


def choose(app: Flask) -> None:
    """Keep the backend SEARCH_BACKEND names on the app; refuse to start with an unknown one or one the database
    cannot serve."""
    name = app.config["SEARCH_BACKEND"]
    if name not in BACKENDS:
        raise RuntimeError(f"SEARCH_BACKEND={name!r} is not a search backend: use whoosh or postgres.")
    backend = BACKENDS[name]()
    backend.check(app)
    app.extensions[EXTENSION] = backend


def current() -> Backend:
    """The application's search backend."""
    return current_app.extensions[EXTENSION]
