"""Backups: `flask crowdspirit backup` then `restore` into an empty instance gives users back everything, and
the restore refuses what it must (an instance holding data, a corrupt archive, a schema it does not know)."""

import io
import json
import tarfile
import threading
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from conftest import PASSWORD, TEST_CONFIG
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from test_contests import enter, opened, png
from test_search import MARKER, search, titles
from test_search import secret_world as secret_world  # a fixture (the confidential spec), shared with test_search

from crowdspirit import create_app
from crowdspirit.accounts import services as accounts
from crowdspirit.accounts.models import User
from crowdspirit.attachments import services as attachments
from crowdspirit.contests.models import EntryFile
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.forum.models import Thread
from crowdspirit.pipeline import services as pipeline
from crowdspirit.pipeline.models import Stage
from crowdspirit.search import indexer

BOM = b"Bill of materials: 2 drivers, 1 battery.\n"
DRAWING = png((10, 120, 200))
RESTORED_DATABASE = "crowdspirit_restored"


def run(instance, *args: str):
    """`flask crowdspirit <args>` in an instance's app context; click's result (exit_code, output)."""
    with instance.app_context():
        return instance.test_cli_runner().invoke(args=["crowdspirit", *args])


def sign_in(instance, email: str):
    """A client of the instance signed in through the sign-in form, as the member would."""
    client = instance.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 303, "the member's account and password came back"
    return client


def page(client, url: str, status: int = 200) -> str:
    """The HTML of a page, checking its status."""
    response = client.get(url, follow_redirects=True)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def schema_revision(instance) -> str | None:
    """The database's Alembic revision (None: no schema)."""
    with instance.app_context(), db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def holds_nothing(instance) -> bool:
    """No table in the database and no stored file: the instance is as new."""
    with instance.app_context():
        tables = inspect(db.engine).get_table_names()
        folder = attachments.storage_dir()
        return tables == [] and not (folder.exists() and any(folder.iterdir()))


@pytest.fixture
def world(client, login_as, make_user, make_idea, secret_world):
    """What a backup must carry: test_search's confidential spec (with its post) plus a file on it, a public idea
    with a vote, a file and a post still waiting for the indexer at backup time, and a contest entry's image."""
    public = make_idea(title=f"{MARKER} lantern", stage=Stage.VOTE)
    voter = make_user(name="Vera Voter")
    pipeline.cast_vote(public, voter)
    bom = attachments.attach(public, voter, "idea", "bom.txt", BOM)
    secret, signer = secret_world["idea"], secret_world["signer"]
    drawing = attachments.attach(secret, signer, "spec", "drawing.png", DRAWING)
    contest = opened(client, login_as, secret_world["sponsor"])
    artist = make_user(name="Ann Artist")
    assert enter(client, login_as, contest, artist, files=[("logo.png", DRAWING)]).status_code == 303
    logo = db.session.scalar(select(EntryFile))
    indexer.drain()
    forum.add_post(forum.thread_of_idea(public), voter, f"A {MARKER} that floats would be nice.")
    return {"public": public.id, "secret": secret.id, "bom": f"/attachments/{bom.id}/bom.txt",
            "drawing": f"/attachments/{drawing.id}/drawing.png", "entry": logo.entry_id,
            "logo": f"/contest-files/{logo.id}/logo.png",
            **{name: user.email for name, user in (("voter", voter), ("outsider", secret_world["outsider"]),
                                                   ("signer", signer), ("artist", artist))}}


