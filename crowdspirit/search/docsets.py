"""Whoosh queries answered with sets of document numbers, one segment at a time.

Whoosh's matchers step through the postings of every query term in Python, about a microsecond per
posting, so two common words over 300,000 documents take tens of milliseconds before any result is
chosen. Here each term's postings are read a block at a time into a list, the query's boolean
structure (And, Or, AndNot, terms, prefixes) becomes set operations, and only the documents left
are checked (access, deletions) and scored. Scoring builds Whoosh's own matchers with its weighting
over postings cut down to those documents and adds their scores up as those matchers do, so scores
and ranking are exactly Whoosh's. Queries of other shapes (phrases) are matched by Whoosh's
matchers over the same postings.

A segment never changes once written (only its deletions grow, read per search), so the postings of
the terms searched lately and the field lengths scoring reads are kept with the segment's facts
across searches: a common word is unpacked once, not on every search.

Block reading relies on the layout of Whoosh 2.7's W3 codec (a pickled tuple of delta-encoded ids,
weights and values per block; a byte per document for field lengths); any other matcher or length
store is read through the public API.
"""

import zlib
from array import array
from bisect import bisect_left
from collections import OrderedDict
from itertools import accumulate
from pickle import loads

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import NumericColumn
from whoosh.matching import AndNotMatcher, IntersectionMatcher, ListMatcher, NullMatcher, UnionMatcher, WrappingMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import BM25FScorer, WeightLengthScorer
from whoosh.util.numeric import byte_to_length


class Postings:
    """One term's postings in one segment: sorted document numbers, weights (None: all 1.0), values (or None).

    Numbers and weights are kept in arrays: as Python ints and floats, the tens of thousands a search reads
    would take fresh memory from the system on each search (hundreds of page faults).
    """

    __slots__ = ("ids", "weights", "values")

    def __init__(self, ids, weights, values: list | None):
        self.ids, self.weights, self.values = ids, weights, values

    def within(self, docs: set, ordered: list) -> tuple:
        """(ids, weights, values) of the postings of the given documents (ordered: the same, sorted)."""
        ids = self.ids
        if len(ordered) * 6 < len(ids):  # few documents: look each one up (a lookup costs about six steps of a scan)
            count, at = len(ids), 0
            places = []
            for docnum in ordered:
                at = bisect_left(ids, docnum, at)
                if at < count and ids[at] == docnum:
                    places.append(at)
        else:
            places = [at for at, docnum in enumerate(ids) if docnum in docs]
        return ([ids[at] for at in places], self.weights and [self.weights[at] for at in places],
                self.values and [self.values[at] for at in places])


def read_postings(reader, fieldname: str, btext: bytes, values: bool = False) -> Postings:
    """All postings of a term in a segment reader, deleted documents included (callers drop those)."""
    matcher = reader.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):  # the reader's wrapper hiding deleted documents
        matcher = matcher.child
    if type(matcher) is W3LeafMatcher:
        return _read_blocks(matcher, reader.schema[fieldname].format if values else None)
    ids, weights, found = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if values:
            found.append(matcher.value())
        matcher.next()
    return Postings(ids, weights, found if values else None)


def _read_blocks(matcher, value_format) -> Postings:
    """A W3 leaf matcher's postings read a block at a time (what its own _read_ids/_read_weights do)."""
    ids, weights, values = array("I"), None, [] if value_format is not None else None
    size = value_format.fixed_value_size() if value_format is not None else None
    postfile = matcher._postfile
    while True:
        data = postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
        block_ids, block_weights, block_values = loads(zlib.decompress(data) if matcher._compression else data)
        count = len(ids)
        ids.extend(block_ids if matcher._byteids else accumulate(block_ids))
        length = len(ids) - count
        if block_weights is not None or weights is not None:
            if weights is None:
                weights = array("d", [1.0] * count)
            if block_weights is None:
                weights.extend([1.0] * length)
            elif isinstance(block_weights, float):
                weights.extend([block_weights] * length)
            else:
                weights.extend(block_weights)
        if values is not None:
            if size is None or size < 0:
                values.extend(block_values)
            elif size == 0:
                values.extend([None] * length)
            else:
                values.extend(block_values[at:at + size] for at in range(0, length * size, size))
        if matcher._lastblock:
            return Postings(ids, weights, values)
        matcher._goto(matcher._nextoffset)


