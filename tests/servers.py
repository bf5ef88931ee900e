"""Real servers for tests and benchmarks: a throwaway PostgreSQL cluster, a Redis server, the scale-out mode.

Used by conftest.py (the session's PostgreSQL), test_scaleout.py, test_serve_prod.py and
bench/load_bench.py (which puts this folder on its path). Each server can be stopped and started
again on the same port and data, which is how the fault runs restart them.
"""

import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
#: the member seed_discussion creates: email, password
MEMBER = ("ana@example.org", "a-long-password")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, seconds: float = 20.0, what: str = "the service"):
    """Poll check() until it returns something truthy (a server starting up); fail after the deadline."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not come up within {seconds} s")


def _pg_tool(name: str) -> str | None:
    """A PostgreSQL server tool from the PATH or from Debian's versioned directory."""
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def _as_postgres(tool: str, *args: str) -> list[str]:
    """Run a PostgreSQL tool as the postgres system user when we are root (it refuses root)."""
    command = [_pg_tool(tool), *args]
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def seed_discussion(url: str) -> dict:
    """Migrate the database at url and give it a member (ana@example.org) and a public idea with its thread."""
    from conftest import OPEN_POLICIES, TEST_CONFIG
    from flask_migrate import upgrade

    from crowdspirit import create_app
    from crowdspirit.accounts import services as accounts
    from crowdspirit.extensions import db
    from crowdspirit.forum import services as forum
    from crowdspirit.pipeline import services as pipeline
    from crowdspirit.projects import services as projects

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        member = accounts.register(MEMBER[0], "Ana", MEMBER[1], "amateur", confirmed=True)
        project = projects.create_project(member, "Open audio", "Open", "", "self_carried")
        projects.update_settings(project, member, **OPEN_POLICIES)
        idea = pipeline.propose_idea(project, member, "Open earbuds", "Open", "", "")
        world = {"database": url, "thread": forum.thread_of_idea(idea).id, "idea": idea.id, "project": project.id}
        db.engine.dispose()
    return world