@pytest.fixture
def empty_instance(app, database_url, tmp_path):
    """A second instance of the app: a brand-new database without any table, an empty instance folder."""
    url = make_url(database_url)
    postgres = url.get_backend_name() == "postgresql"
    folder = tmp_path / "restored"
    if postgres:
        server = create_engine(url, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {RESTORED_DATABASE} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {RESTORED_DATABASE}"))
        fresh = url.set(database=RESTORED_DATABASE).render_as_string(hide_password=False)
    else:
        fresh = f"sqlite:///{folder / 'instance' / 'crowdspirit.db'}"
    instance = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": fresh, "SEARCH_INDEX_DIR": str(folder / "search")})
    instance.instance_path = str(folder / "instance")
    Path(instance.instance_path).mkdir(parents=True)
    yield instance
    with instance.app_context():
        db.engine.dispose()
    if postgres:
        with server.connect() as connection:
            connection.execute(text(f"DROP DATABASE {RESTORED_DATABASE} WITH (FORCE)"))
        server.dispose()


@pytest.fixture
def archive(app, world, tmp_path) -> Path:
    """A backup of the world, written by the command."""
    path = tmp_path / "backups" / "world.tar.gz"
    result = run(app, "backup", "--output", str(path))
    assert result.exit_code == 0, result.output
    return path


def rewritten(archive: Path, manifest_changes: dict | None = None, replace: dict[str, bytes] | None = None,
              declare: bool = False) -> Path:
    """A copy of an archive with manifest fields changed and files' bytes replaced (declare: with the manifest's
    checksums updated to match, as a consistent but bad archive would be)."""
    import hashlib

    replace = replace or {}
    target = archive.with_name("altered.tar.gz")
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as copy:
        for member in source:
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = {**json.loads(data), **(manifest_changes or {})}
                if declare:
                    manifest["files"].update({name: {"sha256": hashlib.sha256(content).hexdigest(),
                                                     "size": len(content)} for name, content in replace.items()})
                data = json.dumps(manifest).encode()
            data = replace.get(member.name, data)
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


def manifest_of(archive: Path) -> dict:
    """The manifest at the start of an archive."""
    with tarfile.open(archive, "r:gz") as tar:
        return json.loads(tar.extractfile("manifest.json").read())


# --- Backup, then restore into an empty instance --------------------------------------------------
@pytest.mark.parametrize("index", ["copied", "rebuilt"])
def test_restore_into_an_empty_instance_gives_users_everything_back(app, world, empty_instance, tmp_path, index):
    """Pages, votes, byte-identical files, search (the post then waiting for the indexer included) and the
    confidentiality of the spec are all there after a restore, whether the archive carried the index or not."""
    path = tmp_path / "world.tar.gz"
    options = ["--without-search-index"] if index == "rebuilt" else []
    made = run(app, "backup", "--output", str(path), *options)
    assert made.exit_code == 0, made.output
    assert "Backup written" in made.output and ("Search index copied" in made.output) == (index == "copied")
    restored = run(empty_instance, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert "Restored: 9 members, 2 projects, 3 ideas, 2 posts, 2 attachments." in restored.output

    visitor = empty_instance.test_client()
    idea_page = page(visitor, f"/ideas/{world['public']}")
    assert f"{MARKER} lantern" in idea_page and '<strong class="vote-count">1</strong>' in idea_page
    assert "would be nice" in page(visitor, f"/ideas/{world['public']}/discussion")
    assert visitor.get(world["bom"]).data == BOM
    page(visitor, f"/ideas/{world['secret']}/spec", 404)
    assert sorted(titles(search(visitor, MARKER))) == [f"{MARKER} lantern"] * 2  # the idea and the late post
    assert "Withdraw" in page(sign_in(empty_instance, world["voter"]), f"/ideas/{world['public']}")

    outsider = sign_in(empty_instance, world["outsider"])
    page(outsider, f"/ideas/{world['secret']}/spec", 404)
    assert outsider.get(world["drawing"]).status_code == 404
    page(outsider, f"/entries/{world['entry']}", 404)
    assert sorted(titles(search(outsider, MARKER))) == [f"{MARKER} lantern"] * 2

    signer = sign_in(empty_instance, world["signer"])
    assert "driver overheats" in page(signer, f"/ideas/{world['secret']}/spec")
    assert signer.get(world["drawing"]).data == DRAWING
    assert sorted(titles(search(signer, MARKER))) == [f"{MARKER} earbuds"] * 3 + [f"{MARKER} lantern"] * 2

    assert sign_in(empty_instance, world["artist"]).get(world["logo"]).data == DRAWING


def test_the_archive_holds_a_manifest_with_checksums_of_every_file(app, archive):
    """The manifest comes first and names the format, versions, database kind, schema revision and each file."""
    with tarfile.open(archive, "r:gz") as tar:
        names, sizes = tar.getnames(), {member.name: member.size for member in tar.getmembers()}
    manifest = manifest_of(archive)
    assert names[0] == "manifest.json" and sorted(names[1:]) == sorted(manifest["files"])
    assert manifest["format"] == 1 and manifest["app_version"] and manifest["created_at"]
    assert manifest["dialect"] == db.engine.dialect.name and manifest["alembic_revision"] == schema_revision(app)
    assert manifest["database"] in manifest["files"] and manifest["search_index"] is True
    assert sum(name.startswith("attachments/") for name in names) == 4  # two attachments, an entry file and its preview
    assert all(len(entry["sha256"]) == 64 and entry["size"] == sizes[name] for name, entry in manifest["files"].items())
    assert archive.stat().st_mode & 0o077 == 0  # password hashes and confidential work: the owner's only


def test_a_backup_taken_while_members_post_restores_an_index_that_matches_the_database(
        app, make_user, make_idea, empty_instance, tmp_path):
    """Posts keep coming and the indexer keeps indexing during the backup: after the restore, search-check finds
    the index and the database in agreement, document for document."""
    thread_id, member_id = forum.thread_of_idea(make_idea(title="Busy lantern")).id, make_user().id
    stop, posted = threading.Event(), threading.Event()

    def post_until_stopped():
        with app.app_context():
            thread, author = db.session.get(Thread, thread_id), db.session.get(User, member_id)
            while not stop.is_set():
                forum.add_post(thread, author, "Still more lantern ideas.")
                posted.set()

    workers = [threading.Thread(target=post_until_stopped), threading.Thread(target=indexer.run_forever,
                                                                              args=(app, stop))]
    for worker in workers:
        worker.start()
    try:
        posted.wait()
        made = run(app, "backup", "--output", str(tmp_path / "busy.tar.gz"))
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert made.exit_code == 0, made.output
    assert run(empty_instance, "restore", str(tmp_path / "busy.tar.gz")).exit_code == 0
    checked = run(empty_instance, "search-check")
    assert "0 missing, 0 out of date, 0 that should not be there, 0 duplicated" in checked.output
    assert checked.exit_code == 0


# --- Refusals -------------------------------------------------------------------------------------
def test_restore_refuses_an_instance_holding_data_unless_forced(archive, empty_instance, world):
    """A second restore over restored data is refused with the reason; --force replaces what came since."""
    assert run(empty_instance, "restore", str(archive)).exit_code == 0
    with empty_instance.app_context():
        accounts.register("late@example.org", "Lou Late", PASSWORD, "amateur")
    refused = run(empty_instance, "restore", str(archive))
    assert refused.exit_code == 1
    assert "not empty (it holds 10 member accounts and 4 stored files)" in refused.output
    assert "--force" in refused.output
    sign_in(empty_instance, "late@example.org")  # untouched

    forced = run(empty_instance, "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    late = empty_instance.test_client().post("/login", data={"email": "late@example.org", "password": PASSWORD})
    assert "Wrong email or password." in late.get_data(as_text=True)
    assert sign_in(empty_instance, world["voter"]).get(world["bom"]).data == BOM


@pytest.mark.parametrize("damage, reason", [
    ("a file's bytes", "does not match its checksum"),
    ("truncated", "Nothing was restored."),
    ("a database that is not one", "archive's database"),
])
def test_a_corrupt_archive_is_refused_and_nothing_is_restored(archive, empty_instance, damage, reason):
    """An altered file fails its checksum, a cut archive fails to read, and a database file that is not one (with
    matching checksums) is refused before anything is replaced: the empty instance stays empty."""
    files = manifest_of(archive)["files"]
    if damage == "truncated":
        broken = archive.with_name("cut.tar.gz")
        broken.write_bytes(archive.read_bytes()[: archive.stat().st_size * 2 // 3])
    elif damage == "a file's bytes":
        broken = rewritten(archive, replace={next(name for name in files if name.startswith("attachments/")): b"x"})
    else:
        database = next(name for name in files if name.startswith("database."))
        broken = rewritten(archive, replace={database: b"not a database " * 100}, declare=True)
    result = run(empty_instance, "restore", str(broken))
    assert result.exit_code == 1
    assert reason in result.output and "othing was restored" in result.output
    assert holds_nothing(empty_instance)


@pytest.mark.parametrize("change, reason", [
    ({"alembic_revision": "0123456789ab"}, "at schema revision 0123456789ab, which this version of CrowdSpirit"),
    ({"dialect": "oracle"}, "This archive holds a oracle database"),
    ({"format": 2}, "is in backup format 2"),
])
def test_an_archive_this_version_cannot_restore_is_refused(archive, empty_instance, change, reason):
    """Another schema (a newer version's), another kind of database or another archive format: a clear refusal."""
    result = run(empty_instance, "restore", str(rewritten(archive, change)))
    assert result.exit_code == 1 and reason in result.output
    assert holds_nothing(empty_instance)


def test_an_archive_of_an_older_schema_is_upgraded_on_restore(app, make_user, empty_instance, tmp_path):
    """A backup made one migration ago restores, is migrated to the code's revision, and members sign in."""
    member = make_user(name="Old Timer")
    email, profile, head = member.email, f"/users/{member.id}", schema_revision(app)
    path = tmp_path / "old.tar.gz"
    db.session.remove()
    try:
        downgrade(revision="-1")
        older = schema_revision(app)
        made = run(app, "backup", "--output", str(path))
    finally:
        upgrade()  # the PostgreSQL database is shared by the whole session: always rebuild it
    assert made.exit_code == 0, made.output
    restored = run(empty_instance, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert f"Upgrading the database from revision {older}" in restored.output
    assert schema_revision(empty_instance) == head
    assert "Old Timer" in page(sign_in(empty_instance, email), profile)
