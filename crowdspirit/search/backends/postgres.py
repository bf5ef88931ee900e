"""The PostgreSQL backend (SEARCH_BACKEND=postgres): full-text tables every machine shares instead of an index folder.

Each document (search.documents) is a row of `search_documents`, written by the same outbox-fed
indexer as the Whoosh index: `vector` holds its title (weight A) and body (weight B) analysed by its
language's configuration (crowdspirit_en or crowdspirit_fr: unaccent, then the Snowball stemmer, as
the migration defines them), `words` its whole words (crowdspirit_words: unaccent, no stemming) for
the prefix typed last and "did you mean". The indexer writes under a transaction-level advisory
lock, so there is one writer at a time whatever the number of machines, and it deletes the outbox
rows it handled in the same transaction as the documents it wrote.

A search is one statement: the documents that match, carry one of the user's access keys and have no
change waiting in the outbox, from which the facet counts and the page of keys are read. A statement
sees one snapshot, so a change the indexer commits meanwhile is either still waiting (hidden) or
already rewritten; nothing is counted, faceted or ranked before the access filter.
"""

import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import (
    ARRAY,
    String,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.engine import make_url
from whoosh.support.levenshtein import distance

from ...extensions import db
from .. import registry
from ..common import FACETS, Busy, Matches, filter_values, most_edits, ordered_facets
from ..models import SearchOutbox, search_documents, search_words
from ..query import ParsedQuery, unparse

#: the text search configuration of each document language (created by the migration)
CONFIGURATIONS = {"en": "crowdspirit_en", "fr": "crowdspirit_fr"}
WORDS = "crowdspirit_words"
#: ts_rank_cd weights of D, C, B (body) and A (title): a title match counts twice a body match, as with Whoosh
WEIGHTS = "{0.1, 0.2, 0.5, 1.0}"
#: ts_rank_cd normalisation 1: divided by 1 + the logarithm of the document's length
NORMALISATION = 1
#: the writer lock (pg_advisory_xact_lock key): one search indexer at a time across every machine
LOCK_KEY = 7_340_201
BATCH = 1000
SUGGESTION_CANDIDATES = 25

DOCUMENTS = search_documents.c
_COPIED = ("key", "digest", "kind", "access", "project", "stage", "author", "idea", "thread", "created")
#: a lexeme as PostgreSQL writes it in a tsquery: quoted, quotes doubled, backslashes escaped
_QUOTED = re.compile(r"'((?:[^']|'')*)'")


def _constant(value: str):
    """A constant of the code written into the SQL (never user input): the planner sees it, unlike a parameter
    (partial indexes are chosen by their language)."""
    return literal_column(f"'{value}'")


def _configuration(name: str):
    """A text search configuration named in the SQL."""
    return literal_column(f"'{name}'::regconfig")


def _tsquery(query: str):
    """A tsquery written as text (lexemes already analysed), as a parameter."""
    return cast(literal(query, Text), TSQUERY)


def _matches(column, query: str):
    """The tsvector column matches the tsquery."""
    return column.bool_op("@@")(_tsquery(query))


def _lexeme(word: str, prefix: bool = False) -> str:
    """A tsquery of one lexeme taken as it is (quoted, so neither query syntax nor normalisation applies)."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if prefix else "")


def _with_plurals(query: str) -> str:
    """A French tsquery whose lexemes also match their plural in s or x: the Snowball stemmer keeps the s after a
    vowel ("vélos" gives 'velos', "vélo" 'velo'), which Whoosh's French analyser drops; 'velo' becomes
    ('velo' | 'velos' | 'velox'), and 'velos' the same."""
    def alternatives(match) -> str:
        """A quoted lexeme with its plural forms."""
        word = match.group(1).replace("''", "'").replace("\\\\", "\\")
        base = word[:-1] if len(word) > 3 and word[-1] in "sx" else word
        if len(base) < 3:
            return match.group(0)
        return "(" + " | ".join(_lexeme(form) for form in (base, base + "s", base + "x")) + ")"
    return _QUOTED.sub(alternatives, query)


# --- Writing ----------------------------------------------------------------------------------------------------
def _row(document: dict) -> dict:
    """A document of search.documents as the parameters of a search_documents row."""
    language = next(language for language in CONFIGURATIONS if f"title_{language}" in document)
    return {**{name: document[name] for name in _COPIED}, "language": language,
            "tags": [tag.strip().lower() for tag in document["tags"].split(",") if tag.strip()],
            "configuration": CONFIGURATIONS[language], "title": document[f"title_{language}"],
            "body": document[f"body_{language}"], "words": document["words"]}


def _insert_statement():
    """The INSERT of a search_documents row: the text analysed by the document language's configuration."""
    configuration = cast(bindparam("configuration", type_=Text), REGCONFIG)
    title = func.setweight(func.to_tsvector(configuration, bindparam("title", type_=Text)), _constant("A"))
    body = func.setweight(func.to_tsvector(configuration, bindparam("body", type_=Text)), _constant("B"))
    words = func.strip(func.to_tsvector(_configuration(WORDS), bindparam("words", type_=Text)))
    return insert(search_documents).values({**{name: bindparam(name) for name in (*_COPIED, "language", "tags")},
                                            "vector": title.op("||")(body), "words": words})


def _insert(rows: list[dict]) -> None:
    """Insert rows, and their words into the vocabulary "did you mean" draws from."""
    db.session.execute(_insert_statement(), rows)
    new_words = select(func.unnest(func.tsvector_to_array(DOCUMENTS.words))).where(
        DOCUMENTS.key.in_([row["key"] for row in rows])).distinct()
    db.session.execute(upsert(search_words).from_select(["word"], new_words).on_conflict_do_nothing())


# --- Searching --------------------------------------------------------------------------------------------------
def _analysed(parsed: ParsedQuery) -> tuple[dict, dict]:
    """How PostgreSQL reads the query: each word, phrase and excluded text as a tsquery per language ('' when it is
    only common words there), and each word's unaccented, unstemmed lexemes."""
    parts = list(dict.fromkeys(parsed.words + parsed.phrases + parsed.excluded))
    pairs = [(part, language) for part in parts for language in CONFIGURATIONS]
    columns = [cast(func.phraseto_tsquery(_configuration(CONFIGURATIONS[language]), literal(part, Text)), Text)
               for part, language in pairs]
    columns += [func.tsvector_to_array(func.to_tsvector(_configuration(WORDS), literal(word, Text)))
                for word in parsed.words]
    if not columns:
        return {}, {}
    row = db.session.execute(select(*columns)).one()
    queries = {(part, language): _with_plurals(query) if language == "fr" else query
               for (part, language), query in zip(pairs, row[:len(pairs)], strict=True)}
    return queries, dict(zip(parsed.words, row[len(pairs):], strict=True))


def _single(lexemes: list[str]) -> str | None:
    """The lexeme of a one-word text, if long enough to look for near or longer words."""
    return lexemes[0] if len(lexemes) == 1 and len(lexemes[0]) >= 3 else None


def _all(queries: list[str], negated: list[str] = ()) -> str:
    """One tsquery requiring every query and none of the negated ones."""
    return " & ".join([f"({q})" for q in queries] + [f"!({q})" for q in negated])


@dataclass(frozen=True)
class _Reading:
    """The text of a query as PostgreSQL matches it: the parts every match holds (words and phrases with a stem in
    some language), those it must not hold, and the word typed last, matched whole or by `prefix`
    (its unaccented lexeme, when long enough) as the beginning of a word."""

    required: list[str]
    excluded: list[str]
    last: str | None = None
    prefix: str | None = None


def _stemmed(part: str, queries: dict) -> bool:
    """Whether a word or phrase has a stem in some language (else it is only common words)."""
    return any(queries[part, language] for language in CONFIGURATIONS)


def _reading(parsed: ParsedQuery, queries: dict, folded: dict) -> _Reading:
    """How the words, phrases and exclusions are matched; a word with no stem anywhere is dropped, and so is the
    word typed last when it has neither a stem nor a prefix long enough."""
    open_ended = parsed.prefix is not None and bool(parsed.words) and parsed.words[-1] == parsed.prefix
    words = parsed.words[:-1] if open_ended else parsed.words
    required = [part for part in words + parsed.phrases if _stemmed(part, queries)]
    last = parsed.words[-1] if open_ended else None
    prefix = _single(folded[last]) if open_ended else None
    if last is not None and not (prefix or _stemmed(last, queries)):
        last = prefix = None
    return _Reading(required, parsed.excluded, last, prefix)


def _parts_condition(required: list[str], excluded: list[str]) -> list:
    """The documents holding every required part and none of the excluded ones (tsqueries of one language)."""
    if required:
        return [_matches(DOCUMENTS.vector, _all(required, excluded))]
    if excluded:
        return [not_(_matches(DOCUMENTS.vector, " | ".join(f"({q})" for q in excluded)))]
    return []


def _typed_condition(last_word: str, prefix: str | None):
    """The documents holding the word typed last: stemmed as a whole word, or a whole word beginning with prefix."""
    return or_(*([_matches(DOCUMENTS.vector, last_word)] if last_word else []),
               *([_matches(DOCUMENTS.words, _lexeme(prefix, prefix=True))] if prefix else []))


def _rank(ranked: list[str]):
    """The rank of a document of one language for these tsqueries (title weighing more than body)."""
    return func.ts_rank_cd(literal_column(f"'{WEIGHTS}'::float4[]"), DOCUMENTS.vector, _tsquery(_all(ranked)),
                           NORMALISATION)


def _language_match(reading: _Reading, queries: dict, language: str):
    """(condition, rank or None) for the documents of one language, with that language's stems; None when a required
    part (or the word typed last, without a prefix) has no stem in it: a common word there rules it out."""
    required = [queries[part, language] for part in reading.required]
    excluded = [q for part in reading.excluded if (q := queries[part, language])]
    last_word = queries[reading.last, language] if reading.last else ""
    if not all(required) or (reading.last and not (last_word or reading.prefix)):
        return None
    conditions = [DOCUMENTS.language == _constant(language), *_parts_condition(required, excluded)]
    if reading.last:
        conditions.append(_typed_condition(last_word, reading.prefix))
    ranked = [*required, *([last_word] if last_word else [])]
    return and_(*conditions), (_rank(ranked) if ranked else None)


def _text_condition(parsed: ParsedQuery, queries: dict, folded: dict):
    """(condition, rank) for the words, phrases and exclusions, or None when they are only common words (and there
    is no filter). Each language's documents are matched with that language's stems, as with Whoosh."""
    reading = _reading(parsed, queries, folded)
    if not reading.required and not reading.last and (parsed.words or parsed.phrases) and not parsed.filters:
        return None
    branches, ranks = [], []
    for language in CONFIGURATIONS:
        match = _language_match(reading, queries, language)
        if match is None:
            continue
        condition, ranked = match
        branches.append(condition)
        if ranked is not None:
            ranks.append((DOCUMENTS.language == _constant(language), ranked))
    rank = case(*ranks, else_=0.0) if ranks else literal_column("0.0")
    return (or_(*branches) if branches else false()), rank


def _field(name: str, values: list[str]):
    """Documents whose field holds one of the values (tags: one of their tags)."""
    if not values:
        return false()
    column = DOCUMENTS[name]
    return column.overlap(literal(values, ARRAY(Text))) if name == "tags" else column.in_(values)


def _named(prefixes: dict[str, str]):
    """What an outbox row of these kinds names in an index field: its object id after its kind's prefix."""
    object_id = cast(SearchOutbox.object_id, String)
    if not any(prefixes.values()):
        return object_id
    prefix = case(*((SearchOutbox.kind == kind, literal(value)) for kind, value in prefixes.items()), else_=literal(""))
    return prefix + object_id


def _waiting() -> list:
    """Documents with no change waiting in the outbox (their access key may be stale): per index field the outbox
    kinds name (search.registry.Source.stale), its value is none of those the waiting rows name."""
    fields: dict[str, dict[str, str]] = {}
    for kind, source in registry.SOURCES.items():
        field, prefix = source.stale
        fields.setdefault(field, {})[kind] = prefix
    return [DOCUMENTS[field].not_in(select(_named(prefixes)).where(SearchOutbox.kind.in_(list(prefixes))))
            for field, prefixes in fields.items()]


def _visible(keys: frozenset | None) -> list:
    """Documents with one of the access keys (None: any), and no change waiting in the outbox: the same documents
    the Whoosh backend's visibility lets through."""
    conditions = _waiting()
    if keys is not None:
        conditions.append(DOCUMENTS.access == any_(literal(sorted(keys), ARRAY(String))))
    return conditions


def _count(word: str, visible: list) -> int:
    """How many documents the user may see hold this whole word."""
    return db.session.scalar(select(func.count()).select_from(search_documents).where(
        _matches(DOCUMENTS.words, _lexeme(word)), *visible))


def _suggest(parsed: ParsedQuery, folded: dict, visible: list) -> str | None:
    """A corrected query built from words the user may see, for words that find nothing visible: near spellings
    (same first letter, common.most_edits) from the vocabulary, the one the most
    visible documents hold."""
    replace = {}
    for word in parsed.words:
        lexeme = _single(folded[word])
        if lexeme is None or _count(lexeme, visible):
            continue
        most = most_edits(lexeme)
        near = db.session.scalars(select(search_words.c.word).where(
            search_words.c.word.bool_op("%")(lexeme), func.left(search_words.c.word, 1) == lexeme[:1])
            .order_by(search_words.c.word.op("<->")(lexeme)).limit(4 * SUGGESTION_CANDIDATES))
        candidates = [candidate for candidate in near if distance(candidate, lexeme) <= most]
        best = max(((_count(c, visible), c) for c in candidates[:SUGGESTION_CANDIDATES]), default=(0, None))
        if best[0]:
            replace[word] = best[1]
    return unparse(parsed, replace) if replace else None


def _matched(parsed: ParsedQuery, selected: dict[str, str], keys: frozenset | None, sort: str, queries: dict,
             folded: dict):
    """The visible documents matching the search and the facet values picked, with their rank, as a CTE; None when
    there is nothing to search for."""
    matching = _text_condition(parsed, queries, folded)
    if matching is None:
        return None
    condition, rank = matching
    conditions = [condition, *_visible(keys)]
    conditions += [_field(*filter_values(name, values)) for name, values in parsed.filters.items()]
    conditions += [not_(_field(*filter_values(name, values))) for name, values in parsed.excluded_filters.items()]
    conditions += [_field(name, [value]) for name, value in selected.items()]
    if sort == "date":
        rank = literal_column("0.0")  # not needed: no ranking work
    return select(DOCUMENTS.key, DOCUMENTS.kind, DOCUMENTS.project, DOCUMENTS.stage, DOCUMENTS.tags,
                  DOCUMENTS.created, rank.label("rank")).where(*conditions).cte("matched")


def _answer(matched, sort: str, start: int, end: int):
    """One statement reading the matches' facet counts (name, value, count) and the page of keys ("hit", key,
    place) from the CTE."""
    tags = func.unnest(matched.c.tags).table_valued("tag").render_derived()
    parts = [select(_constant(name), matched.c[name], func.count()).group_by(matched.c[name])
             for name in FACETS if name != "tags"]
    parts.append(select(_constant("tags"), tags.c.tag, func.count()).select_from(matched.join(tags, true()))
                 .group_by(tags.c.tag))
    order = ((matched.c.created.desc(), matched.c.key.desc()) if sort == "date"
             else (matched.c.rank.desc(), matched.c.key))
    page = (select(matched.c.key, func.row_number().over(order_by=order).label("place"))
            .order_by(*order).offset(start).limit(end - start).subquery("page"))
    parts.append(select(_constant("hit"), page.c.key, page.c.place))
    return union_all(*parts)


class PostgresBackend:
    """Full-text tables inside the PostgreSQL database (search_documents, search_words), shared by every machine;
    indexers anywhere take turns on a transaction-level advisory lock."""

    def check(self, app) -> None:
        """Refuse to start on another database than PostgreSQL."""
        database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
        if database != "postgresql":
            raise RuntimeError(f"SEARCH_BACKEND=postgres searches inside a PostgreSQL database, and this one is "
                               f"{database}: set DATABASE_URL=postgresql://... or use SEARCH_BACKEND=whoosh.")

    def location(self) -> str:
        """The database."""
        return str(db.engine.url)

    @contextmanager
    def writer_lock(self, wait: bool = False):
        """Hold the one-writer lock until the session's transaction ends; raise Busy at once if another session
        holds it (unless wait)."""
        if wait:
            db.session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
        elif not db.session.scalar(select(func.pg_try_advisory_xact_lock(LOCK_KEY))):
            raise Busy
        yield

    def write(self, pairs) -> int:
        """Rewrite (key, document or None to remove) pairs in the session's transaction; returns how many keys."""
        documents = dict(pairs)
        if not documents:
            return 0
        db.session.execute(delete(search_documents).where(DOCUMENTS.key.in_(list(documents))))
        rows = [_row(document) for document in documents.values() if document is not None]
        for start in range(0, len(rows), BATCH):
            _insert(rows[start:start + BATCH])
        return len(documents)

    def rebuild(self, documents, processes: int) -> int:
        """Rewrite every document in one transaction (searches see the previous documents until it commits; one
        process whatever `processes` says); returns the document count. Live indexing waits on the writer lock
        meanwhile."""
        with self.writer_lock(wait=True):
            db.session.execute(delete(search_documents))
            db.session.execute(delete(search_words))
            count, rows = 0, []
            for document in documents:
                rows.append(_row(document))
                if len(rows) == BATCH:
                    _insert(rows)
                    count, rows = count + len(rows), []
            if rows:
                _insert(rows)
                count += len(rows)
            db.session.commit()
        # fresh planner statistics, and the GIN indexes' pending entries merged (searches read them one by one)
        for table in (search_documents, search_words):
            db.session.execute(text(f"ANALYZE {table.name}"))
            for index in table.indexes:
                db.session.execute(select(func.gin_clean_pending_list(literal_column(f"'{index.name}'::regclass"))))
        db.session.commit()
        return count

    def stored(self) -> list[tuple[str, str]]:
        """(key, digest) of every stored document, for search-check."""
        return [tuple(row) for row in db.session.execute(select(DOCUMENTS.key, DOCUMENTS.digest))]

    def find(self, parsed: ParsedQuery, selected: dict[str, str], keys: frozenset | None, sort: str, start: int,
             end: int) -> Matches | None:
        """The documents matching a parsed search and the facet values picked, among those with these access keys
        (None: any): total, facets and the keys of the ranked matches start to end; None when there is nothing to
        search for."""
        queries, folded = _analysed(parsed)
        matched = _matched(parsed, selected, keys, sort, queries, folded)
        if matched is None:
            return None
        counts, hits = {name: Counter() for name in FACETS}, []
        for name, value, number in db.session.execute(_answer(matched, sort, start, end)):
            if name == "hit":
                hits.append((number, value))
            else:
                counts[name][value] = number
        total = sum(counts["kind"].values())
        suggestion = _suggest(parsed, folded, _visible(keys)) if total == 0 and parsed.words else None
        return Matches(total, ordered_facets(counts), [key for _place, key in sorted(hits)], suggestion)

    def probe(self) -> None:
        """The shared search tables answer."""
        db.session.execute(select(search_documents.c.key).limit(1))