class SegmentFacts:
    """What never changes in a segment, read once from its postings: each document's access key and facet
    values, the field lengths scoring reads, and the postings of the terms searched most lately. (A segment's
    documents are immutable; only its deletions grow, and those are read per search.)"""

    FIELDS = ("access", "kind", "project", "stage")
    #: bytes of postings kept per document of the segment (a posting takes 12 or, with positions, about 70): at most
    #: 80 MB per process at 330,000 documents (an index of 600 MB); on the search bench's full set, the member's p50
    #: over 200 queries read 28.8 ms keeping nothing, 20.9 keeping 64 bytes, 19.3 keeping 256
    KEPT_PER_DOCUMENT = 256

    def __init__(self, reader):
        count = reader.doc_count_all()
        self.values: dict[str, list[str]] = {}
        for fieldname in self.FIELDS:
            column = [""] * count
            for text in reader.field_terms(fieldname):
                for docnum in read_postings(reader, fieldname, text).ids:
                    column[docnum] = text
            self.values[fieldname] = column
        self.tags: dict[int, list[str]] = {}
        for text in reader.field_terms("tags"):
            for docnum in read_postings(reader, "tags", text).ids:
                self.tags.setdefault(docnum, []).append(text)
        self._kept: OrderedDict[tuple[str, bytes], Postings | None] = OrderedDict()
        self._kept_bytes, self._budget = 0, max(count, 1024) * self.KEPT_PER_DOCUMENT
        self._lengths: dict[str, bytes | None] = {}

    def postings(self, reader, fieldname: str, btext: bytes, values: bool) -> Postings | None:
        """A term's postings (None when the segment lacks it): read once, then kept while searches use them (the
        least lately used make room past the budget)."""
        key = (fieldname, btext)
        kept = self._kept
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
        found = kept[key] = read_postings(reader, fieldname, btext, values) if key in reader else None
        self._kept_bytes += _size(found)
        while self._kept_bytes > self._budget and len(kept) > 1:
            self._kept_bytes -= _size(kept.popitem(last=False)[1])
        return found

    def length_bytes(self, reader, fieldname: str) -> bytes | None:
        """A field's length column, one byte per document as the W3 codec writes it (read once); None when the
        reader stores lengths otherwise or not at all."""
        if fieldname not in self._lengths:
            perdoc = getattr(reader, "_perdoc", None)
            column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) if perdoc is not None else None
            self._lengths[fieldname] = (column._dbfile.get(column._basepos, column._count).ljust(
                reader.doc_count_all(), b"\0") if type(column) is NumericColumn.Reader and column._typecode == "B"
                else None)
        return self._lengths[fieldname]


def _size(postings: Postings | None) -> int:
    """About how many bytes kept postings take."""
    if postings is None:
        return 64
    return len(postings.ids) * (12 if postings.values is None else 70)


class Leaf:
    """One segment during one search: its searcher, offset, facts, and the postings read so far."""

    def __init__(self, searcher, offset: int, facts: SegmentFacts):
        self.searcher, self.offset, self.facts = searcher, offset, facts
        self.reader = searcher.reader()
        self.context = searcher.context(needs_current=True)
        self._lengths: dict[str, Lengths] = {}

    def lengths(self, fieldname: str) -> "Lengths":
        """Field lengths of the segment's documents (every term of the field scores with them)."""
        if fieldname not in self._lengths:
            self._lengths[fieldname] = Lengths(self.facts.length_bytes(self.reader, fieldname), self.searcher,
                                               fieldname)
        return self._lengths[fieldname]

    def term(self, fieldname: str, text) -> Postings | None:
        """A term's postings (None when the segment lacks it), kept by the segment's facts."""
        schema = self.reader.schema
        if fieldname not in schema:
            return None
        btext = text if isinstance(text, bytes) else schema[fieldname].to_bytes(text)
        return self.facts.postings(self.reader, fieldname, btext, schema[fieldname].format.supports("positions"))

    def docs(self, q, within: set[int] | None = None) -> set[int]:
        """The segment's documents matching q (deleted ones included), among `within` when given: a term's
        postings are then only looked up in that set, never made into a set of their own."""
        kind = type(q)  # exact types: subclasses (Ordered, Require...) mean more than the set operation
        if kind is wq.Term:
            postings = self.term(q.fieldname, q.text)
            if not postings:
                return set()
            return set(postings.ids) if within is None else within.intersection(postings.ids)
        if kind is wq.And:  # the rarest part first, then each other part only among what is left
            for sub in sorted(q.subqueries, key=lambda s: s.estimate_size(self.reader)):
                within = self.docs(sub, within)
                if not within:
                    return set()
            return within if within is not None else set()
        if kind is wq.Or or isinstance(q, wq.MultiTerm):  # prefixes match any of the words they expand to
            subs = q.subqueries if kind is wq.Or else [wq.Term(*term) for term in q.expanded_terms(self.reader)]
            found = set()
            for sub in subs:
                if type(sub) is wq.Term and within is None:  # straight from the postings: no set per term
                    postings = self.term(sub.fieldname, sub.text)
                    found.update(postings.ids if postings else ())
                else:
                    found |= self.docs(sub, within)
            return found
        if kind is wq.AndNot:
            found = self.docs(q.a, within)
            return found - self.docs(q.b, found) if found else found
        if q is wq.NullQuery:
            return set()
        return set(q.matcher(_Within(self, within), self.context).all_ids())  # phrases and the rest: Whoosh's matcher

    def scored(self, q, docs: set[int]) -> dict[int, float]:
        """The score of each of the given documents, all of which match q, as Whoosh scores them."""
        return _scores(q.matcher(_Within(self, docs), self.context).replace())  # replace: drops empty parts


