"""Backups: one tar.gz holding the database, the search index and the stored files, with a checksummed manifest.

Consistency: the search index is copied and the database snapshot taken while holding the search writer
lock, so no indexer commits (nor deletes outbox rows) in between: every change the copied index lacks is
still in the dumped outbox, and the restore replays it. SQLite is copied with its online backup API (one
step, a consistent snapshot while the app keeps writing in WAL mode); PostgreSQL with `pg_dump` in custom
format (one transaction). Stored files are copied after the snapshot: a file is written before the row
naming it commits, so every row in the dump finds its file.

A restore checks the manifest (format, database kind, schema revision), refuses an instance that holds
data unless forced, extracts into a folder inside the instance and verifies every checksum; only then does
it replace the database (SQLite: one backup-API step after migrating the extracted copy; PostgreSQL: drop
and reload in one `psql` transaction, then migrate), the stored files (two renames) and the search index
(a symlink swap), and indexes what was waiting in the outbox, so searching works at once.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, text

from .attachments.services import storage_dir
from .extensions import db
from .search import index, indexer
from .search import maintenance as search_maintenance

FORMAT = 1
MANIFEST = "manifest.json"
#: the dump's name in the archive, by database kind
DUMPS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
SEARCH = "search"
FILES = "attachments"
CHUNK = 1 << 20
#: how long the PostgreSQL restore waits for locks held by running app processes before giving up
LOCK_TIMEOUT = "30s"
#: what the restore summary counts, by table
SUMMARY = {"users": "members", "projects": "projects", "ideas": "ideas", "posts": "posts", "attachments": "attachments"}

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or a restore was refused or failed; the message says why and what to do."""


def default_name() -> Path:
    """crowdspirit-backup-<UTC time>.tar.gz in the current folder."""
    return Path(f"crowdspirit-backup-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.tar.gz")


# --- Backup -------------------------------------------------------------------------------------
def create(output: Path, with_search_index: bool = True, progress: Progress = lambda _: None) -> Path:
    """Write the database, the search index (unless left out) and the stored files to one archive at output."""
    dialect = _dialect()
    revision = _database_revision()
    if revision is None:
        raise BackupError("The database has no schema yet (run `flask db upgrade`): there is nothing to back up.")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".crowdspirit-backup-", dir=output.parent) as work:
        stage = Path(work)
        with index.writer_lock(wait=True):  # no index commit, nor outbox deletion, until the snapshot is taken
            live = index.live_folder() if with_search_index else None
            if live is not None:
                progress(f"Search index copied ({_copy_files(live, stage / SEARCH)} files).")
            progress(f"Dumping the {dialect} database at schema revision {revision}...")
            _dump_database(stage / DUMPS[dialect])
        progress(f"Attachments copied ({_copy_files(storage_dir(), stage / FILES)} files).")
        files = {name: _fingerprint(stage / name) for name in _files_under(stage)}
        manifest = {"format": FORMAT, "app_version": _app_version(), "dialect": dialect,
                    "alembic_revision": revision, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "database": DUMPS[dialect], "search_index": live is not None, "files": files}
        progress(f"Writing {output}...")
        _write_archive(output, manifest, stage)
    return output


def _copy_files(source: Path, target: Path) -> int:
    """Hard-link (or copy) the files of a folder, which are never changed in place; returns how many."""
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(source.iterdir()) if source.is_dir() else []:
        if path.is_file():
            try:
                os.link(path, target / path.name)
            except OSError:  # another file system
                shutil.copy2(path, target / path.name)
            count += 1
    return count


def _dump_database(target: Path) -> None:
    """A consistent snapshot of the app's database in target (SQLite file or pg_dump custom format)."""
    if _dialect() == "sqlite":
        with closing(sqlite3.connect(_sqlite_path())) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
        return
    conninfo, environment = _libpq()
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}",
          f"--dbname={conninfo}"], environment, "pg_dump failed")


