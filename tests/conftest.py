"""Fixtures: the app on SQLite and on a real PostgreSQL server, clients, and factories."""

import os
import re
import shutil
import socket
from email import message_from_bytes
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import current_app, g
from flask_migrate import upgrade
from servers import PostgresCluster, RedisServer
from sqlalchemy import create_engine, select, text
from werkzeug.routing.rules import Rule

from crowdspirit import access, create_app, demo
from crowdspirit import clock as contest_clock
from crowdspirit.accounts import services as accounts
from crowdspirit.accounts import sessions
from crowdspirit.accounts.models import Organisation
from crowdspirit.database import belongs_on, utcnow
from crowdspirit.extensions import db, limiter
from crowdspirit.pipeline import services as pipeline
from crowdspirit.pipeline.models import Stage
from crowdspirit.projects import services as projects
from crowdspirit.projects.models import POLICY_STAGES, ProjectMembership
from crowdspirit.rnd import services as rnd
from crowdspirit.rnd.models import Interest

PASSWORD = "correct horse battery"
OPEN_POLICIES = {f"policy_{stage}": "public" for stage in POLICY_STAGES}
TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "SECRET_KEY": "test-secret",
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 64,
    "SERVER_NAME": None,
    "PAGE_CACHE_SECONDS": 0,  # test_pagecache turns the micro-cache on where it is the subject
    "SEARCH_INDEXER": "off",  # tests index when they choose (search.indexer.drain), or start the thread
    "WEBHOOKS_DELIVERY": "off",  # tests send deliveries when they choose (api.webhooks.deliver_due)
    "MAIL_DELIVERY": "inline",  # queued emails go right after the commit (test_notification_preferences: retries)
    "EVENTS_DELIVERY": "inline",  # karma is applied as each action commits (test_events covers the thread)
    "CONTEST_SCHEDULER": "off",  # tests apply dated contest phases when they choose (contests.services.catch_up_all)
}


def without_nonces(html: str) -> str:
    """The page with its per-response CSP nonces blanked out (to compare two answers)."""
    return re.sub(r'(nonce="|Nonce": ")[\w-]+', r"\1", html)


# --- One app per test, built cheaply ---------------------------------------------------------
def _url_builders_compiled_once():
    """Werkzeug compiles two Python functions (ast, then compile()) for every URL rule of every app it builds: three
    quarters of create_app, which the suite calls for every test. A builder depends only on its rule (the text, its
    parts, defaults and converters), never on the app: compile each once per session and give every app the same."""
    compile_builder = Rule._compile_builder
    builders = {}

    def compiled_once(rule, append_unknown=True):
        key = (rule.rule, tuple(rule._trace), append_unknown, repr(sorted((rule.defaults or {}).items())),
               tuple(sorted((name, type(converter)) for name, converter in rule._converters.items())))
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    Rule._compile_builder = compiled_once


_url_builders_compiled_once()


# --- Under CI=true a skipped test fails the run: nothing may silently drop out. -------------
_skipped = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI") == "true" and _skipped:
        print(f"\nCI=true: {len(_skipped)} skipped test(s) count as failures: {_skipped[:5]}")
        session.exitstatus = 1


# --- Databases -----------------------------------------------------------------------------
def _migrated(url: str) -> None:
    """Bring the database at url to the latest migration."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once; each test works on a copy of it."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    _migrated(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL cluster on a Unix socket, removed at the end of the session."""
    if not PostgresCluster.available():
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    cluster = PostgresCluster()
    yield cluster
    cluster.remove()


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster):
    """The cluster's default database, migrated once (tests empty it after themselves)."""
    url = postgres_cluster.url()
    _migrated(url)
    return url


#: SQL: PostgreSQL's sequences that handed out a number since they were last restarted, and where they stand
USED_SEQUENCES = ("SELECT format('%I.%I', schemaname, sequencename) AS name, last_value FROM pg_sequences "
                  "WHERE last_value IS NOT NULL")


