"""Backup benchmark: `backup` and `restore` times and archive sizes on the search benchmark's data set (SQLite).

    .venv/bin/python bench/backup_bench.py            # 100k ideas, 200k posts, 10k users, 100 projects
    .venv/bin/python bench/backup_bench.py --quick    # 10k ideas, 20k posts, 2k users, 20 projects

1. builds the database (bench/search_dataset.py), rebuilds the search index, and stores --files
   attachments of --file-kb random (incompressible) bytes, with their rows;
2. times a backup with the search index and one `--without-search-index`: seconds and archive size;
3. times the restore of each archive into an empty instance (the second rebuilds the index), then
   checks that the restored instance holds the same rows and the same number of search documents.
It calls the functions behind the commands (crowdspirit.backup) in this process.
"""

import argparse
import logging
import os
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import dataset  # noqa: E402
import machine  # noqa: E402
import search_dataset  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k ideas, 20k posts, 2k users, 20 projects")
    parser.add_argument("--files", type=int, default=500, help="stored attachments (500)")
    parser.add_argument("--file-kb", type=int, default=200, help="size of each attachment in KB (200)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    args.size = search_dataset.QUICK if args.quick else search_dataset.FULL
    return args


def say(text: str = "") -> None:
    print(text, flush=True)


def megabytes(path: Path) -> float:
    files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
    return sum(f.stat().st_size for f in files) / 1e6


def instance(folder: Path, database: Path):
    """An app on database, with its instance folder and search index under folder."""
    from crowdspirit import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SEARCH_INDEX_DIR": str(folder / "search"),
                      "SEARCH_INDEXER": "off", "MAIL_BACKEND": "console"})
    app.instance_path = str(folder / "instance")
    return app


def store_attachments(args, app) -> None:
    """--files attachments on the first ideas, written as the attachment service writes them."""
    from crowdspirit.attachments.services import store
    from crowdspirit.extensions import db

    with app.app_context():
        connection = sqlite3.connect(db.engine.url.database)
        ideas = connection.execute("SELECT id, author_id FROM ideas ORDER BY id LIMIT ?", (args.files,)).fetchall()
        rows = [(idea_id, author_id, f"file-{n}.pdf", args.file_kb * 1024, store(os.urandom(args.file_kb * 1024)))
                for n, (idea_id, author_id) in enumerate(ideas)]
    with connection:
        connection.executemany("INSERT INTO attachments (idea_id, part, uploader_id, filename, content_type, size, "
                               "storage_name, created_at) VALUES (?, 'idea', ?, ?, 'application/pdf', ?, ?, "
                               "'2026-01-01 00:00:00')", rows)
    connection.close()


def documents(app) -> int:
    """How many documents the live search index holds."""
    from crowdspirit.search import index

    with app.app_context(), index.reading() as (searcher, _cache):
        return searcher.doc_count() if searcher else 0


def timed(app, function, *arguments, **options):
    """(result, seconds) of function run in app's context."""
    with app.app_context():
        t0 = time.perf_counter()
        result = function(*arguments, **options)
        return result, time.perf_counter() - t0


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))  # instance/ stays untouched
    tmp = Path(tempfile.mkdtemp(prefix="crowdspirit-backup-bench-"))
    try:
        from crowdspirit import backup
        from crowdspirit.search import maintenance

        say(f"CrowdSpirit backup benchmark{' (--quick)' if args.quick else ''}: {os.cpu_count()} CPUs, SQLite "
            f"{sqlite3.sqlite_version}; load average {machine.load_average()}; temp dir {tmp}")
        source = tmp / "source"
        source.mkdir()
        logging.disable(logging.INFO)  # alembic.ini's logging config would print each migration
        dataset.migrate_schema(f"sqlite:///{source / 'bench.db'}", {"TESTING": False})
        search_dataset.build(str(source / "bench.db"), args.size, seed=args.seed)
        app = instance(source, source / "bench.db")
        _count, seconds = timed(app, maintenance.rebuild)
        store_attachments(args, app)
        indexed = documents(app)
        say(f"Data: database {megabytes(source / 'bench.db'):.0f} MB, search index {indexed:,} documents "
            f"{megabytes(source / 'search'):.0f} MB (rebuilt in {seconds:.0f} s), attachments {args.files} x "
            f"{args.file_kb} KB = {megabytes(source / 'instance' / 'attachments'):.0f} MB")

        say("\n| case | backup | archive | restore | restored search documents |")
        say("| --- | --- | --- | --- | --- |")
        for label, with_index in (("with the search index", True), ("--without-search-index", False)):
            machine.wait_quiet(30, 0.25)
            archive, made = timed(app, backup.create, tmp / f"{with_index}.tar.gz", with_search_index=with_index)
            target = tmp / f"restored-{with_index}"
            restored = instance(target, target / "instance" / "crowdspirit.db")
            counts, took = timed(restored, backup.restore, archive)
            found = documents(restored)
            check = "" if found == indexed else f" (!) the source holds {indexed:,}"
            say(f"| {label} | {made:.1f} s | {megabytes(archive):.0f} MB | {took:.1f} s | {found:,}{check} |")
        say(f"\nRestored rows: {', '.join(f'{n:,} {label}' for label, n in counts.items())}")
        return 0
    finally:
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
