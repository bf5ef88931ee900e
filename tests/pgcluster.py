"""A throwaway PostgreSQL cluster in a temporary folder, for the test session and the benchmarks.

PostgreSQL refuses to run as root: when we are root, its tools run as the `postgres` system user, in
a folder that user owns, listening only on a Unix socket in that folder.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path


def tool(name: str) -> str | None:
    """A PostgreSQL server tool from the PATH or from Debian's versioned directory."""
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def available() -> bool:
    """Whether the server tools (initdb, pg_ctl) are installed."""
    return bool(tool("initdb") and tool("pg_ctl"))


def _as_postgres(name: str, *args: str) -> list[str]:
    """Run a PostgreSQL tool as the postgres system user when we are root (it refuses root)."""
    command = [tool(name), *args]
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def cluster(*settings: str):
    """Start a cluster (durability off: it is thrown away), yield its SQLAlchemy URL, stop and remove it.

    settings: extra server settings as `name=value`.
    """
    base = Path(tempfile.mkdtemp(prefix="crowdspirit-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    data, port = base / "data", _free_port()
    options = " ".join(f"-c {setting}" for setting in
                       ("fsync=off", "synchronous_commit=off", "full_page_writes=off", *settings))
    try:
        subprocess.run(_as_postgres("initdb", "-D", str(data), "-A", "trust", "-U", "postgres",
                                    "-E", "UTF8", "--locale=C"), check=True, capture_output=True)
        subprocess.run(_as_postgres("pg_ctl", "-D", str(data), "-w", "-l", str(base / "log"), "-o",
                                    f"-k {base} -p {port} -c listen_addresses='' {options}", "start"),
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://postgres@/postgres?host={base}&port={port}"
    finally:
        subprocess.run(_as_postgres("pg_ctl", "-D", str(data), "-m", "immediate", "stop"), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
