"""The search outbox (changes waiting for the indexer, written in the same transaction as the change), and the
PostgreSQL backend's tables."""

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, String, Table, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from ..database import POSTGRESQL_ONLY, utcnow
from ..extensions import db


class SearchOutbox(db.Model):
    """One object whose search documents must be rewritten (or removed) by the indexer."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what to rewrite (search.registry.SOURCES, as the domains registered them): idea, idea_all, project, post,
    #: thread, user
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


#: one row per document (SEARCH_BACKEND=postgres): the fields of search.documents, text as tsvectors only
#: (snippets are cut from the database objects, as with Whoosh). Exists on PostgreSQL only, whatever the backend.
search_documents = Table(
    "search_documents", db.metadata,
    Column("key", String(40), primary_key=True),  # "idea:12": kind and database id
    Column("digest", String(16), nullable=False),  # fingerprint of the indexed content, for search-check
    Column("kind", String(10), nullable=False),
    Column("access", String(60), nullable=False),  # the access key (policy.access_key): filtered on before ranking
    Column("project", String(20), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("tags", ARRAY(Text), nullable=False),  # lowercase
    Column("author", String(20), nullable=False),
    Column("idea", String(20), nullable=False),  # hidden while a change to this idea waits in the outbox
    Column("thread", String(20), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("language", String(2), nullable=False),  # en or fr: which configuration analysed the text
    #: title (weight A) and body (weight B), unaccented and stemmed by crowdspirit_<language>
    Column("vector", TSVECTOR, nullable=False),
    #: whole words, unaccented, not stemmed, without positions (crowdspirit_words): prefixes and "did you mean"
    Column("words", TSVECTOR, nullable=False),
    # one GIN index per language: a search looks in each language with that language's stems
    Index("ix_search_documents_vector_en", "vector", postgresql_using="gin", postgresql_where=text("language = 'en'")),
    Index("ix_search_documents_vector_fr", "vector", postgresql_using="gin", postgresql_where=text("language = 'fr'")),
    Index("ix_search_documents_words", "words", postgresql_using="gin"),
    info=POSTGRESQL_ONLY,
)

#: every word ever indexed (rebuilt with the index): where "did you mean" looks for near spellings, by trigrams;
#: a candidate is only offered if a document the user may see holds it
search_words = Table(
    "search_words", db.metadata,
    Column("word", Text, primary_key=True),
    Index("ix_search_words_trigrams", "word", postgresql_using="gin", postgresql_ops={"word": "gin_trgm_ops"}),
    info=POSTGRESQL_ONLY,
)
