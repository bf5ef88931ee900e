"""The migrations are the only way the schema changes: they must agree with the models and unwind."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from crowdspirit.extensions import db


def schema_differences() -> list:
    """What autogenerate would still write to make the database match the models."""
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


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
    assert set(inspect(db.engine).get_table_names()) >= {t.name for t in db.metadata.sorted_tables}
    assert schema_differences() == []
    assert client.get("/").status_code == 200
