"""Search: the query runs only over what the user may see, then every hit is checked again.

The backend (Whoosh here, or search.postgres with SEARCH_BACKEND=postgres) matches documents against
the user's access keys (`access.search_keys`, computed from the current policies) before anything is
counted, faceted, scored or suggested, so totals, facets, snippets and "did you mean" never see a
document the user may not. Documents whose source has a change waiting in the outbox are hidden until
the indexer rewrites them. Hits are then loaded from the database, checked again with the access
policy, and their snippets cut from the database text, whichever backend found them.

With Whoosh, matching works on sets of document numbers per index segment (search.docsets).
"""

import heapq
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import chain, repeat

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from whoosh import query as wq
from whoosh.analysis import RegexTokenizer

from ..access import can, search_keys
from ..accounts.models import User
from ..database import Page
from ..extensions import db
from ..forum.models import Post, Thread
from ..pipeline.models import Idea
from ..projects.models import Project
from ..specs.models import SECTIONS
from ..specs.services import current_revision
from ..text import plain_text
from . import index, postgres
from .common import FACETS, Matches, filter_values, on_postgres, ordered_facets
from .docsets import Leaf, SegmentFacts
from .models import SearchOutbox
from .query import ParsedQuery, parse, unparse
from .schema import ANALYZERS, LANGUAGES, WORDS_ANALYZER, positional

PER_PAGE = 20
MAX_PAGE = 50
SORTS = ("relevance", "date")
SNIPPET_CHARS = 220
KIND_LABELS = {"idea": _l("Ideas"), "project": _l("Projects"), "spec": _l("Specifications"), "post": _l("Forum posts"),
               "person": _l("People")}
HIT_LABELS = {"idea": _l("Idea"), "project": _l("Project"), "spec": _l("Specification"), "post": _l("Forum post"),
              "person": _l("Member")}


@dataclass
class Hit:
    """One result as displayed: what it is, where it lives, and the passage that matched."""

    kind: str
    title: str
    url: str
    snippet: Markup
    created: datetime
    project: Project | None = None
    stage: str = ""


@dataclass
class SearchResults:
    """A page of results with its facets, total and suggestions."""

    parsed: ParsedQuery
    page: Page
    facets: dict = field(default_factory=dict)
    suggestion: str | None = None


def _tokens(language: str, text: str) -> list[str]:
    return [t.text for t in ANALYZERS[language](text)]


@lru_cache(maxsize=20_000)
def _fold(text: str) -> list[str]:
    return [t.text for t in WORDS_ANALYZER(text)]


def _phrase_field(fieldname: str, schema) -> str:
    """Where phrases of fieldname are looked for: its positional twin (an index built before the twins existed
    kept positions in the field itself)."""
    twin = positional(fieldname)
    return twin if schema is None or twin in schema else fieldname


def _text_query(text: str, prefix: bool = False, schema=None):
    """A word or phrase in any language's title or body (None when it is only common words)."""
    options = []
    folded = _fold(text)
    for language in LANGUAGES:
        tokens = _tokens(language, text)
        if not tokens:
            continue
        slop = 1 + len(folded) - len(tokens)  # common words left out of a phrase still take their place
        for fieldname in (f"title_{language}", f"body_{language}"):
            options.append(wq.Term(fieldname, tokens[0]) if len(tokens) == 1
                           else wq.Phrase(_phrase_field(fieldname, schema), tokens, slop))
    if prefix and len(folded) == 1 and len(folded[0]) >= 3:
        options.append(wq.Prefix("words", folded[0]))
    return wq.Or(options) if options else None


def _filter_terms(name: str, values: list[str]):
    """A field filter as a query: values of one filter are alternatives."""
    fieldname, accepted = filter_values(name, values)
    return wq.Or([wq.Term(fieldname, value) for value in accepted]) if accepted else wq.NullQuery


def build_query(parsed: ParsedQuery, selected: dict[str, str], schema=None):
    """The Whoosh query for a parsed search plus the facet values picked on the page (schema: the live index's)."""
    required = [_text_query(w, prefix=(w == parsed.prefix and i == len(parsed.words) - 1), schema=schema)
                for i, w in enumerate(parsed.words)]
    required += [_text_query(p, schema=schema) for p in parsed.phrases]
    required = [q for q in required if q is not None]
    if not required and (parsed.words or parsed.phrases) and not parsed.filters:
        return None  # only words too common to search for
    required += [_filter_terms(name, values) for name, values in parsed.filters.items()]
    required += [wq.Term(name, value) for name, value in selected.items() if value]
    combined = wq.And(required) if required else wq.Every()
    excluded = [q for q in (_text_query(text, schema=schema) for text in parsed.excluded) if q is not None]
    excluded += [_filter_terms(name, values) for name, values in parsed.excluded_filters.items()]
    for unwanted in excluded:  # one AndNot each: Whoosh drops matches when an Or of keyword terms is excluded
        combined = wq.AndNot(combined, unwanted)
    return combined