def _files_under(folder: Path) -> list[str]:
    """The archive names of the files staged under folder, sorted."""
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())


def _chunks(handle) -> Iterator[bytes]:
    """The bytes of an open file, a megabyte at a time."""
    return iter(lambda: handle.read(CHUNK), b"")


def _fingerprint(path: Path) -> dict:
    """A file's SHA-256 and size, as the manifest lists them."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in _chunks(handle):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "size": path.stat().st_size}


def _write_archive(output: Path, manifest: dict, stage: Path) -> None:
    """The manifest first (a restore reads it before anything else), then the files; readable by the owner only."""
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)  # it holds password hashes and confidential work
    try:
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
            archive.addfile(info, io.BytesIO(data))
            for name in manifest["files"]:
                archive.add(stage / name, arcname=name, recursive=False)
    except BaseException:
        partial.unlink(missing_ok=True)  # never leave half an archive that looks like a backup
        raise
    os.replace(partial, output)


# --- Restore ------------------------------------------------------------------------------------
def read_manifest(archive: Path) -> dict:
    """The manifest at the start of a backup archive, checked for shape and for safe file names."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise BackupError(f"{archive} is not a CrowdSpirit backup: it does not start with {MANIFEST}.")
            manifest = json.loads(tar.extractfile(first).read())
    except FileNotFoundError:
        raise BackupError(f"There is no file {archive}.") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError) as error:
        raise BackupError(f"{archive} is not a readable backup archive ({error}).") from None
    version = manifest.get("format") if isinstance(manifest, dict) else None
    if version != FORMAT:
        raise BackupError(f"{archive} is in backup format {version}; this version of CrowdSpirit reads {FORMAT}.")
    missing = {"dialect", "alembic_revision", "database", "search_index", "files"} - manifest.keys()
    if missing:
        raise BackupError(f"The manifest of {archive} lacks {', '.join(sorted(missing))}: it was altered.")
    files = manifest["files"]
    if not isinstance(files, dict) or not all(isinstance(item, dict) and "sha256" in item for item in files.values()):
        raise BackupError(f"The manifest of {archive} lists its files without checksums: it was altered.")
    for name in files:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or name == MANIFEST:
            raise BackupError(f"The manifest of {archive} names an unsafe path ({name!r}): it was altered.")
    if manifest["database"] not in files:
        raise BackupError(f"The manifest of {archive} does not list the database file: it was altered.")
    return manifest


def check_compatible(manifest: dict) -> str | None:
    """Refuse another kind of database or a schema this code does not know; the revision to upgrade from, if older."""
    dialect = _dialect()
    if manifest["dialect"] != dialect:
        raise BackupError(f"This archive holds a {manifest['dialect']} database and this instance uses {dialect}: "
                          f"restore it into an instance configured for {manifest['dialect']} (DATABASE_URL).")
    if manifest["database"] != DUMPS[dialect]:
        raise BackupError(f"The archive's database is {manifest['database']}, not {DUMPS[dialect]}: it was altered.")
    scripts = ScriptDirectory.from_config(_alembic_config())
    head, revision = scripts.get_current_head(), manifest["alembic_revision"]
    if revision not in {script.revision for script in scripts.walk_revisions()}:
        raise BackupError(
            f"The archive's database is at schema revision {revision}, which this version of CrowdSpirit "
            f"({_app_version()}, at revision {head}) does not know: it was made by another version "
            f"({manifest.get('app_version', '?')}). Restore it with that version, or upgrade this one first.")
    return None if revision == head else revision


def occupied() -> list[str]:
    """What this instance already holds (member accounts, stored files); an empty list when it is new."""
    held = []
    members = db.session.scalar(text("SELECT count(*) FROM users")) if inspect(db.engine).has_table("users") else 0
    db.session.remove()  # nothing may hold a lock on the tables the restore replaces
    if members:
        held.append(f"{members} member accounts")
    files = sum(1 for path in storage_dir().iterdir() if path.is_file()) if storage_dir().is_dir() else 0
    if files:
        held.append(f"{files} stored files")
    return held


