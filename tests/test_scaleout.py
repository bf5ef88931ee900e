"""Two real server processes sharing live rooms through a real Redis: a post on one reaches a reader
connected to the other."""

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import socketio as socketio_client
from conftest import OPEN_POLICIES, TEST_CONFIG
from flask_migrate import upgrade

from crowdspirit import create_app
from crowdspirit.accounts import services as accounts
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.pipeline import services as pipeline
from crowdspirit.projects import services as projects

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, seconds: float = 20.0):
    """Poll check() until it is truthy (servers starting up); fail after the deadline."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.1)
    raise TimeoutError("the service did not come up")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A throwaway Redis server on a free port, stopped at the end."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    wait_until(lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() is None)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A migrated SQLite database with a member and a public idea discussion."""
    path = tmp_path_factory.mktemp("scaleout") / "shared.db"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        member = accounts.register("ana@example.org", "Ana", "a-long-password", "amateur")
        project = projects.create_project(member, "Open audio", "Open", "", "self_carried")
        projects.update_settings(project, member, **OPEN_POLICIES)
        idea = pipeline.propose_idea(project, member, "Open earbuds", "Open", "", "")
        thread_id = forum.thread_of_idea(idea).id
        db.engine.dispose()
    return {"database": f"sqlite:///{path}", "thread": thread_id}


@pytest.fixture(scope="module")
def servers(redis_url, world, tmp_path_factory):
    """Two server processes of the app, each with its own port, sharing the database and Redis."""
    env = {**os.environ, "DATABASE_URL": world["database"], "SOCKETIO_MESSAGE_QUEUE": redis_url,
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


def signed_in_session(base: str) -> requests.Session:
    """A browser-like session signed in on one server (CSRF token read from the form)."""
    session = requests.Session()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', session.get(f"{base}/login").text)[1]
    response = session.post(f"{base}/login", data={"email": "ana@example.org", "password": "a-long-password",
                                                   "csrf_token": token}, allow_redirects=False)
    assert response.status_code == 303
    return session


def test_post_on_one_server_reaches_a_reader_on_the_other(servers, world):
    """A visitor reading the thread through server A receives, live, a post made through server B."""
    server_a, server_b = servers
    received, arrived = [], threading.Event()
    reader = socketio_client.Client(reconnection=False)

    @reader.on("post")
    def on_post(payload):
        received.append(payload)
        arrived.set()

    reader.connect(server_a, auth={"thread": world["thread"]}, transports=["polling"], wait_timeout=10)
    try:
        writer = signed_in_session(server_b)
        page = writer.get(f"{server_b}/threads/{world['thread']}").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        response = writer.post(f"{server_b}/threads/{world['thread']}/posts",
                               data={"body": "Hello from server B", "csrf_token": token}, allow_redirects=False)
        assert response.status_code == 303
        assert arrived.wait(15), "no live post reached the reader on server A"
        assert "Hello from server B" in received[0]["html"]
    finally:
        reader.disconnect()
