"""The Whoosh backend (SEARCH_BACKEND=whoosh): an index folder on this machine (search.index), one writer at a time.

A query is matched on sets of document numbers per index segment (search.docsets), restricted to the user's access
keys, to live documents and to those with no change waiting in the outbox before anything is counted, faceted,
scored or suggested; only the visible matches are scored, with Whoosh's own BM25F arithmetic. Each index generation
remembers its latest searches' matches (RESULTS).
"""

import heapq
from collections import Counter, OrderedDict
from itertools import chain, repeat

from sqlalchemy import select
from whoosh import index as whoosh_index
from whoosh import query as wq

from ...extensions import db
from .. import index, registry
from ..common import FACETS, Matches, filter_values, most_edits, ordered_facets
from ..docsets import Leaf, SegmentFacts
from ..models import SearchOutbox
from ..query import ParsedQuery, unparse
from ..schema import LANGUAGES, fold, positional, tokens


# --- Queries ----------------------------------------------------------------------------------------------------
def _phrase_field(fieldname: str, schema) -> str:
    """Where phrases of fieldname are looked for: its positional twin (an index built before the twins existed
    kept positions in the field itself)."""
    twin = positional(fieldname)
    return twin if schema is None or twin in schema else fieldname


def _text_query(text: str, prefix: bool = False, schema=None):
    """A word or phrase in any language's title or body (None when it is only common words)."""
    options = []
    folded = fold(text)
    for language in LANGUAGES:
        terms = tokens(language, text)
        if not terms:
            continue
        slop = 1 + len(folded) - len(terms)  # common words left out of a phrase still take their place
        for fieldname in (f"title_{language}", f"body_{language}"):
            options.append(wq.Term(fieldname, terms[0]) if len(terms) == 1
                           else wq.Phrase(_phrase_field(fieldname, schema), terms, slop))
    if prefix and len(folded) == 1 and len(folded[0]) >= 3:
        options.append(wq.Prefix("words", folded[0]))
    return wq.Or(options) if options else None


def _filter_terms(name: str, values: list[str]):
    """A field filter as a query: values of one filter are alternatives."""
    fieldname, accepted = filter_values(name, values)
    return wq.Or([wq.Term(fieldname, value) for value in accepted]) if accepted else wq.NullQuery


def _wanted_texts(parsed: ParsedQuery, schema) -> list:
    """The words (the last one also as a prefix) and phrases that must match, common words left out."""
    last = len(parsed.words) - 1
    wanted = [_text_query(w, prefix=(w == parsed.prefix and i == last), schema=schema)
              for i, w in enumerate(parsed.words)]
    wanted += [_text_query(p, schema=schema) for p in parsed.phrases]
    return [q for q in wanted if q is not None]


def _unwanted(parsed: ParsedQuery, schema) -> list:
    """The excluded words, phrases and filters."""
    unwanted = [q for q in (_text_query(text, schema=schema) for text in parsed.excluded) if q is not None]
    return unwanted + [_filter_terms(name, values) for name, values in parsed.excluded_filters.items()]


def build_query(parsed: ParsedQuery, selected: dict[str, str], schema=None):
    """The Whoosh query for a parsed search plus the facet values picked on the page (schema: the live index's);
    None when it holds only words too common to search for."""
    required = _wanted_texts(parsed, schema)
    if not required and (parsed.words or parsed.phrases) and not parsed.filters:
        return None
    required += [_filter_terms(name, values) for name, values in parsed.filters.items()]
    required += [wq.Term(name, value) for name, value in selected.items() if value]
    combined = wq.And(required) if required else wq.Every()
    # one AndNot each: Whoosh drops matches when an Or of keyword terms is excluded
    for unwanted in _unwanted(parsed, schema):
        combined = wq.AndNot(combined, unwanted)
    return combined


# --- Matching ---------------------------------------------------------------------------------------------------
def _pending_terms() -> set[tuple[str, str]]:
    """Terms of the documents whose source changed and waits in the outbox: their access key may be stale."""
    rows = db.session.execute(select(SearchOutbox.kind, SearchOutbox.object_id).limit(10_000)).all()
    stale = {kind: source.stale for kind, source in registry.SOURCES.items()}
    return {(stale[kind][0], f"{stale[kind][1]}{object_id}") for kind, object_id in rows if kind in stale}


