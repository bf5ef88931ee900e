"""Rebuild the stored documents from the database, and compare the two (search-check), with either backend."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ..extensions import db
from . import backends, registry
from .indexer import drain
from .models import SearchOutbox


def rebuild(progress: Callable[[], None] = lambda: None, processes: int = 2) -> int:
    """Rewrite every document from the database (Whoosh: a new index beside the live one, swapped in; PostgreSQL:
    one transaction); returns the document count. progress is called once per database row walked.

    The writer lock is held throughout, so live indexing pauses: changes meanwhile wait in the
    outbox and are applied right after.
    """
    return backends.current().rebuild(registry.all_documents(progress), processes)


@dataclass
class Drift:
    """What search-check found: documents missing from the index, out of date, or that should not be there."""

    checked: int
    missing: list[str]
    stale: list[str]
    extra: list[str]
    duplicated: list[str]

    @property
    def keys(self) -> list[str]:
        """Every key that needs rewriting."""
        return self.missing + self.stale + self.extra + self.duplicated


def check(repair: bool = False) -> Drift:
    """Compare every document the database implies with the index; with repair, queue and apply fixes."""
    expected = {document["key"]: document["digest"] for document in registry.all_documents()}
    stored = backends.current().stored()
    indexed = dict(stored)
    drift = Drift(len(expected), sorted(expected.keys() - indexed.keys()),
                  sorted(k for k in expected.keys() & indexed.keys() if expected[k] != indexed[k]),
                  sorted(indexed.keys() - expected.keys()),
                  sorted(key for key, count in Counter(key for key, _digest in stored).items() if count > 1))
    if repair and drift.keys:
        rows = {(registry.KINDS[key.split(":")[0]].outbox, int(key.split(":")[1])) for key in drift.keys}
        db.session.add_all(SearchOutbox(kind=kind, object_id=object_id) for kind, object_id in sorted(rows))
        db.session.commit()
        drain()
    return drift
