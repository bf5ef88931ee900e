"""Search: the query runs only over what the user may see, then every hit is checked again.

Access keys (`access.search_keys`, computed from the current policies) become a set of allowed
(or, when smaller, denied) document numbers, cached per searcher generation, and Whoosh applies it
while matching: totals, facets, snippets and "did you mean" never see a document the user may not.
Documents whose source has a change waiting in the outbox are hidden until the indexer rewrites them.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from whoosh import query as wq
from whoosh import sorting
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
from . import index
from .models import SearchOutbox
from .query import ParsedQuery, parse, unparse
from .schema import ANALYZERS, LANGUAGES, WORDS_ANALYZER, positional

PER_PAGE = 20
MAX_PAGE = 50
SORTS = ("relevance", "date")
FACETS = ("kind", "project", "stage", "tags")
#: what `type:` accepts, besides the kinds themselves
KIND_ALIASES = {"ideas": "idea", "projects": "project", "specs": "spec", "specification": "spec", "posts": "post",
                "forum": "post", "people": "person", "member": "person", "members": "person", "user": "person"}
STAGE_ALIASES = {"rnd": "partner_rnd", "r&d": "partner_rnd", "voting": "vote", "specification": "spec"}
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
    if name == "tag":
        terms = [wq.Term("tags", v) for v in values]
    elif name == "stage":
        terms = [wq.Term("stage", STAGE_ALIASES.get(v, v)) for v in values]
    elif name == "type":
        terms = [wq.Term("kind", KIND_ALIASES.get(v, v)) for v in values]
    elif name == "project":
        ids = db.session.scalars(select(Project.id).where(Project.slug.in_(values)))
        terms = [wq.Term("project", str(i)) for i in ids]
    else:  # author: members whose name contains the text (names are public, on profiles)
        ids = db.session.scalars(select(User.id).where(
            or_(*[func.lower(User.display_name).contains(v, autoescape=True) for v in values])).limit(50))
        terms = [wq.Term("author", str(i)) for i in ids]
    return wq.Or(terms) if terms else wq.NullQuery


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
CACHE_ENTRIES = 64  # access sets kept per index generation (one per distinct set of access keys)


def _postings(reader, terms) -> set:
    docs = set()
    for term in terms:
        if term in reader:
            docs.update(reader.postings(*term).all_ids())
    return docs


def _waiting_docs(reader) -> set:
    """Documents whose source changed and waits in the outbox: their access key may be stale, so they hide."""
    rows = db.session.execute(select(SearchOutbox.kind, SearchOutbox.object_id).limit(10_000)).all()
    return _postings(reader, {_PENDING_TERMS[kind](object_id) for kind, object_id in rows if kind in _PENDING_TERMS})


def _access_docs(searcher, cache: dict, user):
    """(filter, mask) document sets restricting a search to what the user may see (None, None: all)."""
    keys = search_keys(user)
    if keys is None:
        return None, None
    reader = searcher.reader()
    if "access" not in cache:
        cache["access"] = {term: reader.doc_frequency("access", term) for term in reader.field_terms("access")}
    frequencies = cache["access"]
    allowed = frozenset(term for term in frequencies if term in keys)
    denied = frozenset(frequencies) - allowed
    use_mask = sum(frequencies[t] for t in denied) < sum(frequencies[t] for t in allowed)
    terms = denied if use_mask else allowed
    key = ("mask" if use_mask else "filter", terms)
    if key not in cache:
        if len(cache) > CACHE_ENTRIES:
            cache.clear()
            cache["access"] = frequencies
        cache[key] = _postings(reader, {("access", term) for term in terms})
    waiting = _waiting_docs(reader)
    if use_mask:
        return None, cache[key] | waiting if waiting else cache[key]
    return (cache[key] - waiting if waiting else cache[key]), None


class _TagsCategorizer(sorting.OverlappingCategorizer):
    """Whoosh rebuilds every document's tag list on each faceted search; segments never change, so keep them."""

    lists: dict = {}

    def set_searcher(self, segment_searcher, docoffset):
        reader = segment_searcher.reader()
        key = (str(index.root()), reader.segment().segment_id())
        if key not in self.lists:
            if len(self.lists) > 256:
                self.lists.clear()
            tags: dict[int, list[str]] = {}
            for text in reader.field_terms(self._fieldname):
                for docnum in reader.postings(self._fieldname, text).all_ids():
                    tags.setdefault(docnum, []).append(text)
            self.lists[key] = tags
        self._tags = self.lists[key]

    def keys_for(self, matcher, docid):
        return self._tags.get(docid) or [None]


class _TagsFacet(sorting.FieldFacet):
    """Counts per tag (a document has several)."""

    def __init__(self):
        super().__init__("tags", allow_overlap=True)

    def categorizer(self, global_searcher):
        return _TagsCategorizer(global_searcher, self.fieldname)


def _visible_count(searcher, q, allowed, denied) -> int:
    """How many visible documents match (one pass: without optimize=False Whoosh matches twice to count)."""
    return len(searcher.search(q, limit=1, filter=allowed, mask=denied, optimize=False))