def _leaves(searcher, cache: dict) -> list[Leaf]:
    """The live index's segments for one search, with their facts (kept per segment across index generations)."""
    facts = cache.setdefault(index.SEGMENTS, {})
    leaves = []
    for leaf_searcher, offset in searcher.leaf_searchers():
        reader = leaf_searcher.reader()
        key = index.segment_id(reader)
        if key is None:  # an index without segments yet
            leaves.append(Leaf(leaf_searcher, offset, SegmentFacts(reader)))
            continue
        if key not in facts:
            facts[key] = SegmentFacts(reader)
        leaves.append(Leaf(leaf_searcher, offset, facts[key]))
    return leaves


class _Visibility:
    """Which of a segment's matching documents the user may see: an allowed access key (None: any), not deleted,
    no change waiting in the outbox."""

    def __init__(self, keys: frozenset | None, pending: set):
        self.keys, self.pending = keys, pending

    def __call__(self, leaf: Leaf, docs: set[int]) -> set[int]:
        """The visible ones of a segment's document numbers."""
        if self.keys is not None:
            access, keys = leaf.facts.values["access"], self.keys
            docs = {docnum for docnum in docs if access[docnum] in keys}
        if docs and leaf.reader.has_deletions():
            deleted = leaf.reader.is_deleted
            docs = {docnum for docnum in docs if not deleted(docnum)}
        for term in self.pending if docs else ():
            postings = leaf.term(*term)
            if postings:
                docs.difference_update(postings.ids)
        return docs


def _suggest(searcher, leaves: list[Leaf], parsed: ParsedQuery, visible: _Visibility) -> str | None:
    """A corrected query built from words the user may see, for words that find nothing visible."""
    def count(word: str) -> int:
        """How many visible documents hold the whole word."""
        return sum(len(visible(leaf, leaf.docs(wq.Term("words", word)))) for leaf in leaves)

    replace = {}
    for word in parsed.words:
        folded = fold(word)
        if len(folded) != 1 or len(folded[0]) < 3 or count(folded[0]):
            continue
        candidates = list(searcher.reader().terms_within("words", folded[0], most_edits(folded[0]), prefix=1))[:25]
        best = max(((count(c), c) for c in candidates), default=(0, None))
        if best[0]:
            replace[word] = best[1]
    return unparse(parsed, replace) if replace else None


def _facets(matched: list[tuple[Leaf, set[int]]]) -> dict[str, list[tuple[str, int]]]:
    """Counts per kind, project, stage and tag of the visible matches, most frequent first."""
    counts = {name: Counter() for name in FACETS}
    for leaf, docs in matched:
        for name in FACETS[:-1]:
            counts[name].update(map(leaf.facts.values[name].__getitem__, docs))
        counts["tags"].update(chain.from_iterable(map(leaf.facts.tags.get, docs, repeat(()))))
    return ordered_facets(counts)


def _ranked(q, matched: list[tuple[Leaf, set[int]]], sort: str, limit: int) -> list[tuple[Leaf, int]]:
    """The first `limit` visible matches as Whoosh orders them: by score, ties by document number (lower first);
    or newest first, ties by document number (higher first)."""
    if not limit:  # only counted (a suggestion's check)
        return []
    if sort == "date":
        items = []
        for leaf, docs in matched:
            created = leaf.reader.column_reader("created", translate=False)
            items += [(created.sort_key(docnum), leaf.offset + docnum, leaf, docnum) for docnum in docs]
        first = heapq.nlargest(limit, items, key=lambda item: item[:2])
    else:
        items = []
        for leaf, docs in matched:
            scores = leaf.scored(q, docs)
            # only a segment's `limit` best scores (and any tied with the last) can be among the first
            floor = min(heapq.nlargest(limit, scores.values()), default=0.0)
            items += [(-score, leaf.offset + docnum, leaf, docnum) for docnum, score in scores.items()
                      if score >= floor]
        first = heapq.nsmallest(limit, items, key=lambda item: item[:2])
    return [(leaf, docnum) for _key, _number, leaf, docnum in first]


#: key of the per-generation cache entry remembering the latest searches' matches, as Solr's query result cache
#: does: a generation's documents, deletions and statistics never change, so the same query among the same access
#: keys, with the same changes waiting in the outbox, matches and ranks the same (pages, facet toggles, the same
#: popular query by members of the same projects); the next commit starts an empty one
RESULTS = "results"
#: searches remembered per generation (each keeps its counts, facets and ranked keys)
RESULTS_KEPT = 256


