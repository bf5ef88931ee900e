"""Two real server processes sharing live rooms through a real Redis: a post on one reaches a reader
connected to the other."""

import os
import subprocess
import sys

import pytest
import requests
from servers import ROOT, LiveReader, csrf_token, free_port, seed_discussion, signed_in_session, wait_until


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A migrated SQLite database with a member and a public idea discussion."""
    path = tmp_path_factory.mktemp("scaleout") / "shared.db"
    return seed_discussion(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def servers(redis_server, world, tmp_path_factory):
    """Two server processes of the app, each with its own port, sharing the database and Redis."""
    env = {**os.environ, "DATABASE_URL": world["database"], "SOCKETIO_MESSAGE_QUEUE": redis_server.url,
           "SECRET_KEY": "scale-out-test", "PAGE_CACHE_SECONDS": "0", "ARGON2_TIME_COST": "1",
           "ARGON2_MEMORY_COST": "64"}
    script = ("import sys; from wsgi import app; from crowdspirit.extensions import socketio; "
              "socketio.run(app, host='127.0.0.1', port=int(sys.argv[1]), allow_unsafe_werkzeug=True)")
    started = []
    log_dir = tmp_path_factory.mktemp("logs")
    for name in ("a", "b"):
        port = free_port()
        log = open(log_dir / f"server-{name}.log", "w")
        process = subprocess.Popen([sys.executable, "-c", script, str(port)], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        started.append((f"http://127.0.0.1:{port}", process, log))
    try:
        for url, _process, _log in started:
            wait_until(lambda url=url: requests.get(f"{url}/login", timeout=2).status_code == 200)
        yield [url for url, _process, _log in started]
    finally:
        for _url, process, log in started:
            process.terminate()
            process.wait(10)
            log.close()


def test_post_on_one_server_reaches_a_reader_on_the_other(servers, world):
    """A visitor reading the thread through server A receives, live, a post made through server B."""
    server_a, server_b = servers
    reader = LiveReader(server_a, world["thread"], transports=["polling"])
    try:
        writer = signed_in_session(server_b)
        token = csrf_token(writer.get(f"{server_b}/threads/{world['thread']}").text)
        response = writer.post(f"{server_b}/threads/{world['thread']}/posts",
                               data={"body": "Hello from server B", "csrf_token": token}, allow_redirects=False)
        assert response.status_code == 303
        assert reader.wait_for("Hello from server B"), "no live post reached the reader on server A"
    finally:
        reader.close()