#: outbox kind -> the index term of the documents a waiting change may make stale
_PENDING_TERMS = {"idea": lambda i: ("idea", str(i)), "idea_all": lambda i: ("idea", str(i)),
                  "post": lambda i: ("key", f"post:{i}"), "thread": lambda i: ("thread", str(i)),
                  "user": lambda i: ("key", f"person:{i}"), "project": lambda i: ("key", f"project:{i}")}


def _pending_terms() -> set[tuple[str, str]]:
    """Terms of the documents whose source changed and waits in the outbox: their access key may be stale."""
    rows = db.session.execute(select(SearchOutbox.kind, SearchOutbox.object_id).limit(10_000)).all()
    return {_PENDING_TERMS[kind](object_id) for kind, object_id in rows if kind in _PENDING_TERMS}


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
        return sum(len(visible(leaf, leaf.docs(wq.Term("words", word)))) for leaf in leaves)

    replace = {}
    for word in parsed.words:
        folded = _fold(word)
        if len(folded) != 1 or len(folded[0]) < 3 or count(folded[0]):
            continue
        distance = 1 if len(folded[0]) <= 5 else 2
        candidates = list(searcher.reader().terms_within("words", folded[0], distance, prefix=1))[:25]
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
    if sort == "date":
        items = []
        for leaf, docs in matched:
            created = leaf.reader.column_reader("created", translate=False)
            items += [(created.sort_key(docnum), leaf.offset + docnum, leaf, docnum) for docnum in docs]
        first = heapq.nlargest(limit, items, key=lambda item: item[:2])
    else:
        items = [(-score, leaf.offset + docnum, leaf, docnum) for leaf, docs in matched
                 for docnum, score in leaf.scored(q, docs).items()]
        first = heapq.nsmallest(limit, items, key=lambda item: item[:2])
    return [(leaf, docnum) for _key, _number, leaf, docnum in first]


def search(user, text: str, selected: dict[str, str] | None = None, sort: str = "relevance",
           page: int = 1, per_page: int = PER_PAGE, typing: bool = False) -> SearchResults:
    """Search what the user may see; `selected` holds facet picks (kind, project, stage, tags); while typing,
    the last word also matches as a prefix."""
    parsed = parse(text, typing)
    page = min(max(page, 1), MAX_PAGE)
    results = SearchResults(parsed, Page([], page, per_page, 0, False, False))
    selected = {k: v for k, v in (selected or {}).items() if k in FACETS and v}
    if not parsed.searchable:
        return results
    find = postgres.find if on_postgres() else _find
    matches = find(parsed, selected, search_keys(user), sort, (page - 1) * per_page, page * per_page)
    if matches is None:
        return results
    results.facets, results.suggestion = matches.facets, matches.suggestion
    shown = min(matches.total, MAX_PAGE * per_page)  # deeper pages are not served: refine the search instead
    results.page = Page(_hits(user, matches.keys, parsed), page, per_page, shown, matches.total > shown,
                        shown > page * per_page)
    return results


def _find(parsed: ParsedQuery, selected: dict[str, str], keys: frozenset | None, sort: str, start: int,
          end: int) -> Matches | None:
    """The Whoosh index's matches among the documents with these access keys (None: any), keys of the ranked
    matches start to end; None when the query holds nothing to search for."""
    # What waits in the outbox is read before the index: a change the indexer finishes in between is then either
    # still hidden or already rewritten in what the search reads (it deletes outbox rows after its index commit).
    visible = _Visibility(keys, _pending_terms())
    with index.reading() as (searcher, cache):
        q = build_query(parsed, selected, searcher.schema) if searcher is not None else None
        if q is None:
            return None
        leaves = _leaves(searcher, cache)
        matched = [(leaf, docs) for leaf in leaves if (docs := visible(leaf, leaf.docs(q)))]
        total = sum(len(docs) for _leaf, docs in matched)
        listed = _ranked(q, matched, sort, end)[start:]
        found = [leaf.reader.stored_fields(docnum)["key"] for leaf, docnum in listed]
        suggestion = _suggest(searcher, leaves, parsed, visible) if total == 0 and parsed.words else None
        return Matches(total, _facets(matched), found, suggestion)