def _matches(searcher, cache: dict, q, parsed: ParsedQuery, visible: _Visibility, sort: str, end: int) -> Matches:
    """The visible matches of q (cache: the generation's): their count, facets, the keys of the first `end` ranked
    ones, a corrected query when nothing was found."""
    leaves = _leaves(searcher, cache)
    matched = [(leaf, docs) for leaf in leaves if (docs := visible(leaf, leaf.docs(q)))]
    total = sum(len(docs) for _leaf, docs in matched)
    found = [leaf.reader.stored_fields(docnum)["key"] for leaf, docnum in _ranked(q, matched, sort, end)]
    suggestion = _suggest(searcher, leaves, parsed, visible) if total == 0 and parsed.words else None
    return Matches(total, _facets(matched), found, suggestion)


# --- Writing ----------------------------------------------------------------------------------------------------
def apply(writer, pairs) -> int:
    """Write (key, document or None) pairs: update documents, delete keys whose document is gone.

    Pairs are merged by key first (Whoosh does not replace a document added earlier in the same
    batch), and every copy of a key is deleted (update_document would remove only the first one).
    Fields the live index's schema lacks are left out (it predates them; a rebuild adds them).
    """
    documents = dict(pairs)
    fields = set(writer.schema.names())  # an index built before a field was added lacks it until the next rebuild
    for key, document in documents.items():
        writer.delete_by_term("key", key)
        if document is not None:
            writer.add_document(**{name: value for name, value in document.items() if name in fields})
    return len(documents)


class WhooshBackend:
    """An index folder on this machine (SEARCH_INDEX_DIR), written by one indexer at a time under a file lock and
    read by a searcher per process that follows each commit."""

    def check(self, app) -> None:
        """Any database will do: the index lives in its own folder."""

    def location(self) -> str:
        """The index folder."""
        return str(index.root())

    def writer_lock(self, wait: bool = False):
        """The file lock every process takes to write (raises Busy at once unless wait)."""
        return index.writer_lock(wait)

    def write(self, pairs) -> int:
        """Write (key, document or None) pairs to the index and commit it; call with the writer lock held."""
        writer = index.writer(index.open_for_writing())
        try:
            count = apply(writer, pairs)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        return count

    def rebuild(self, documents, processes: int) -> int:
        """Build a complete new index beside the live one, then swap it in atomically; returns the document count.

        The writer lock is held throughout, so live indexing pauses: changes meanwhile wait in the
        outbox and are applied to the new index right after the swap.
        """
        with index.writer_lock(wait=True):
            folder = index.create_empty()
            writer = index.writer(whoosh_index.open_dir(str(folder)), procs=processes, multisegment=processes > 1,
                                  limitmb=128)
            count = 0
            try:
                for document in documents:
                    writer.add_document(**document)
                    count += 1
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            index.swap_in(folder)
        return count

    def stored(self) -> list[tuple[str, str]]:
        """(key, digest) of every document in the index (a key twice if it was added twice)."""
        with index.reading() as (searcher, _cache):
            fields = [] if searcher is None else searcher.reader().all_stored_fields()
            return [(document["key"], document["digest"]) for document in fields]

    def find(self, parsed: ParsedQuery, selected: dict[str, str], keys: frozenset | None, sort: str, start: int,
             end: int) -> Matches | None:
        """The index's matches among the documents with these access keys (None: any), keys of the ranked
        matches start to end; None when the query holds nothing to search for."""
        # What waits in the outbox is read before the index: a change the indexer finishes in between is then either
        # still hidden or already rewritten in what the search reads (it deletes outbox rows after its index commit).
        visible = _Visibility(keys, _pending_terms())
        with index.reading() as (searcher, cache):
            q = build_query(parsed, selected, searcher.schema) if searcher is not None else None
            if q is None:
                return None
            remembered = cache.setdefault(RESULTS, OrderedDict())
            key = (q, sort, keys, frozenset(visible.pending))
            found = remembered.pop(key, None)
            if found is None or len(found.keys) < min(end, found.total):  # new, or a deeper page than ranked so far
                found = _matches(searcher, cache, q, parsed, visible, sort, end)
            if found.total:  # nothing found is not kept: its suggestion is worded from the typed text, not from q
                remembered[key] = found  # last: the most lately used
                if len(remembered) > RESULTS_KEPT:
                    remembered.popitem(last=False)
            return Matches(found.total, found.facets, found.keys[start:end], found.suggestion)

    def probe(self) -> None:
        """The live index answers (or, before the first document, its folder is there)."""
        with index.reading() as (searcher, _cache):
            if searcher is not None:
                searcher.doc_count()
            elif not index.root().is_dir():
                raise FileNotFoundError("search index folder")
