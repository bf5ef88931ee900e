"""The scale-out mode for real: gunicorn with two workers (crowdspirit/gunicorn_conf.py) and the dedicated search
indexer on PostgreSQL and Redis started by the test session; a journey whose steps land on different workers."""

import uuid
from collections import Counter
from contextlib import contextmanager

import pytest
import requests
from servers import LiveReader, ScaleOut, csrf_token, seed_discussion, signed_in_session, wait_until
from sqlalchemy import create_engine, text


@pytest.fixture(scope="module")
def world(postgres_cluster):
    """A PostgreSQL database of its own in the session's cluster, with a member and a public idea discussion."""
    return seed_discussion(postgres_cluster.create_database(f"serve_prod_{uuid.uuid4().hex[:8]}"))


def start(world, redis_server, folder) -> ScaleOut:
    """The deployment as `make serve-prod` starts it, on the test's database, Redis and folders."""
    return ScaleOut({"DATABASE_URL": world["database"], "SOCKETIO_MESSAGE_QUEUE": redis_server.url,
                     "RATELIMIT_STORAGE_URI": redis_server.url,
                     "SECRET_KEY": "serve-prod-test", "SEARCH_INDEX_DIR": str(folder / "search"),
                     "PAGE_CACHE_SECONDS": "0", "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "64",
                     "CROWDSPIRIT_ENV": "development"}, folder, workers=2)


@pytest.fixture(scope="module")
def deployment(world, redis_server, tmp_path_factory):
    """gunicorn (two workers) and the indexer, stopped (SIGTERM) at the end of the module."""
    deployment = start(world, redis_server, tmp_path_factory.mktemp("serve-prod"))
    yield deployment
    deployment.stop()


RESYNC = "reconnected to the message queue: closed"


@contextmanager
def redis_down(deployment: ScaleOut, redis_server):
    """Stop Redis for the block; afterwards wait until every worker listening to it is subscribed again (and has
    closed its sockets for them to catch up), so that no resync is left to surprise the next test."""
    def count(message):
        return Counter(line["pid"] for line in deployment.log_lines() if line["message"].startswith(message))

    before = count(RESYNC)
    redis_server.stop()
    try:
        yield
    finally:
        redis_server.start()
        wait_until(lambda: all(count(RESYNC)[pid] > before[pid] for pid in count("listening to the message queue")),
                   seconds=30, what="every listening worker's resync after Redis came back")


def request_id(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}"


def pid_of(deployment: ScaleOut, rid: str, message: str | None = None) -> int:
    """The worker that served (or holds, for a websocket) the request with this id, read from the JSON log."""
    return wait_until(lambda: deployment.logged(rid, message), what=f"the log line of {rid}")["pid"]


def on_other_worker(deployment: ScaleOut, session: requests.Session, avoid: int) -> None:
    """Leave session with a kept-alive connection to a worker other than avoid (gunicorn picks one per connection)."""
    for _attempt in range(60):
        rid = request_id("probe")
        assert session.get(f"{deployment.url}/healthz", headers={"X-Request-ID": rid}).status_code == 200
        if pid_of(deployment, rid) != avoid:
            return
        session.close()  # a new connection next time, maybe to the other worker
    raise AssertionError("every connection went to the same worker")