def _suggest(searcher, parsed: ParsedQuery, allowed, denied) -> str | None:
    """A corrected query built from words the user may see, for words that find nothing visible."""
    reader = searcher.reader()
    replace = {}
    for word in parsed.words:
        folded = _fold(word)
        if len(folded) != 1 or len(folded[0]) < 3 or _visible_count(searcher, wq.Term("words", folded[0]),
                                                                     allowed, denied):
            continue
        candidates = list(reader.terms_within("words", folded[0], 1 if len(folded[0]) <= 5 else 2, prefix=1))[:25]
        counted = [(_visible_count(searcher, wq.Term("words", c), allowed, denied), c) for c in candidates]
        best = max(counted, default=(0, None))
        if best[0]:
            replace[word] = best[1]
    return unparse(parsed, replace) if replace else None


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
    with index.reading() as (searcher, cache):
        q = build_query(parsed, selected, searcher.schema) if searcher is not None else None
        if q is None:
            return results
        allowed, denied = _access_docs(searcher, cache, user)
        if allowed is not None and not allowed:
            return results  # an empty filter means "no filter" to Whoosh: nothing is visible, say so
        facets = sorting.Facets()
        for name in FACETS[:-1]:
            facets.add_field(name)
        facets.add_facet("tags", _TagsFacet())
        found = searcher.search(q, limit=page * per_page, filter=allowed, mask=denied, groupedby=facets,
                                maptype=sorting.Count, sortedby="created" if sort == "date" else None,
                                reverse=(sort == "date"))
        total = len(found)
        results.facets = {name: sorted(((value, count) for value, count in found.groups(name).items() if value),
                                       key=lambda item: (-item[1], item[0])) for name in FACETS}
        keys = [hit["key"] for hit in found[(page - 1) * per_page:page * per_page]]
        if total == 0 and parsed.words:
            results.suggestion = _suggest(searcher, parsed, allowed, denied)
    shown = min(total, MAX_PAGE * per_page)  # deeper pages are not served: refine the search instead
    results.page = Page(_hits(user, keys, parsed), page, per_page, shown, total > shown, shown > page * per_page)
    return results


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
_EAGER = {"idea": (selectinload(Idea.project),), "spec": (selectinload(Idea.project),),
          "post": (selectinload(Post.thread).selectinload(Thread.idea).selectinload(Idea.project),
                   selectinload(Post.thread).selectinload(Thread.own_project))}


def _hits(user, keys: list[str], parsed: ParsedQuery) -> list[Hit]:
    """Displayable hits, each checked again with the access policy (a stale index never shows more)."""
    loaded = _load(keys)
    terms = _highlight_terms(parsed)
    hits = []
    for key in keys:
        obj = loaded.get(key)
        kind = key.split(":")[0]
        if obj is None:
            continue
        if kind == "idea" and can(user, "idea.view", obj):
            hits.append(Hit(kind, obj.title, url_for("pipeline.show", idea_id=obj.id),
                            _snippet(f"{obj.summary}\n{obj.body}", terms), obj.created_at, obj.project, obj.stage))
        elif kind == "spec" and can(user, "spec.view", obj) and (revision := current_revision(obj)):
            text = "\n".join(revision.section(name) for name in SECTIONS)
            hits.append(Hit(kind, obj.title, url_for("specs.show", idea_id=obj.id), _snippet(text, terms),
                            revision.created_at, obj.project, obj.stage))
        elif kind == "project" and can(user, "project.view", obj):
            hits.append(Hit(kind, obj.title, url_for("projects.show", slug=obj.slug),
                            _snippet(f"{obj.summary}\n{obj.description}", terms), obj.created_at, obj))
        elif kind == "post" and can(user, "post.view", obj) and not obj.pending and obj.hidden_at is None:
            thread = obj.thread
            hits.append(Hit(kind, thread.title, url_for("forum.thread", thread_id=thread.id) + f"#post-{obj.id}",
                            _snippet(obj.body, terms), obj.created_at, thread.project,
                            thread.idea.stage if thread.idea_id else ""))
        elif kind == "person" and not obj.banned:
            hits.append(Hit(kind, obj.display_name, url_for("accounts.profile", user_id=obj.id),
                            _snippet(f"{obj.skills}\n{obj.bio}", terms), obj.created_at))
    return hits


def _highlight_terms(parsed: ParsedQuery) -> tuple[frozenset, str | None]:
    """What to mark in snippets: the stems of the query's words and phrases, and the typed prefix."""
    stems = {token for text in parsed.words + parsed.phrases for language in LANGUAGES
             for token in _tokens(language, text)}
    prefix = _fold(parsed.prefix) if parsed.prefix else []
    return frozenset(stems), (prefix[0] if len(prefix) == 1 and len(prefix[0]) >= 3 else None)


@lru_cache(maxsize=50_000)
def _stems(word: str) -> frozenset:
    return frozenset(token for language in LANGUAGES for token in _tokens(language, word))


_TOKENIZER = RegexTokenizer()


def _snippet(text: str, terms: tuple[frozenset, str | None]) -> Markup:
    """About SNIPPET_CHARS of text around the first match, matches in <mark>, everything escaped."""
    stems, prefix = terms
    text = " ".join(plain_text(text[:20_000]).split())
    matches = [(t.startchar, t.endchar) for t in _TOKENIZER(text, chars=True)
               if _stems(t.text) & stems or (prefix and _fold(t.text)[:1] and _fold(t.text)[0].startswith(prefix))]
    start = max(0, matches[0][0] - 60) if matches else 0
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + SNIPPET_CHARS)
    html, position = [], start
    for begin, finish in matches:
        if begin < start or finish > end:
            continue
        html += [escape(text[position:begin]), Markup("<mark>"), escape(text[begin:finish]), Markup("</mark>")]
        position = finish
    html.append(escape(text[position:end]))
    return Markup(("…" if start else "") + "".join(html).strip() + ("…" if end < len(text) else ""))