def _load(keys: list[str]) -> dict[str, object]:
    """The objects behind result keys, a query per kind."""
    ids: dict[str, list[int]] = {}
    for key in keys:
        kind, object_id = key.split(":")
        ids.setdefault(kind, []).append(int(object_id))
    loaded = {}
    for kind, model in (("idea", Idea), ("spec", Idea), ("project", Project), ("post", Post), ("person", User)):
        if ids.get(kind):
            query = select(model).where(model.id.in_(ids[kind])).options(*_EAGER.get(kind, ()))
            for obj in db.session.scalars(query):
                loaded[f"{kind}:{obj.id}"] = obj
    return loaded


#: what each kind of hit displays and checks, loaded with it rather than one query per hit
_EAGER = {"idea": (joinedload(Idea.project),), "spec": (joinedload(Idea.project),),
          "post": (joinedload(Post.thread).joinedload(Thread.idea).joinedload(Idea.project),
                   joinedload(Post.thread).joinedload(Thread.own_project))}


def _hits(user, keys: list[str], parsed: ParsedQuery) -> list[Hit]:
    """Displayable hits, each checked again with the access policy (a stale index never shows more)."""
    loaded = _load(keys)
    marks = _Highlight(parsed)
    hits = []
    for key in keys:
        obj = loaded.get(key)
        kind = key.split(":")[0]
        if obj is None:
            continue
        if kind == "idea" and can(user, "idea.view", obj):
            hits.append(Hit(kind, obj.title, url_for("pipeline.show", idea_id=obj.id),
                            _snippet(f"{obj.summary}\n{obj.body}", marks), obj.created_at, obj.project, obj.stage))
        elif kind == "spec" and can(user, "spec.view", obj) and (revision := current_revision(obj)):
            text = "\n".join(revision.section(name) for name in SECTIONS)
            hits.append(Hit(kind, obj.title, url_for("specs.show", idea_id=obj.id), _snippet(text, marks),
                            revision.created_at, obj.project, obj.stage))
        elif kind == "project" and can(user, "project.view", obj):
            hits.append(Hit(kind, obj.title, url_for("projects.show", slug=obj.slug),
                            _snippet(f"{obj.summary}\n{obj.description}", marks), obj.created_at, obj))
        elif kind == "post" and can(user, "post.view", obj) and not obj.pending and obj.hidden_at is None:
            thread = obj.thread
            hits.append(Hit(kind, thread.title, url_for("forum.thread", thread_id=thread.id) + f"#post-{obj.id}",
                            _snippet(obj.body, marks), obj.created_at, thread.project,
                            thread.idea.stage if thread.idea_id else ""))
        elif kind == "person" and not obj.banned:
            hits.append(Hit(kind, obj.display_name, url_for("accounts.profile", user_id=obj.id),
                            _snippet(f"{obj.skills}\n{obj.bio}", marks), obj.created_at))
    return hits


class _Highlight:
    """What to mark in snippets: words sharing a stem with the query's words and phrases, or starting with the
    typed prefix (each distinct word decided once per search)."""

    def __init__(self, parsed: ParsedQuery):
        self.stems = frozenset(token for text in parsed.words + parsed.phrases for language in LANGUAGES
                               for token in _tokens(language, text))
        prefix = _fold(parsed.prefix) if parsed.prefix else []
        self.prefix = prefix[0] if len(prefix) == 1 and len(prefix[0]) >= 3 else None
        self._marked: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        marked = self._marked.get(word)
        if marked is None:
            folded = _fold(word) if self.prefix else []
            marked = self._marked[word] = (not _stems(word).isdisjoint(self.stems)
                                           or bool(folded and folded[0].startswith(self.prefix)))
        return marked


@lru_cache(maxsize=50_000)
def _stems(word: str) -> frozenset:
    return frozenset(token for language in LANGUAGES for token in _tokens(language, word))


_WORD = RegexTokenizer().expression


def _snippet(text: str, marks: _Highlight) -> Markup:
    """About SNIPPET_CHARS of text around the first match, matches in <mark>, everything escaped."""
    text = " ".join(plain_text(text[:20_000]).split())
    matches, start, end = [], 0, None
    for token in _WORD.finditer(text):  # the words as the index's tokenizer cuts them
        if end is not None and token.end() > end:
            break  # past the snippet: the words after it need no stemming
        if marks(token.group()):
            matches.append(token.span())
            if end is None:  # the first match places the snippet
                start = max(0, token.start() - 60)
                if start:
                    start = text.find(" ", start) + 1 or start
                end = min(len(text), start + SNIPPET_CHARS)
    if end is None:
        end = min(len(text), SNIPPET_CHARS)
    html, position = [], start
    for begin, finish in matches:
        if begin < start or finish > end:
            continue
        html += [escape(text[position:begin]), Markup("<mark>"), escape(text[begin:finish]), Markup("</mark>")]
        position = finish
    html.append(escape(text[position:end]))
    return Markup(("…" if start else "") + "".join(html).strip() + ("…" if end < len(text) else ""))