def test_journey_across_workers(deployment, world):
    """Sign in, post through one worker, receive it live on a socket held by the other, vote, and find it."""
    reader_id = request_id("reader")
    reader = LiveReader(deployment.url, world["thread"], headers={"X-Request-ID": reader_id})
    try:
        reader_pid = pid_of(deployment, reader_id, "websocket opened")
        member = signed_in_session(deployment.url)
        token = csrf_token(member.get(f"{deployment.url}/threads/{world['thread']}").text)
        on_other_worker(deployment, member, avoid=reader_pid)
        post_id = request_id("post")
        response = member.post(f"{deployment.url}/threads/{world['thread']}/posts", allow_redirects=False,
                               data={"body": "Quokkaphone prototypes ready", "csrf_token": token},
                               headers={"X-Request-ID": post_id})
        assert response.status_code == 303
        assert response.headers["X-Request-ID"] == post_id
        assert pid_of(deployment, post_id) != reader_pid, "the post and the live reader shared a worker"
        assert reader.wait_for("Quokkaphone prototypes ready"), "the post did not reach the reader on the other worker"
    finally:
        reader.close()

    idea_page = f"{deployment.url}/ideas/{world['idea']}"
    for action, form in (("move/vote", {"reason": "ready"}), ("vote", {})):
        answer = member.post(f"{idea_page}/{action}", data={"csrf_token": token, **form}, allow_redirects=False)
        assert answer.status_code == 303, action

    def search_page():
        page = member.get(f"{deployment.url}/search?q=quokkaphone").text
        return page if "prototypes ready" in page else None

    wait_until(search_page, seconds=30, what="the post in search results")
    with create_engine(world["database"]).connect() as connection:
        assert connection.scalar(text("SELECT vote_count FROM ideas WHERE id = :id"), {"id": world["idea"]}) == 1
        assert connection.scalar(text("SELECT count(*) FROM votes WHERE idea_id = :id"), {"id": world["idea"]}) == 1


def test_health_and_readiness(deployment):
    """/healthz answers; /readyz answers ready while the database, Redis and the index do; ids are echoed."""
    health = requests.get(f"{deployment.url}/healthz", headers={"X-Request-ID": "lb-check-1"})
    assert (health.status_code, health.json(), health.headers["X-Request-ID"]) == (200, {"status": "ok"}, "lb-check-1")
    invented = requests.get(f"{deployment.url}/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert invented.headers["X-Request-ID"] not in ("", "bad id\twith spaces")
    ready = requests.get(f"{deployment.url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "failed": [],
                            "checks": {"database": "ok", "redis": "ok", "search": "ok"}}


def test_readiness_fails_while_redis_is_down(deployment, redis_server):
    """Redis stopped: /readyz is 503 naming redis (/healthz still answers); back to ready once Redis is."""
    with redis_down(deployment, redis_server):
        down = requests.get(f"{deployment.url}/readyz")
        assert down.status_code == 503
        assert down.json()["status"] == "unavailable" and down.json()["failed"] == ["redis"]
        assert down.json()["checks"]["database"] == "ok"
        assert requests.get(f"{deployment.url}/healthz").status_code == 200
    assert requests.get(f"{deployment.url}/readyz").status_code == 200


def test_posts_made_while_redis_is_down_reach_live_readers_once_it_is_back(deployment, world, redis_server):
    """A post made while Redis restarts is accepted (rate limits fall back to memory) but cannot be pushed; the
    workers then close their sockets, and the reader reconnects naming the last post it shows and gets it."""
    reader = LiveReader(deployment.url, world["thread"], reconnect=True)
    member = signed_in_session(deployment.url)
    token = csrf_token(member.get(f"{deployment.url}/threads/{world['thread']}").text)
    with redis_down(deployment, redis_server):
        answer = member.post(f"{deployment.url}/threads/{world['thread']}/posts", allow_redirects=False,
                             data={"body": "Written while the queue was down", "csrf_token": token})
        assert answer.status_code == 303
    try:
        assert reader.wait_for("Written while the queue was down", seconds=30)
        wait_until(lambda: reader.connects == 2, what="the reader's reconnection")  # dropped by the resync
    finally:
        reader.close()


def test_graceful_shutdown(world, redis_server, tmp_path):
    """SIGTERM: live sockets are closed at once (clients reconnect elsewhere), loops stop, gunicorn exits 0."""
    deployment = start(world, redis_server, tmp_path)
    reader = LiveReader(deployment.url, world["thread"])
    assert deployment.stop() == 0
    wait_until(lambda: reader.disconnects == 1, what="the reader's disconnection")
    messages = [line["message"] for line in deployment.log_lines()]
    assert "closing 1 live sockets for shutdown" in messages
    assert messages.count("background loops stopped") == 2
