"""Search: the query runs only over what the user may see, then every hit is checked again.

The backend chosen at start-up (search.backends: Whoosh or PostgreSQL) matches documents against
the user's access keys (`access.search_keys`, computed from the current policies) before anything is
counted, faceted, scored or suggested, so totals, facets, snippets and "did you mean" never see a
document the user may not. Documents whose source has a change waiting in the outbox are hidden until
the indexer rewrites them. Hits are then loaded from the database as the domains registered them
(search.registry), checked again with the access policy, and their snippets cut from the database
text, whichever backend found them.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from markupsafe import Markup, escape
from sqlalchemy import bindparam, select
from whoosh.analysis import RegexTokenizer

from ..access import can, search_keys
from ..database import Page
from ..extensions import db
from ..text import plain_text
from . import backends, registry
from .common import FACETS
from .query import ParsedQuery, parse
from .schema import LANGUAGES, fold, tokens

PER_PAGE = 20
#: values a facet lists, most frequent first
FACET_SHOWN = 10
MAX_PAGE = 50
SORTS = ("relevance", "date")
SNIPPET_CHARS = 220


@dataclass
class Hit:
    """One result as displayed: what it is, where it lives, and the passage that matched."""

    kind: str
    title: str
    url: str
    snippet: Markup
    created: datetime
    #: the project it belongs to (the results link to it), or None
    project: object = None
    stage: str = ""


@dataclass
class SearchResults:
    """A page of results with its facets, total and suggestions."""

    parsed: ParsedQuery
    page: Page
    facets: dict = field(default_factory=dict)
    suggestion: str | None = None


def kind_labels() -> dict[str, object]:
    """Each kind of document's label in the type facet (plural)."""
    return {name: kind.label for name, kind in registry.KINDS.items()}


def hit_labels() -> dict[str, object]:
    """Each kind of document's label on a hit (singular)."""
    return {name: kind.hit_label for name, kind in registry.KINDS.items()}


def facet_objects(found: SearchResults, user) -> dict[str, dict]:
    """For the facets whose values name objects (projects), the objects the user may see, by value: the most
    frequent ones, as many as a facet lists (a search may name a hundred projects)."""
    shown = {}
    for name, objects in registry.FACET_OBJECTS.items():
        values, shown[name] = [value for value, _count in found.facets.get(name, [])], {}
        for start in range(0, len(values), FACET_SHOWN):
            shown[name].update(objects(values[start:start + FACET_SHOWN], user))
            if len(shown[name]) >= FACET_SHOWN:
                break
    return shown


def search(user, text: str, selected: dict[str, str] | None = None, sort: str = "relevance",
           page: int = 1, per_page: int = PER_PAGE) -> SearchResults:
    """Search what the user may see; `selected` holds facet picks (kind, project, stage, tags); the last word
    also matches as a prefix (the page, search-as-you-type and the API read a query alike)."""
    parsed = parse(text)
    page = min(max(page, 1), MAX_PAGE)
    results = SearchResults(parsed, Page([], page, per_page, 0, False, False))
    selected = {k: v for k, v in (selected or {}).items() if k in FACETS and v}
    if not parsed.searchable:
        return results
    keys = search_keys(user)
    matches = backends.current().find(parsed, selected, keys, sort, (page - 1) * per_page, page * per_page)
    if matches is None:
        return results
    results.facets, results.suggestion = matches.facets, _helpful(matches.suggestion, selected, keys)
    shown = min(matches.total, MAX_PAGE * per_page)  # deeper pages are not served: refine the search instead
    results.page = Page(_hits(user, matches.keys, parsed), page, per_page, shown, matches.total > shown,
                        shown > page * per_page)
    return results


def _helpful(suggestion: str | None, selected: dict[str, str], keys) -> str | None:
    """The corrected query, when searching it (with the same picks, among the same documents) finds something."""
    if suggestion is None:
        return None
    found = backends.current().find(parse(suggestion), selected, keys, "relevance", 0, 0)
    return suggestion if found is not None and found.total else None


def _load(keys: list[str]) -> dict[str, object]:
    """The rows behind result keys, a query per kind, loaded with what their hits show and check."""
    ids: dict[str, list[int]] = {}
    for key in keys:
        kind, object_id = key.split(":")
        ids.setdefault(kind, []).append(int(object_id))
    loaded = {}
    for name, kind_ids in ids.items():
        kind = registry.KINDS.get(name)  # an index older than the code may name a kind no longer searched
        if kind is not None:
            for row in db.session.scalars(_rows_statement(kind), {"ids": kind_ids}):
                loaded[f"{name}:{row.id}"] = row
    return loaded


@lru_cache(maxsize=32)
def _rows_statement(kind: registry.Kind):
    """The select() of a kind's rows whose ids are the bound list "ids", with what their hits need (built once)."""
    return select(kind.model).where(kind.model.id.in_(bindparam("ids", expanding=True))).options(*kind.eager)


def _hits(user, keys: list[str], parsed: ParsedQuery) -> list[Hit]:
    """Displayable hits, each checked again with the access policy (a stale index never shows more)."""
    loaded = _load(keys)
    marks = _Highlight(parsed)
    hits = []
    for key in keys:
        row = loaded.get(key)
        if row is None:
            continue
        kind = registry.KINDS[key.split(":")[0]]
        if kind.view is not None and not can(user, kind.view, row):
            continue
        shown = kind.show(row)
        if shown is not None:
            hits.append(Hit(kind.name, shown.title, shown.url, _snippet(shown.text, marks), shown.created,
                            shown.project, shown.stage))
    return hits


class _Highlight:
    """What to mark in snippets: words sharing a stem with the query's words and phrases, or starting with the
    typed prefix (each distinct word decided once per search)."""

    def __init__(self, parsed: ParsedQuery):
        self.stems = frozenset(token for text in parsed.words + parsed.phrases for language in LANGUAGES
                               for token in tokens(language, text))
        prefix = fold(parsed.prefix) if parsed.prefix else []
        self.prefix = prefix[0] if len(prefix) == 1 and len(prefix[0]) >= 3 else None
        self._marked: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        """Whether to mark this word of a snippet."""
        marked = self._marked.get(word)
        if marked is None:
            folded = fold(word) if self.prefix else []
            marked = self._marked[word] = (not _stems(word).isdisjoint(self.stems)
                                           or bool(folded and folded[0].startswith(self.prefix)))
        return marked


@lru_cache(maxsize=50_000)
def _stems(word: str) -> frozenset:
    """The word's stems in every language."""
    return frozenset(token for language in LANGUAGES for token in tokens(language, word))


_WORD = RegexTokenizer().expression


@lru_cache(maxsize=4096)
def _words(text: str) -> str:
    """The words a reader sees of a document's Markdown, on one line (remembered: rendering the Markdown of twenty
    hits was a third of a search)."""
    return " ".join(plain_text(text[:20_000]).split())


def _snippet(text: str, marks: _Highlight) -> Markup:
    """About SNIPPET_CHARS of text around the first match, matches in <mark>, everything escaped."""
    text = _words(text)
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