def restore(archive: Path, force: bool = False, progress: Progress = lambda _: None) -> dict[str, int]:
    """Replace this instance's database, stored files and search index with an archive's; returns what it holds."""
    manifest = read_manifest(archive)
    older = check_compatible(manifest)
    if _dialect() == "sqlite":
        _sqlite_path().parent.mkdir(parents=True, exist_ok=True)
    held = occupied()
    if held and not force:
        raise BackupError(f"This instance is not empty (it holds {' and '.join(held)}) and a restore replaces "
                          "everything in it. Run the restore again with --force to do so.")
    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=instance) as work:
        stage = Path(work)
        progress(f"Extracting and verifying {len(manifest['files'])} files...")
        _extract(archive, manifest, stage)
        sqlite = _dialect() == "sqlite"
        loadable = _loadable(stage / manifest["database"], older if sqlite else None, progress)
        with index.writer_lock(wait=True):  # no indexer may apply the new outbox to the old index meanwhile
            progress("Replacing the database...")
            _replace_database(loadable)
            if older and not sqlite:
                progress(f"Upgrading the database from revision {older}...")
                _upgrade_in_place(older)
            progress("Replacing the attachments...")
            _replace_folder(stage / FILES, storage_dir())
            if manifest["search_index"]:
                progress("Replacing the search index...")
                index.install(stage / SEARCH)
    if not manifest["search_index"]:
        progress("Rebuilding the search index from the database...")
        search_maintenance.rebuild()
    progress(f"Indexed {indexer.drain()} changes that were waiting for the search indexer.")
    return _summary()


def _extract(archive: Path, manifest: dict, stage: Path) -> None:
    """Write every file the manifest lists under stage, refusing any extra, missing or altered one."""
    expected, seen = manifest["files"], set()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                if member.name not in expected or not member.isfile():
                    raise BackupError(f"The archive holds {member.name!r}, which its manifest does not list: it was "
                                      "altered. Nothing was restored.")
                target = stage / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with tar.extractfile(member) as source, open(target, "wb") as out:
                    for chunk in _chunks(source):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != expected[member.name]["sha256"]:
                    raise BackupError(f"The archive is corrupt: {member.name} does not match its checksum. "
                                      "Nothing was restored.")
                seen.add(member.name)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        if isinstance(error, OSError) and error.errno:  # this machine's own I/O error (disk full...), not the archive
            raise
        raise BackupError(f"The archive is damaged or truncated ({error}). Nothing was restored.") from None
    if missing := sorted(expected.keys() - seen):
        raise BackupError(f"The archive is incomplete: {len(missing)} files of its manifest are missing, such as "
                          f"{missing[0]}. Nothing was restored.")


def _loadable(dump: Path, older: str | None, progress: Progress) -> Path:
    """Check the extracted dump before anything changes; the file to load (PostgreSQL: the SQL pg_restore writes).

    An older SQLite copy is migrated here, so that a failing migration leaves the instance untouched.
    """
    if _dialect() == "postgresql":
        script = dump.with_name("restore.sql")
        _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", f"--file={script}",
              str(dump)], _libpq()[1], "pg_restore could not read the archive's database; nothing was restored")
        return script
    try:
        with closing(sqlite3.connect(dump)) as connection:
            verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        verdict = str(error)
    if verdict != "ok":
        raise BackupError(f"The archive's database is unreadable ({verdict}). Nothing was restored.")
    if older:
        progress(f"Upgrading the database from revision {older}...")
        engine = create_engine(f"sqlite:///{dump}")
        try:
            with engine.connect() as connection:
                _upgrade(connection)
        finally:
            engine.dispose()
    return dump


def _upgrade(connection) -> None:
    """Run the migrations up to the code's head on connection (migrations/env.py takes a given connection)."""
    config = _alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    connection.commit()


