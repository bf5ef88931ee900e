"""PostgreSQL full-text search (SEARCH_BACKEND=postgres): unaccent and pg_trgm, the crowdspirit_en, crowdspirit_fr
and crowdspirit_words text search configurations, the search_documents and search_words tables. PostgreSQL only:
on SQLite (Whoosh only) this revision does nothing. Created whatever SEARCH_BACKEND says, so that switching
backends needs no migration, only `flask crowdspirit reindex`.

Revision ID: 12bfd7950222
Revises: b7e1c2d4a9f0
Create Date: 2026-11-26 15:05:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '12bfd7950222'
down_revision = 'b7e1c2d4a9f0'
branch_labels = None
depends_on = None

#: configuration -> (copied from, dictionary after unaccent for words with letters)
CONFIGURATIONS = {"crowdspirit_en": ("english", "english_stem"), "crowdspirit_fr": ("french", "french_stem"),
                  "crowdspirit_words": ("simple", "simple")}
WORD_TOKENS = "asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part, hword_numpart"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # both are trusted extensions: the database owner may create them without being a superuser
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (parent, dictionary) in CONFIGURATIONS.items():
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {parent})")
        op.execute(f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR {WORD_TOKENS} "
                   f"WITH unaccent, {dictionary}")
    op.create_table('search_documents',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('digest', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('access', sa.String(length=60), nullable=False),
    sa.Column('project', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('tags', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('author', sa.String(length=20), nullable=False),
    sa.Column('idea', sa.String(length=20), nullable=False),
    sa.Column('thread', sa.String(length=20), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('vector', postgresql.TSVECTOR(), nullable=False),
    sa.Column('words', postgresql.TSVECTOR(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_search_documents'))
    )
    for language in ("en", "fr"):
        op.create_index(f'ix_search_documents_vector_{language}', 'search_documents', ['vector'], unique=False,
                        postgresql_using='gin', postgresql_where=sa.text(f"language = '{language}'"))
    op.create_index('ix_search_documents_words', 'search_documents', ['words'], unique=False, postgresql_using='gin')
    op.create_table('search_words',
    sa.Column('word', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_words'))
    )
    op.create_index('ix_search_words_trigrams', 'search_words', ['word'], unique=False, postgresql_using='gin',
                    postgresql_ops={'word': 'gin_trgm_ops'})
    # what exists already is indexed by the next `flask crowdspirit reindex` (the outbox only queues changes)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table('search_words')
    op.drop_table('search_documents')
    for name in CONFIGURATIONS:
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
    op.execute("DROP EXTENSION IF EXISTS unaccent")