def _scores(matcher) -> dict[int, float]:
    """Every document of a matcher with its score: Whoosh's own and/or/and-not/boost matchers are combined a
    whole set at a time, adding in the order they add, so the sums are theirs to the last bit; any other
    matcher (leaves, phrases) is stepped through as Whoosh steps through it."""
    kind = type(matcher)
    if kind is _TermMatcher:
        return matcher.scores()
    if kind is IntersectionMatcher or kind is UnionMatcher:
        a, b = _scores(matcher.a), _scores(matcher.b)
        both = {docnum: a[docnum] + b[docnum] for docnum in a.keys() & b.keys()}
        return both if kind is IntersectionMatcher else {**a, **b, **both}
    if kind is AndNotMatcher:
        a, b = _scores(matcher.a), _scores(matcher.b)
        return {docnum: score for docnum, score in a.items() if docnum not in b}
    if kind is WrappingMatcher:
        boost = matcher.boost
        return {docnum: score * boost for docnum, score in _scores(matcher.child).items()}
    scores = {}
    while matcher.is_active():
        scores[matcher.id()] = matcher.score()
        matcher.next()
    return scores


class _Within:
    """A segment searcher whose postings hold only the given documents (all of them when docs is None)."""

    def __init__(self, leaf: Leaf, docs: set | None):
        self._leaf, self._docs = leaf, docs
        self._ordered = sorted(docs) if docs is not None else None

    def __getattr__(self, name):
        return getattr(self._leaf.searcher, name)

    def postings(self, fieldname, text, weighting=None, qf=1):
        """What Searcher.postings returns (same scorer, hence same scores), over the chosen documents only."""
        searcher = self._leaf.searcher
        postings = self._leaf.term(fieldname, text)
        if postings is None:
            return NullMatcher()
        ids, weights, values = ((postings.ids, postings.weights, postings.values) if self._docs is None
                                else postings.within(self._docs, self._ordered))
        scorer = (weighting or searcher.weighting).scorer(searcher, fieldname, text, qf=qf)
        lengths = None
        if isinstance(scorer, WeightLengthScorer):  # BM25F: the segment's lengths, read once for all terms
            lengths = self._leaf.lengths(fieldname)
            scorer.dfl = lengths.__getitem__
        matcher = _TermMatcher(ids, weights, values, format=searcher.schema[fieldname].format, scorer=scorer,
                               term=(fieldname, text))
        matcher.lengths = lengths
        return matcher


class _TermMatcher(ListMatcher):
    """A term's postings over the chosen documents, which can also score them all at once."""

    lengths: "Lengths | None" = None

    def scores(self) -> dict[int, float]:
        """Each document's score, as score() would give it one document at a time."""
        scorer, lengths = self._scorer, self.lengths
        if lengths is not None:  # BM25F: score(m) is _score(m.weight(), dfl(m.id()))
            pairs = zip(self._ids, self._weights or [1.0] * len(self._ids), strict=True)
            score = scorer._score
            if lengths.bytes is None:
                return {docnum: score(weight, lengths[docnum]) for docnum, weight in pairs}
            column, decoded = lengths.bytes, _LENGTH_OF_BYTE
            if type(scorer) is BM25FScorer:  # Whoosh's bm25() inlined, its operations in its order: the same floats
                idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
                k1_plus_1, one_minus_b = k1 + 1, 1 - b
                return {docnum: idf * ((weight * k1_plus_1) / (weight + k1 * (one_minus_b + b * decoded[column[docnum]]
                                                                               / avgfl)))
                        for docnum, weight in pairs}
            return {docnum: score(weight, decoded[column[docnum]]) for docnum, weight in pairs}
        scores = {}
        while self.is_active():
            scores[self.id()] = self.score()
            self.next()
        return scores


#: a length byte's length as Whoosh reads it back (a zero byte reads as None: the field is empty)
_LENGTH_OF_BYTE = (None, *(byte_to_length(byte) for byte in range(1, 256)))


class Lengths:
    """A field's document lengths, as the scorers read them (searcher.doc_field_length, default 1): decoded from
    the segment's length bytes when given, else asked of the searcher."""

    __slots__ = ("bytes", "searcher", "fieldname")

    def __init__(self, column: bytes | None, searcher, fieldname: str):
        self.bytes, self.searcher, self.fieldname = column, searcher, fieldname

    def __getitem__(self, docnum: int) -> int | None:
        if self.bytes is None:
            return self.searcher.doc_field_length(docnum, self.fieldname, 1)
        return _LENGTH_OF_BYTE[self.bytes[docnum]]