def csrf_token(page: str) -> str:
    """The CSRF token of the first form of a page."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def signed_in_session(base: str, email: str = MEMBER[0], password: str = MEMBER[1]) -> requests.Session:
    """A browser-like session signed in through the form (CSRF token read from it)."""
    session = requests.Session()
    response = session.post(f"{base}/login", data={"email": email, "password": password,
                                                   "csrf_token": csrf_token(session.get(f"{base}/login").text)},
                            allow_redirects=False)
    assert response.status_code == 303, response.status_code
    return session


class LiveReader:
    """A live reader of one thread (python-socketio client) naming, at each (re)connection, the last post it shows."""

    def __init__(self, url: str, thread: int, transports=("websocket",), headers: dict | None = None,
                 reconnect: bool = False):
        import socketio as socketio_client

        self.posts, self.last, self.connects, self.disconnects = [], 0, 0, 0
        self.arrived = threading.Condition()
        self.client = socketio_client.Client(reconnection=reconnect, reconnection_delay=0.5, reconnection_delay_max=2)
        self.client.on("connect", self._connected)
        self.client.on("disconnect", self._disconnected)
        self.client.on("post", self._post)
        self.client.connect(url, auth=lambda: {"thread": thread, "after": self.last}, transports=list(transports),
                            headers=headers or {}, wait_timeout=20)

    def _connected(self):
        self.connects += 1

    def _disconnected(self, *_reason):
        self.disconnects += 1

    def _post(self, payload):
        with self.arrived:
            self.last = max(self.last, payload["id"])
            self.posts.append(payload["html"])
            self.arrived.notify_all()

    def wait_for(self, text: str, seconds: float = 15) -> bool:
        """Whether a post whose HTML contains text arrives within seconds."""
        with self.arrived:
            return self.arrived.wait_for(lambda: any(text in html for html in self.posts), seconds)

    def close(self) -> None:
        self.client.disconnect()


class PostgresCluster:
    """A throwaway PostgreSQL cluster on a Unix socket in a temporary folder (tuned for speed, not durability
    unless durable=True)."""

    @staticmethod
    def available() -> bool:
        return bool(_pg_tool("initdb") and _pg_tool("pg_ctl"))

    def __init__(self, durable: bool = False):
        self.base = Path(tempfile.mkdtemp(prefix="crowdspirit-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres")
        self.data, self.port, self.durable = self.base / "data", free_port(), durable
        subprocess.run(_as_postgres("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                                    "-E", "UTF8", "--locale=C"), check=True, capture_output=True)
        self.start()

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of a database of this cluster."""
        return f"postgresql+psycopg://postgres@/{database}?host={self.base}&port={self.port}"

    def start(self) -> None:
        """Start the server (again) and wait until it accepts connections."""
        fast = "" if self.durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(_as_postgres("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.base / "log"), "-o",
                                    f"-k {self.base} -p {self.port} -c listen_addresses='' -c max_connections=200"
                                    + fast, "start"), check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (fast: disconnect clients and shut down cleanly; immediate: like a crash)."""
        subprocess.run(_as_postgres("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"), capture_output=True)

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        subprocess.run(_as_postgres("psql", "-h", str(self.base), "-p", str(self.port), "-U", "postgres", "-q",
                                    "-c", f'CREATE DATABASE "{name}"'), check=True, capture_output=True)
        return self.url(name)

    def remove(self) -> None:
        """Stop the server and delete the cluster."""
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


class RedisServer:
    """A throwaway Redis server on a free port (no persistence)."""

    def __init__(self, folder: Path):
        self.binary = shutil.which("redis-server")
        self.folder, self.port, self.process = folder, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        """Start the server (again, on the same port) and wait until it accepts connections."""
        self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", str(self.folder)], stdout=subprocess.DEVNULL)
        wait_until(lambda: socket.create_connection(("127.0.0.1", self.port), timeout=1).close() is None,
                   what="redis-server")

    def stop(self) -> None:
        """Stop the server."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


class ScaleOut:
    """The scale-out mode as `make serve-prod` runs it: gunicorn (crowdspirit/gunicorn_conf.py) with several
    workers, and the dedicated search indexer process, on the given environment; JSON logs to one file."""

    def __init__(self, env: dict, folder: Path, workers: int = 2, threads: int = 32, indexer_process: bool = True):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env, "LOG_FORMAT": "json", "PYTHONPATH": str(ROOT),
                    "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers),
                    "GUNICORN_THREADS": str(threads), "SEARCH_INDEXER": "off" if indexer_process else "thread"}
        self.log_path = folder / "gunicorn.log"
        self.log = open(self.log_path, "a")
        self.indexer = None
        if indexer_process:  # without it (one worker, embedded style), the worker's indexer thread writes
            self.indexer = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "crowdspirit",
                                             "search-indexer"], cwd=ROOT, env=self.env, stdout=self.log,
                                            stderr=subprocess.STDOUT)
        self.gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "crowdspirit/gunicorn_conf.py",
                                          "wsgi:app"], cwd=ROOT, env=self.env, stdout=self.log,
                                         stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: len(self.worker_pids()) == workers and
                       requests.get(f"{self.url}/healthz", timeout=2).status_code == 200, seconds=60,
                       what=f"gunicorn (see {self.log_path})")
        except TimeoutError:
            self.stop()  # no process left behind
            raise

    def worker_pids(self) -> list[int]:
        """The pids of gunicorn's workers alive now."""
        children = Path(f"/proc/{self.gunicorn.pid}/task/{self.gunicorn.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def log_lines(self) -> list[dict]:
        """Every JSON line the servers logged so far (other lines skipped)."""
        lines = []
        for line in self.log_path.read_text().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:  # a line being written, or a library's plain output
                continue
        return lines

    def logged(self, request_id: str, message: str | None = None) -> dict | None:
        """The request log line of a request id (or its line with this message), once written."""
        for line in self.log_lines():
            if line.get("request_id") == request_id and line.get("logger") == "crowdspirit.request" \
                    and (message is None or line["message"] == message) \
                    and (message is not None or "status" in line):
                return line
        return None

    def kill_worker(self, pid: int) -> None:
        """Kill one worker outright (gunicorn starts a new one)."""
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> int:
        """SIGTERM both processes (graceful shutdown) and return gunicorn's exit status."""
        processes = [process for process in (self.gunicorn, self.indexer) if process is not None]
        for process in processes:
            process.terminate()
        status = self.gunicorn.wait(60)
        for process in processes:
            process.wait(30)
        self.log.close()
        return status