class TableRows:
    """Every row of a database's model tables, and PostgreSQL's sequence positions: what a database holds, to write
    into another one of the same schema."""

    def __init__(self, connection):
        self.tables = {}
        for table in db.metadata.sorted_tables:
            if belongs_on(table, connection.dialect.name) and (rows := connection.execute(select(table)).all()):
                self.tables[table] = [row._asdict() for row in rows]
        self.sequences = connection.execute(text(USED_SEQUENCES)).all() if connection.dialect.name == "postgresql" \
            else []

    def write(self, connection) -> None:
        """Replace what these tables hold with these rows (in any order: foreign keys are checked at commit on
        SQLite, not at all on PostgreSQL) and move the sequences to the same positions."""
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            connection.execute(text("PRAGMA defer_foreign_keys = ON"))
        for table, rows in self.tables.items():
            connection.execute(table.delete())
            connection.execute(table.insert(), rows)
        for name, value in self.sequences:
            connection.execute(text("SELECT setval(CAST(:name AS regclass), :value)"), {"name": name, "value": value})


@pytest.fixture(scope="session")
def migrated_rows(sqlite_template) -> TableRows:
    """The rows the migrations write themselves (the access version): what every test's database starts with."""
    engine = create_engine(f"sqlite:///{sqlite_template}")
    with engine.connect() as connection:
        rows = TableRows(connection)
    engine.dispose()
    return rows


def filled_tables(connection) -> list[str]:
    """The model tables that hold at least one row, quoted (one query)."""
    names = [f'"{table.name}"' for table in db.metadata.sorted_tables if belongs_on(table, connection.dialect.name)]
    return connection.execute(text(" UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in names))).scalars().all()


@pytest.fixture(scope="session")
def empty_postgres(postgres_url, migrated_rows):
    """Bring the session's PostgreSQL database back to what the migrations left: delete the rows of the tables that
    hold some (foreign-key triggers off, so in any order), restart the sequences used (as TRUNCATE ... RESTART
    IDENTITY) and write the migrations' own rows, on one connection kept for the session. Much cheaper than a
    TRUNCATE of every table (new files for each table and index) from a new app."""
    engine = create_engine(postgres_url, pool_size=1, pool_pre_ping=True)

    def empty():
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            for name in filled_tables(connection):
                connection.execute(text(f"DELETE FROM {name}"))
            connection.execute(text(f"SELECT setval(CAST(name AS regclass), 1, false) FROM ({USED_SEQUENCES}) AS used"))
            migrated_rows.write(connection)

    yield empty
    engine.dispose()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A throwaway Redis server on a free port, stopped at the end of the module."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    """Every test runs against SQLite and against PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    empty = request.getfixturevalue("empty_postgres")
    yield request.getfixturevalue("postgres_url")
    empty()


# --- The demo, seeded for real once per session and kind of database ---------------------------
#: settings that differ from test to test without changing what the demo seeds
PER_TEST_SETTINGS = {"SQLALCHEMY_DATABASE_URI", "SEARCH_INDEX_DIR"}


class DemoSnapshot:
    """What `demo.seed` wrote into a database as migrated: its rows and sequence positions, the files of the instance
    folder (contest entries), and the counts it returned."""

    def __init__(self, counts: dict, folder: Path):
        self.counts, self.folder, self.rows = counts, folder, TableRows(db.session.connection())
        if Path(current_app.instance_path).exists():
            shutil.copytree(current_app.instance_path, folder, dirs_exist_ok=True)

    def replay(self) -> dict:
        """Write the same rows, sequence positions and files into this database and instance folder."""
        self.rows.write(db.session.connection())
        db.session.commit()
        shutil.copytree(self.folder, current_app.instance_path, dirs_exist_ok=True)
        return dict(self.counts)


@pytest.fixture(scope="session", autouse=True)
def demo_seeded_once(migrated_rows, tmp_path_factory):
    """`demo.seed` (the seed-demo command, the journeys' world) takes 5 to 15 s. Into a database as migrated, it runs
    for real the first time for each kind of database and settings, and is replayed from that snapshot afterwards;
    into a database that holds anything more, it always runs for real."""
    seed, snapshots = demo.seed, {}

    def seed_or_replay() -> dict:
        connection = db.session.connection()
        if TableRows(connection).tables != migrated_rows.tables:
            return seed()
        key = (connection.dialect.name, repr(sorted((name, repr(value)) for name, value in current_app.config.items()
                                                    if name not in PER_TEST_SETTINGS)))
        if key in snapshots:
            return snapshots[key].replay()
        counts = seed()
        snapshots[key] = DemoSnapshot(counts, tmp_path_factory.mktemp("demo"))
        return counts

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo, "seed", seed_or_replay)
        yield


# --- The browser tests' world and browser, shared by their modules (one of each per xdist worker) ---------------
@pytest.fixture(scope="session")
def world(sqlite_template, tmp_path_factory) -> Path:
    """The seeded demo (database, search index, files), built once; each browser test serves a copy of it."""
    from browser import LIVE_CONFIG  # browser.py imports this module: import it once both are loaded

    from crowdspirit.search import indexer

    folder = tmp_path_factory.mktemp("journeys")
    shutil.copy(sqlite_template, folder / "world.db")
    app = create_app({**LIVE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'world.db'}",
                      "SEARCH_INDEX_DIR": str(folder / "search")})
    app.instance_path = str(folder / "instance")  # the contest entries' files
    with app.app_context():
        demo.seed()
        indexer.drain()
        db.session.remove()
        db.engine.dispose()
    return folder


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, launched once for all browser tests (.ci/run installs the package)."""
    from browser import CHROMIUM, launch
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def live(world, tmp_path, clock):
    """This browser test's live server, on its own copy of the demo, with the contests' clock stopped at now."""
    from browser import serve_copy

    with serve_copy(world, tmp_path) as server, server.app.app_context():
        yield server
        db.session.remove()


# --- App, clients, factories ----------------------------------------------------------------
@pytest.fixture
def app(database_url, tmp_path):
    """The application bound to this test's database, inside an app context."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SEARCH_INDEX_DIR": str(tmp_path / "search")})
    app.instance_path = str(tmp_path / "instance")
    limiter.reset()
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """An HTTP client; use login_as to sign it in."""
    return app.test_client()