def _replace_database(loadable: Path) -> None:
    """Put the dump's content in place of the app's database (SQLite: backup API; PostgreSQL: one transaction)."""
    db.session.remove()
    db.engine.dispose()
    if _dialect() == "sqlite":
        with closing(sqlite3.connect(loadable)) as source, closing(sqlite3.connect(_sqlite_path(), timeout=30)) as live:
            source.backup(live)  # one step: other connections see the old database or the new one, never a mix
        return
    quote = db.engine.dialect.identifier_preparer.quote
    tables = inspect(db.engine).get_table_names()
    db.engine.dispose()
    conninfo, environment = _libpq()
    prelude = loadable.with_name("prelude.sql")
    # the tables of a newer schema than the dump's would stay behind --clean: drop every table first
    prelude.write_text(f"SET lock_timeout = '{LOCK_TIMEOUT}';\n"
                       + (f"DROP TABLE IF EXISTS {', '.join(map(quote, tables))} CASCADE;\n" if tables else ""))
    _run([_pg_tool("psql"), "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1", f"--dbname={conninfo}",
          "-f", str(prelude), "-f", str(loadable)], environment,
         "Loading the dump failed and the database was left as it was")


def _upgrade_in_place(older: str) -> None:
    """Migrate the restored PostgreSQL database (one transaction: on failure it stays at the archive's revision)."""
    try:
        with db.engine.connect() as connection:
            _upgrade(connection)
    except Exception as error:
        raise BackupError(f"The database was restored at revision {older} but upgrading it failed ({error}); the "
                          "attachments and search index were left as they were. Fix the cause, then restore again "
                          "with --force.") from error
    finally:
        db.engine.dispose()


def _replace_folder(new: Path, live: Path) -> None:
    """Put new in place of live with two renames (both inside the instance folder), then drop the old one."""
    new.mkdir(exist_ok=True)  # an archive without stored files
    old = live.with_name(f".{live.name}-replaced-{time.time_ns()}")
    if live.exists():
        live.rename(old)
    new.rename(live)
    shutil.rmtree(old, ignore_errors=True)


def _summary() -> dict[str, int]:
    """How many rows the restored database holds, for what users would call them."""
    tables = db.metadata.tables
    counts = {label: db.session.scalar(select(func.count()).select_from(tables[name]))
              for name, label in SUMMARY.items()}
    db.session.remove()
    return counts


# --- Shared -------------------------------------------------------------------------------------
def _dialect() -> str:
    """The app's database kind: sqlite or postgresql."""
    return db.engine.dialect.name


def _app_version() -> str:
    """The installed CrowdSpirit's version."""
    return metadata.version("crowdspirit")


def _alembic_config():
    """Flask-Migrate's Alembic configuration for migrations/."""
    return current_app.extensions["migrate"].migrate.get_config()


def _database_revision() -> str | None:
    """The Alembic revision the app's database is at (None: no schema yet)."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _sqlite_path() -> Path:
    """The app's SQLite file (an in-memory database has none to copy)."""
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _libpq() -> tuple[str, dict]:
    """The app's PostgreSQL database as a libpq URI, and an environment carrying its password (kept off `ps`)."""
    url = db.engine.url
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return url._replace(drivername="postgresql", password=None).render_as_string(hide_password=False), environment


def _pg_tool(name: str) -> str:
    """A PostgreSQL client program from the PATH, else from the newest /usr/lib/postgresql/<version>/bin."""
    if found := shutil.which(name):
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                      key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0)
    if not versions:
        raise BackupError(f"{name} was not found: install the PostgreSQL client programs (Debian: postgresql-client, "
                          "of the server's major version or newer) or put them on the PATH.")
    return str(versions[-1])


def _run(arguments: list[str], environment: dict, failure: str) -> None:
    """Run a PostgreSQL program; if it fails, refuse with failure and what it printed."""
    result = subprocess.run(arguments, env=environment, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"{failure}: {(result.stderr or result.stdout).strip()}")
