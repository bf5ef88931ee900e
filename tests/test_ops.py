"""Running in production, in-process: request ids, the request log and its JSON lines, probes, static caching."""

import json
import logging
import re

import pytest
from conftest import TEST_CONFIG
from sqlalchemy import create_engine, text

from crowdspirit import create_app
from crowdspirit.extensions import db
from crowdspirit.ops import release_session
from crowdspirit.ops.logs import JsonFormatter


def test_request_id_is_echoed_when_valid_and_made_otherwise(client):
    """A proxy's X-Request-ID comes back unchanged; a missing or malformed one is replaced by a new id."""
    assert client.get("/healthz", headers={"X-Request-ID": "nginx-7f3a:1"}).headers["X-Request-ID"] == "nginx-7f3a:1"
    for sent in (None, "x" * 129, "no spaces please", "<script>"):
        answer = client.get("/healthz", headers={"X-Request-ID": sent} if sent else {})
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])


def test_one_log_line_per_request_with_its_fields(client, login_as, make_user, caplog):
    """Each request logs method, path, status, duration, request id and the signed-in member, as one JSON object."""
    member = login_as(make_user())
    with caplog.at_level(logging.INFO, logger="crowdspirit.request"):
        client.get("/dashboard", headers={"X-Request-ID": "req-42"}).close()  # logged once the answer is sent
    record = next(r for r in caplog.records if r.name == "crowdspirit.request")
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /dashboard 200"
    assert {key: line[key] for key in ("level", "logger", "request_id", "method", "path", "status", "user_id")} == {
        "level": "INFO", "logger": "crowdspirit.request", "request_id": "req-42", "method": "GET",
        "path": "/dashboard", "status": 200, "user_id": member.id}
    assert line["duration_ms"] >= 0 and line["time"].endswith("+00:00") and isinstance(line["pid"], int)


def test_probes_answer_in_process(client):
    """Without Redis configured, readiness checks the database and the index and says Redis is off."""
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "redis": "off", "search": "ok"}


def test_an_unreachable_database_is_a_503_to_retry(tmp_path):
    """No database: pages answer 503 with Retry-After (not a 500), /readyz names it (only it), /healthz answers."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/folder/db.sqlite",
                      "SEARCH_INDEX_DIR": str(tmp_path / "search")})
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json() == {"status": "unavailable", "failed": ["database"],
                                "checks": {"database": "OperationalError", "redis": "off", "search": "ok"}}
    assert client.get("/healthz").status_code == 200
    page = client.get("/ideas")
    assert (page.status_code, page.headers["Retry-After"]) == (503, "5")
    assert "briefly unavailable. Please try again in a few seconds." in page.get_data(as_text=True)


def test_static_files_are_versioned_and_cached_for_a_year(client):
    """Pages link static files by content version; those answers may be cached a year, others revalidate."""
    page = client.get("/login").get_data(as_text=True)
    version = re.search(r'href="/static/css/app\.css\?v=([0-9a-f]{12})"', page)[1]
    versioned = client.get(f"/static/css/app.css?v={version}")
    assert versioned.status_code == 200
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for stale in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        assert client.get(stale).headers["Cache-Control"] == "no-cache"


def test_a_connection_dropped_by_the_database_is_released_quietly(postgres_url, tmp_path):
    """PostgreSQL ends a session's connection (a restart): the end of the request does not fail, the next one works."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": postgres_url, "SEARCH_INDEX_DIR": str(tmp_path)})
    with app.app_context():
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        release_session()
        assert db.session.execute(text("SELECT 1")).scalar() == 1
        db.engine.dispose()


def test_readiness_checks_the_shared_search_tables_with_the_postgres_backend(postgres_url, tmp_path):
    """With SEARCH_BACKEND=postgres no index folder is needed: readiness asks the database's search tables."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": postgres_url, "SEARCH_BACKEND": "postgres",
                      "SEARCH_INDEX_DIR": str(tmp_path / "no-such-folder")})
    client, admin = app.test_client(), create_engine(postgres_url)
    try:
        ready = client.get("/readyz")
        assert (ready.status_code, ready.get_json()["checks"]["search"]) == (200, "ok")
        with admin.begin() as connection:
            connection.execute(text("ALTER TABLE search_documents RENAME TO search_documents_away"))
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["failed"] == ["search"]
    finally:
        with admin.begin() as connection:
            connection.execute(text("ALTER TABLE IF EXISTS search_documents_away RENAME TO search_documents"))
        admin.dispose()
        with app.app_context():
            db.engine.dispose()


def test_a_transaction_broken_by_a_lost_connection_is_a_503_too(client, login_as, make_user, make_idea, monkeypatch):
    """When the connection died inside the request's transaction (seen in the load bench's PostgreSQL restart),
    SQLAlchemy refuses further queries with PendingRollbackError: the member gets the 503 page, not a 500."""
    from sqlalchemy.exc import PendingRollbackError

    from crowdspirit.pipeline import services as pipeline

    def broken(*_args, **_kwargs):
        raise PendingRollbackError("Can't reconnect until invalid transaction is rolled back.")

    idea = make_idea(stage="vote")
    login_as(make_user())
    monkeypatch.setattr(pipeline, "cast_vote", broken)
    response = client.post(f"/ideas/{idea.id}/vote")
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert "briefly unavailable. Please try again in a few seconds." in response.get_data(as_text=True)


@pytest.mark.parametrize("language, message", [
    ("en", "briefly unavailable. Please try again in a few seconds."),
    ("fr", "momentanément indisponible"),
])
def test_a_database_failing_as_the_member_is_looked_up_is_a_503(client, login_as, make_user, monkeypatch, language,
                                                                 message):
    """The database fails while the signed-in member's sign-in is read (the load bench's PostgreSQL restart), in a
    browser that chose no language: the 503 page answers in the browser's language, without asking the database
    again who is signed in to learn the member's (that cascaded into a bare 500 from the server)."""
    from sqlalchemy.exc import OperationalError

    from crowdspirit.accounts import sessions

    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT user_sessions", {}, Exception("the database system is shutting down"))

    login_as(make_user())
    monkeypatch.setattr(sessions.stamps, "with_stamps", unreachable)
    response = client.get("/ideas", headers={"Accept-Language": language})
    assert (response.status_code, response.headers["Retry-After"]) == (503, "5")
    assert message in response.get_data(as_text=True)
