"""Rebuild the index from the database, and compare the two (search-check), with either backend."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from whoosh import index as whoosh_index

from ..extensions import db
from . import index, postgres
from .common import on_postgres
from .documents import all_documents
from .indexer import drain
from .models import SearchOutbox

#: which outbox kind rewrites the documents of each key prefix
OUTBOX_KIND = {"idea": "idea", "spec": "idea", "project": "project", "post": "post", "person": "user"}


def rebuild(progress: Callable[[], None] = lambda: None, processes: int = 2) -> int:
    """Build a complete new index beside the live one, then swap it in atomically; returns the document count.

    The writer lock is held throughout, so live indexing pauses: changes meanwhile wait in the
    outbox and are applied to the new index right after the swap. (PostgreSQL: postgres.rebuild.)
    """
    if on_postgres():
        return postgres.rebuild(progress)
    with index.writer_lock(wait=True):
        folder = index.create_empty()
        writer = index.writer(whoosh_index.open_dir(str(folder)), procs=processes, multisegment=processes > 1,
                              limitmb=128)
        count = 0
        try:
            for document in all_documents():
                if document is not None:
                    writer.add_document(**document)
                    count += 1
                progress()
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        index.swap_in(folder)
    return count


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


def _stored() -> list[tuple[str, str]]:
    """(key, digest) of every document in the Whoosh index (a key twice if it was added twice)."""
    with index.reading() as (searcher, _cache):
        fields = [] if searcher is None else searcher.reader().all_stored_fields()
        return [(document["key"], document["digest"]) for document in fields]


def check(repair: bool = False) -> Drift:
    """Compare every document the database implies with the index; with repair, queue and apply fixes."""
    expected = {document["key"]: document["digest"] for document in all_documents() if document is not None}
    stored = postgres.stored() if on_postgres() else _stored()
    indexed = dict(stored)
    drift = Drift(len(expected), sorted(expected.keys() - indexed.keys()),
                  sorted(k for k in expected.keys() & indexed.keys() if expected[k] != indexed[k]),
                  sorted(indexed.keys() - expected.keys()),
                  sorted(key for key, count in Counter(key for key, _digest in stored).items() if count > 1))
    if repair and drift.keys:
        rows = {(OUTBOX_KIND[key.split(":")[0]], int(key.split(":")[1])) for key in drift.keys}
        db.session.add_all(SearchOutbox(kind=kind, object_id=object_id) for kind, object_id in sorted(rows))
        db.session.commit()
        drain()
    return drift