@pytest.fixture
def mailbox(app, tmp_path):
    """The emails the app sends, read back from the file mail backend: a list of (to, subject, body)."""
    folder = tmp_path / "mail"
    app.config.update(MAIL_BACKEND="file", MAIL_FILE_DIR=str(folder), SITE_URL="https://crowdspirit.example")

    def read():
        messages = [message_from_bytes(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]
        return [(m["To"], m["Subject"], m.get_payload(decode=True).decode()) for m in messages]

    return read


def emailed_path(body: str, prefix: str) -> str:
    """The path of the link to SITE_URL + prefix that an email body carries."""
    link = re.search(r"https?://\S+", body)[0]
    assert link.startswith(f"https://crowdspirit.example{prefix}"), link
    return urlsplit(link).path


@pytest.fixture
def login_as(client):
    """Sign the client in as a user (the sign-in form itself is tested in test_accounts)."""

    def login(user):
        g.pop("_login_user", None)  # Flask-Login caches the user in the test's long-lived context
        sessions.open_sign_in(user, "password")  # a sign-in of its own: signing out ends this one only
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return login


@pytest.fixture
def make_user(app):
    """Create a member with a confirmed address (verified=False: one who has not opened the link yet);
    organisation=... makes a sponsor, moderator/admin flags as named. The member is signed in somewhere, so that
    user.get_id() names an open sign-in (login_as opens another)."""
    counter = iter(range(1, 10_000))

    def make(name=None, organisation=None, moderator=False, admin=False, kind="amateur", verified=True):
        n = next(counter)
        user = accounts.register(f"user{n}@example.org", name or f"Member {n}", PASSWORD, kind,
                                 "electronics", organisation)
        user.is_moderator, user.is_admin = moderator, admin
        user.email_verified_at = utcnow() if verified else None
        db.session.commit()
        sessions.open_sign_in(user, "password")
        return user

    return make


@pytest.fixture
def make_org(app):
    """Create a sponsor organisation."""

    def make(name="Helios Audio"):
        org = Organisation(slug=name.lower().replace(" ", "-"), name=name)
        db.session.add(org)
        db.session.commit()
        return org

    return make


@pytest.fixture
def make_project(app, make_user):
    """Create a project, open to everyone at every stage unless policies are given with the gates."""

    def make(owner=None, title="Pocket audio", kind="self_carried", **gates):
        project = projects.create_project(owner or make_user(), title, "A field to explore",
                                          "About it", kind)
        projects.update_settings(project, project.owner, **{**OPEN_POLICIES, **gates})
        return project

    return make


@pytest.fixture
def open_socket(app):
    """A Socket.IO test client for a user (None: a visitor), with its own HTTP session; auth as the page sends."""
    from crowdspirit.extensions import socketio

    def open_(user, auth):
        http = app.test_client()
        if user is not None:
            sessions.open_sign_in(user, "password")
            with http.session_transaction() as session:
                session["_user_id"] = user.get_id()
        g.pop("_login_user", None)  # Flask-Login caches the user in the test's long-lived context
        socket = socketio.test_client(app, flask_test_client=http, auth=auth)
        g.pop("_login_user", None)
        return socket

    return open_


#: a sponsor's offer as the partners page's form posts it
OFFER = {"pitch": "Our lab can build it.", "terms": "Prototypes within six months.", "reward_pool": "1500.00",
         "currency": "EUR", "ip_arrangement": "assignment"}


@pytest.fixture
def take_into_rnd(client, login_as):
    """The partnership flow over HTTP: the sponsor offers, the chooser selects it, the sponsor accepts.

    Returns the answer to the acceptance (303 to the workspace when the idea entered partner R&D).
    """

    def run(idea, sponsor, chooser, message="", **offer):
        login_as(sponsor)
        response = client.post(f"/ideas/{idea.id}/partners", data={**OFFER, **offer})
        assert response.status_code == 303, response.get_data(as_text=True)[-800:]
        interest = db.session.scalar(select(Interest).where(Interest.idea_id == idea.id,
                                                            Interest.organisation_id == sponsor.organisation_id))
        login_as(chooser)
        assert client.post(f"/interests/{interest.id}/select").status_code == 303
        login_as(sponsor)
        return client.post(f"/interests/{interest.id}/accept", data={"message": message})

    return run


@pytest.fixture
def add_member(app):
    """Put a user in a project directly (the request and approval flow is tested in test_projects)."""

    def add(project, user, role="contributor"):
        membership = ProjectMembership(project_id=project.id, user_id=user.id, role=role)
        db.session.add(membership)
        access.changed(project.id, "membership.added")  # as the membership services say it
        db.session.commit()
        return membership

    return add


@pytest.fixture
def make_idea(app, make_user, make_project, make_org):
    """Create an idea and put it in the given stage (the moves themselves are tested over HTTP)."""
    paths = {Stage.IDEA: [], Stage.VOTE: [Stage.VOTE], Stage.SPEC: [Stage.VOTE, Stage.SPEC],
             Stage.PARTNER_RND: [Stage.VOTE, Stage.SPEC, Stage.PARTNER_RND],
             Stage.ARCHIVED: [Stage.ARCHIVED]}

    def make(project=None, author=None, stage=Stage.IDEA, title="Bone-conduction earbuds",
             tags="audio", partner=None):
        project = project or make_project()
        idea = pipeline.propose_idea(project, author or make_user(), title,
                                     "Hear without blocking your ears.", "Details **here**.", tags)
        for target in paths[Stage(stage)]:
            if target == Stage.PARTNER_RND:
                partner = partner or project.rnd_partner or make_org("Partner Labs")
                rnd.open_partnership(idea, partner.id)
            pipeline._move(idea, target, None, "set up by the test", partner)
        return idea

    return make


@pytest.fixture
def clock():
    """The contests' clock, stopped at the current time for this test: move it with clock.advance(hours=...)."""
    contest_clock.set_to(contest_clock.now())
    yield contest_clock
    contest_clock.set_to(None)


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_mailbox(app):
    """A real SMTP server (aiosmtpd) on a free local port that the app sends through: read() returns the messages
    received so far as (to, subject, body)."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    received = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            received.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    port = free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False,
                      MAIL_USERNAME="", SITE_URL="https://crowdspirit.example")

    def read():
        return [(m["To"], m["Subject"], m.get_body(("plain",)).get_content()) for m in received]

    read.messages = received  # the parsed messages themselves, headers and all
    yield read
    controller.stop()
