"""The migrations are the only way the schema changes: they must agree with the models and unwind."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from crowdspirit.database import belongs_on, schema_filter
from crowdspirit.extensions import db


def schema_differences() -> list:
    """What autogenerate would still write to make the database match the models."""
    with db.engine.connect() as connection:
        include = schema_filter(connection.dialect.name)  # PostgreSQL-only tables are not expected on SQLite
        return compare_metadata(MigrationContext.configure(connection, opts={"include_object": include}), db.metadata)


def test_models_and_migrations_agree(app):
    """After all migrations, autogenerate finds nothing left to migrate."""
    assert schema_differences() == []


def test_downgrade_to_base_and_upgrade_again(app, client):
    """Every migration unwinds down to an empty schema and the upgrade rebuilds it."""
    db.session.remove()
    try:
        downgrade(revision="base")
        db.engine.dispose()
        left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert left == set()
    finally:
        upgrade()  # the PostgreSQL database is shared by the whole session: always rebuild it
    db.engine.dispose()
    assert set(inspect(db.engine).get_table_names()) >= {
        t.name for t in db.metadata.sorted_tables if belongs_on(t, db.engine.dialect.name)}
    assert schema_differences() == []
    assert client.get("/").status_code == 200


def test_upgrade_keeps_the_data_of_a_populated_database(app, client):
    """A database created by the first migration and filled with data upgrades to the latest one intact."""
    from sqlalchemy import text

    db.session.remove()
    try:
        downgrade(revision="base")
        upgrade(revision="62c909acb90f")  # the platform core schema
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, email, display_name, password_hash, profile_kind, skills, bio, is_moderator, "
                "is_admin, created_at) VALUES (1, 'old@example.org', 'Old Timer', 'x', 'amateur', '', '', false, "
                "false, '2026-01-01 00:00:00')"))
            connection.execute(text(
                "INSERT INTO projects (id, slug, title, summary, description, kind, owner_id, vote_opener, "
                "vote_threshold, voting_days, promotion_decider, created_at) VALUES (1, 'old', 'Old project', 's', "
                "'', 'self_carried', 1, 'author', 3, 14, 'community', '2026-01-01 00:00:00')"))
            connection.execute(text(
                "INSERT INTO ideas (id, project_id, author_id, title, summary, body, stage, vote_count, created_at, "
                "updated_at) VALUES (1, 1, 1, 'Old idea', 's', '', 'archived', 0, '2026-01-01', '2026-01-01')"))
            connection.execute(text(
                "INSERT INTO stage_transitions (idea_id, actor_id, from_stage, to_stage, reason, created_at) "
                "VALUES (1, 1, 'vote', 'archived', 'old', '2026-01-02')"))
            connection.execute(text("INSERT INTO organisations (id, slug, name, description, created_at) "
                                    "VALUES (1, 'labs', 'Labs', '', '2026-01-01')"))
            connection.execute(text(
                "INSERT INTO ideas (id, project_id, author_id, title, summary, body, stage, vote_count, created_at, "
                "updated_at, partner_id, rnd_started_at) VALUES (2, 1, 1, 'Partnered idea', 's', '', 'partner_rnd', "
                "0, '2026-01-01', '2026-01-01', 1, '2026-02-01')"))
        db.engine.dispose()
        upgrade()
    finally:
        upgrade()
    db.engine.dispose()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT display_name, banned FROM users")).one() == ("Old Timer", False)
        assert connection.execute(text("SELECT policy_spec FROM projects")).scalar_one() == "project"
        assert connection.execute(text("SELECT archived_from FROM ideas WHERE id = 1")).scalar_one() == "vote"
        # content written before search existed is queued once for the indexer, and then found
        assert sorted(connection.execute(text("SELECT kind, object_id FROM search_outbox")).all()) == [
            ("idea", 1), ("idea", 2), ("project", 1), ("user", 1)]
        # an idea already in partner R&D gets its partnership, with its author in the workspace
        assert connection.execute(text("SELECT idea_id, organisation_id FROM partnerships")).one() == (2, 1)
        assert connection.execute(text("SELECT user_id FROM workspace_members")).scalar_one() == 1
    from crowdspirit.search import indexer

    indexer.drain()
    assert "Old idea" in client.get("/search?q=old").get_data(as_text=True)
