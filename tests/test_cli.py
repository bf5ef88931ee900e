"""`flask crowdspirit ...` commands: demo data and administrator accounts."""

import pytest
from sqlalchemy import func, select

from crowdspirit.accounts.models import Organisation, User
from crowdspirit.database import belongs_on
from crowdspirit.demo import DEMO_PASSWORD
from crowdspirit.extensions import db
from crowdspirit.pipeline.models import Idea, Stage, Vote
from crowdspirit.projects.models import Project
from crowdspirit.specs.models import SpecRevision

ADMIN_PASSWORD = "a long admin passphrase"


def count(column, *conditions) -> int:
    return db.session.scalar(select(func.count(column)).where(*conditions))


def counts() -> dict[str, int]:
    """How many rows each table of the schema (that this database has) holds."""
    dialect = db.engine.dialect.name
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables if belongs_on(table, dialect)}


@pytest.fixture
def seeded(app):
    """The database after `flask crowdspirit seed-demo`."""
    result = app.test_cli_runner().invoke(args=["crowdspirit", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data created" in result.output
    return app


def test_seed_demo_creates_people_and_organisations(seeded, client):
    """The demo has organisations, plenty of members, a moderator, an admin and sponsors."""
    assert count(Organisation.id) >= 3
    assert count(User.id) >= 15
    assert count(User.id, User.is_moderator) >= 1
    assert count(User.id, User.is_admin) >= 1
    assert count(User.id, User.organisation_id.is_not(None)) >= 2
    demo_member = {"email": "member@demo.crowdspirit.org", "password": DEMO_PASSWORD}
    assert client.post("/login", data=demo_member).status_code == 303


def test_seed_demo_creates_projects_and_a_full_pipeline(seeded):
    """Projects of both kinds, ideas in every stage, votes, and specs with several revisions."""
    assert count(Project.id) >= 5
    assert set(db.session.scalars(select(Project.kind).distinct())) == {"sponsored", "self_carried"}
    assert count(Idea.id) >= 60
    assert set(db.session.scalars(select(Idea.stage).distinct())) == set(Stage)
    assert count(Vote.id) > 0
    revisions_per_idea = select(func.count(SpecRevision.id)).group_by(SpecRevision.idea_id)
    assert max(db.session.scalars(revisions_per_idea)) > 1


def test_seed_demo_twice_changes_nothing(seeded):
    """Running the seed again leaves every table as it was."""
    before = counts()
    result = seeded.test_cli_runner().invoke(args=["crowdspirit", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert counts() == before


def test_create_admin(app, client):
    """create-admin (password typed twice at the prompt) makes an admin who can sign in."""
    result = app.test_cli_runner().invoke(
        args=["crowdspirit", "create-admin", "--email", "Boss@Example.org", "--name", "Bea Boss"],
        input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.email == "boss@example.org"))
    assert admin.is_admin and admin.display_name == "Bea Boss"
    response = client.post("/login", data={"email": "boss@example.org", "password": ADMIN_PASSWORD},
                           follow_redirects=True)
    assert "Welcome back, Bea Boss" in response.text


def test_create_admin_promotes_an_existing_account(app, make_user):
    """create-admin on an existing email makes that member an admin without a new account."""
    member = make_user()
    result = app.test_cli_runner().invoke(args=[
        "crowdspirit", "create-admin", "--email", member.email, "--name", "Ignored",
        "--password", ADMIN_PASSWORD])
    assert result.exit_code == 0, result.output
    db.session.refresh(member)
    assert member.is_admin
    assert count(User.id) == 1


def test_create_admin_refuses_mismatched_confirmation(app):
    """A confirmation that differs from the password creates no account."""
    result = app.test_cli_runner().invoke(
        args=["crowdspirit", "create-admin", "--email", "boss@example.org", "--name", "Bea Boss"],
        input=f"{ADMIN_PASSWORD}\nsomething else\n")
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert count(User.id) == 0
