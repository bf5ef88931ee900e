"""What the searchable domains registered at start-up; the rest of search reads only these tables.

A domain declares, in its own indexing.py: its document kinds (how a document is built from a row, how a hit of it
is shown and which access action checks it again), the rows a full rebuild walks, the outbox kinds that rewrite its
documents, the changes to its models that queue them, and the query filters and facet values that need its data.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db

#: rows read at a time by a full walk
BATCH = 1000


@dataclass(frozen=True)
class Shown:
    """What a hit displays: its title and link, the text its snippet is cut from, and where it belongs."""

    title: str
    url: str
    text: str
    created: datetime
    #: the project the hit belongs to (the results link to it), or None
    project: object = None
    stage: str = ""


@dataclass(frozen=True)
class Kind:
    """One kind of document ("idea", "spec"...): built from rows of a model, and shown as a hit of such a row."""

    name: str
    #: the model whose rows hold the documents (an idea holds its idea and its spec document)
    model: type
    #: row -> its document, or None to keep the row out of search
    document: Callable
    #: row -> what its hit shows, or None when it must not show
    show: Callable
    #: the access action that must allow a hit's row again before it shows (None: only public rows are indexed)
    view: str | None
    #: the outbox kind that rewrites this kind's documents (search-check --repair queues it)
    outbox: str
    #: the facet's label (plural) and a hit's label (singular)
    label: object
    hit_label: object
    #: other words `type:` accepts for this kind
    aliases: tuple[str, ...] = ()
    #: loader options for hits (what show and the access check read, loaded with the hits)
    eager: tuple = ()
    #: () -> the document builder of a full walk, made once per walk: it reads at once what every row needs (the
    #: specs' current revisions) instead of a query per row
    walk: Callable | None = None


@dataclass(frozen=True)
class Rows:
    """How a full rebuild walks the rows of a model holding documents."""

    model: type
    #: place in the walk, lowest first
    order: int
    #: loader options for the walk
    options: tuple = ()
    #: keep the rows in memory until the walk ends, so that later rows find them without a query
    held: bool = False


@dataclass(frozen=True)
class Source:
    """What an outbox row of one kind rewrites, and which indexed documents it may make stale while it waits."""

    #: object id -> (key, document or None to remove) pairs
    documents: Callable[[int], Iterable[tuple[str, dict | None]]]
    #: (index field, value prefix): the documents holding prefix + object id in that field are hidden meanwhile
    stale: tuple[str, str]


@dataclass(frozen=True)
class Watch:
    """A change to rows of a model that queues an outbox row (the first watch of a model that applies wins)."""

    #: the outbox kind it queues
    kind: str
    #: a change to any of these attributes queues it
    attributes: frozenset[str] = frozenset()
    #: the attribute holding the object id the outbox row names
    id_attribute: str = "id"
    #: whether a new row, a deleted row queues it
    new: bool = True
    deleted: bool = True


#: kind name -> Kind, in the order the domains registered them
KINDS: dict[str, Kind] = {}
#: model -> how a full rebuild walks its rows
ROWS: dict[type, Rows] = {}
#: outbox kind -> Source
SOURCES: dict[str, Source] = {}
#: model -> object id -> the documents below a row (an idea's thread's posts), rewritten when the row moves
SUBTREES: dict[type, list[Callable[[int], Iterable[tuple[str, dict | None]]]]] = {}
#: model -> its watches, the first that applies wins
WATCHES: dict[type, tuple[Watch, ...]] = {}
#: query filter (project, author, stage) -> values typed -> (stored field, the values it accepts)
FILTERS: dict[str, Callable[[list[str]], tuple[str, list[str]]]] = {}
#: facet -> (values, user) -> {value as the template looks it up: the object the user may see}
FACET_OBJECTS: dict[str, Callable] = {}


def register(*, kinds: Iterable[Kind] = (), rows: Iterable[Rows] = (), sources: dict | None = None,
             subtrees: dict | None = None, watches: dict | None = None, filters: dict | None = None,
             facet_objects: dict | None = None) -> None:
    """Add a domain's part of search (called by the domain's indexing.register at start-up; idempotent)."""
    KINDS.update((kind.name, kind) for kind in kinds)
    ROWS.update((entry.model, entry) for entry in rows)
    for model, below in (subtrees or {}).items():
        if below not in SUBTREES.setdefault(model, []):
            SUBTREES[model].append(below)
    for table, entries in ((SOURCES, sources), (WATCHES, watches), (FILTERS, filters),
                           (FACET_OBJECTS, facet_objects)):
        table.update(entries or {})


def kinds_of(model: type) -> list[Kind]:
    """The kinds of document a row of this model holds, in registration order."""
    return [kind for kind in KINDS.values() if kind.model is model]


def row_documents(model: type, with_subtree: bool = False) -> Callable[[int], Iterator[tuple[str, dict | None]]]:
    """A Source's documents: (key, document or None) for each kind a row of the model holds, and with_subtree the
    documents registered below it."""
    def documents(object_id: int) -> Iterator[tuple[str, dict | None]]:
        """The documents of one row (None for each kind when the row is gone)."""
        row = db.session.get(model, object_id)
        for kind in kinds_of(model):
            yield f"{kind.name}:{object_id}", row and kind.document(row)
        if row is not None and with_subtree:
            for below in SUBTREES.get(model, ()):
                yield from below(object_id)
    return documents


def count_all() -> int:
    """How many rows all_documents() walks (for a progress bar)."""
    return sum(db.session.scalar(select(func.count()).select_from(model)) for model in ROWS)


def all_documents(progress: Callable[[], None] = lambda: None) -> Iterator[dict]:
    """Every document, model after model in the registered order (progress: called once per row walked); rows
    marked held stay in memory until the walk ends."""
    held = []
    for entry in sorted(ROWS.values(), key=lambda entry: entry.order):
        builders = [kind.walk() if kind.walk else kind.document for kind in kinds_of(entry.model)]
        query = select(entry.model).options(*entry.options).execution_options(yield_per=BATCH)
        for row in db.session.scalars(query):
            if entry.held:
                held.append(row)
            for build in builders:
                document = build(row)
                if document is not None:
                    yield document
            progress()


def kind_aliases() -> dict[str, str]:
    """What `type:` accepts besides the kinds' names: alias -> kind."""
    return {alias: kind.name for kind in KINDS.values() for alias in kind.aliases}
