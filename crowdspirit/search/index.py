"""The index on disk: one writer at a time across processes, readers that follow each commit and swap.

Layout of SEARCH_INDEX_DIR: `current` is a symlink to the live `index-<stamp>` folder, replaced
atomically when a rebuild finishes; `writer.lock` is held (flock) by whoever writes, so the
indexer thread, a dedicated indexer process and a rebuild never write at once.
"""

import copy
import fcntl
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from .common import Busy
from .schema import build_schema

KEEP_OLD = 1  # rebuilt-over folders kept for readers still on them, besides the live one
#: postings per block (Whoosh writes 128): search reads whole postings lists (search.docsets), and a
#: third of its reading time went on per-block work; larger blocks also compress better
POSTINGS_BLOCK = 1024


def root() -> Path:
    """The folder holding the index (SEARCH_INDEX_DIR)."""
    path = Path(current_app.config["SEARCH_INDEX_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def writer_lock(wait: bool = False):
    """Hold the one-writer lock; raise Busy at once if someone else has it (unless wait)."""
    with open(root() / "writer.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as error:
            raise Busy from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _new_folder() -> Path:
    """A new, empty, dated index folder under SEARCH_INDEX_DIR."""
    folder = root() / f"index-{time.time_ns()}"
    folder.mkdir()
    return folder


def swap_in(folder: Path) -> None:
    """Make folder the live index atomically (symlink replace), and drop folders older than the previous one."""
    link, temporary = root() / "current", root() / f".current-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(folder.name)
    os.replace(temporary, link)
    old = sorted(p for p in root().glob("index-*") if p.resolve() != folder.resolve())
    for stale in old[:-KEEP_OLD] if KEEP_OLD else old:
        shutil.rmtree(stale, ignore_errors=True)


def create_empty() -> Path:
    """A new empty index folder (not yet live)."""
    folder = _new_folder()
    whoosh_index.create_in(str(folder), build_schema())
    return folder


def install(files: Path) -> None:
    """Make a copy of an index's files (a backup's) the live index; call with the writer lock held."""
    folder = _new_folder()
    for path in files.iterdir():
        shutil.move(path, folder / path.name)  # a rename, or a copy when SEARCH_INDEX_DIR is on another disk
    swap_in(folder)


def live_folder() -> Path | None:
    """The folder `current` points to, if an index exists."""
    link = root() / "current"
    return link.resolve() if link.exists() else None


def open_for_writing():
    """The live index, created empty on first use; call with the writer lock held."""
    folder = live_folder()
    if folder is None:
        folder = create_empty()
        swap_in(folder)
    return whoosh_index.open_dir(str(folder))


def writer(ix, **options):
    """A writer for ix that writes postings in blocks of POSTINGS_BLOCK (options: Whoosh's writer options)."""
    return ix.writer(codec=W3Codec(blocklimit=POSTINGS_BLOCK), **options)


#: key of the per-generation cache entry holding facts per segment id, carried over to the next generation for
#: the segments still live (a segment's documents never change; its deletions are read from the new reader)
SEGMENTS = "segments"


def segment_id(reader) -> str | None:
    """The id of the segment a leaf reader reads (None for an index without segments)."""
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else None


class Reader:
    """One open searcher per process and index folder, refreshed when the indexer commits.

    Whoosh searchers are not safe to share between threads, so searches take turns on a lock;
    per-generation caches live as long as the searcher, except per-segment facts (SEGMENTS).
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.folder = None
        self.searcher = None
        self.cache: dict = {}

    def current(self):
        """The searcher for the live index (None before the first document was ever indexed)."""
        folder = live_folder()
        if folder is None:
            return None
        if folder != self.folder:
            if self.searcher is not None:
                self.searcher.close()
            self.folder, self.searcher, self.cache = folder, whoosh_index.open_dir(str(folder)).searcher(), {}
        elif not self.searcher.up_to_date():
            self.searcher = _refreshed(self.searcher)
            live = {segment_id(reader) for reader, _offset in self.searcher.reader().leaf_readers()}
            self.cache = {SEGMENTS: {key: facts for key, facts in self.cache.get(SEGMENTS, {}).items()
                                     if key in live}}
        return self.searcher


def _refreshed(searcher):
    """A searcher on the index's latest commit that keeps the readers of the segments still live.

    Whoosh's own refresh reopens every segment (it looks reusable readers up by generation number,
    never by segment id), which copies each segment's files into memory again: a third of a second
    for the first search after every commit at 300,000 documents. Here only new segments are
    opened; a live segment keeps its reader's files but gets the new commit's deletions (a segment
    keeps its id when documents in it are deleted, so reusing its reader as it is would show them).
    Readers of segments merged away are closed. If a writer removes the files being opened (a newer
    commit came meanwhile), Whoosh's own refresh, which retries, reopens everything.
    """
    ix = searcher._ix
    kept = {segment_id(reader): reader for reader, _offset in searcher.reader().leaf_readers()}
    readers = []
    try:
        toc = whoosh_index.TOC.read(ix.storage, ix.indexname)
        opened = {segment.segment_id(): SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
                  for segment in toc.segments if segment.segment_id() not in kept}
    except OSError:
        return searcher.refresh()
    for segment in toc.segments:
        old = kept.pop(segment.segment_id(), None)
        if old is None:
            readers.append(opened[segment.segment_id()])
            continue
        reader = copy.copy(old)  # the same open files
        reader._gen = toc.generation
        if set(segment.deleted_docs()) != set(old.segment().deleted_docs()):
            reader._segment = segment
            reader._perdoc = old.codec().per_document_reader(old.storage(), segment)
        readers.append(reader)
    for key, gone in kept.items():
        if key is not None:  # an empty index's reader has nothing to close
            gone.close()
    if not readers:
        reader = EmptyReader(toc.schema)
    else:
        reader = readers[0] if len(readers) == 1 else MultiReader(readers, generation=toc.generation)
    return Searcher(reader, fromindex=ix, weighting=searcher.weighting)


_readers: dict[str, Reader] = {}
_readers_lock = threading.Lock()


@contextmanager
def reading():
    """(searcher or None, per-generation cache) for the live index, this thread's turn."""
    key = str(root())
    with _readers_lock:
        reader = _readers.setdefault(key, Reader())
    with reader.lock:
        searcher = reader.current()
        yield searcher, reader.cache
