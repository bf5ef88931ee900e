"""Whoosh queries answered with sets of document numbers, one segment at a time.

Whoosh's matchers step through the postings of every query term in Python, about a microsecond per
posting, so two common words over 300,000 documents take tens of milliseconds before any result is
chosen. Here each term's postings are read a block at a time into a list, the query's boolean
structure (And, Or, AndNot, terms, prefixes) becomes set operations, and only the documents left
are checked (access, deletions) and scored. Scoring builds Whoosh's own matchers with its weighting
over postings cut down to those documents and adds their scores up as those matchers do, so scores
and ranking are exactly Whoosh's. Queries of other shapes (phrases) are matched by Whoosh's
matchers over the same postings.

Block reading relies on the layout of Whoosh 2.7's W3 codec (a pickled tuple of delta-encoded ids,
weights and values per block); any other matcher is read posting by posting through the public API.
"""

import zlib
from array import array
from bisect import bisect_left
from itertools import accumulate
from pickle import loads

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import AndNotMatcher, IntersectionMatcher, ListMatcher, NullMatcher, UnionMatcher, WrappingMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import WeightLengthScorer


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
        if len(ordered) * 16 < len(ids):  # few documents: look each one up
            count = len(ids)
            places = []
            for docnum in ordered:
                at = bisect_left(ids, docnum)
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
    values. (A segment's documents are immutable; only its deletions grow, and those are read per search.)"""

    FIELDS = ("access", "kind", "project", "stage")

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


class Leaf:
    """One segment during one search: its searcher, offset, facts, and the postings read so far."""

    def __init__(self, searcher, offset: int, facts: SegmentFacts):
        self.searcher, self.offset, self.facts = searcher, offset, facts
        self.reader = searcher.reader()
        self.context = searcher.context(needs_current=True)
        self._postings: dict[tuple[str, bytes], Postings | None] = {}
        self._lengths: dict[str, _Lengths] = {}

    def lengths(self, fieldname: str) -> "_Lengths":
        """Field lengths of documents, looked up once per search (every term of the field scores with them)."""
        if fieldname not in self._lengths:
            self._lengths[fieldname] = _Lengths(self.searcher, fieldname)
        return self._lengths[fieldname]

    def term(self, fieldname: str, text) -> Postings | None:
        """A term's postings (None when the segment lacks it), read once per search."""
        schema = self.reader.schema
        if fieldname not in schema:
            return None
        btext = text if isinstance(text, bytes) else schema[fieldname].to_bytes(text)
        key = (fieldname, btext)
        if key not in self._postings:
            self._postings[key] = (read_postings(self.reader, fieldname, btext,
                                                 values=schema[fieldname].format.supports("positions"))
                                   if key in self.reader else None)
        return self._postings[key]

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
        if isinstance(scorer, WeightLengthScorer):  # BM25F: the same lengths, each read once for all terms
            scorer.dfl = self._leaf.lengths(fieldname).__getitem__
        return _TermMatcher(ids, weights, values, format=searcher.schema[fieldname].format, scorer=scorer,
                            term=(fieldname, text))


class _TermMatcher(ListMatcher):
    """A term's postings over the chosen documents, which can also score them all at once."""

    def scores(self) -> dict[int, float]:
        """Each document's score, as score() would give it one document at a time."""
        scorer = self._scorer
        if isinstance(scorer, WeightLengthScorer):  # score(m) is _score(m.weight(), dfl(m.id()))
            score, length = scorer._score, scorer.dfl
            return {docnum: score(weight, length(docnum))
                    for docnum, weight in zip(self._ids, self._weights or [1.0] * len(self._ids), strict=True)}
        scores = {}
        while self.is_active():
            scores[self.id()] = self.score()
            self.next()
        return scores


class _Lengths(dict):
    """A field's document lengths, as the scorers read them (searcher.doc_field_length, default 1), read on use."""

    def __init__(self, searcher, fieldname: str):
        super().__init__()
        self.searcher, self.fieldname = searcher, fieldname

    def __missing__(self, docnum: int) -> int:
        length = self[docnum] = self.searcher.doc_field_length(docnum, self.fieldname, 1)
        return length
