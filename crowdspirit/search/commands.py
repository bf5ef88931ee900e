"""`flask crowdspirit reindex | search-check | search-indexer`."""

import logging
import signal
import threading

import click
from flask import current_app

from . import indexer as search_indexer_loop
from . import maintenance as search_maintenance
from . import registry as search_registry


@click.command("reindex")
@click.option("--processes", default=2, show_default=True,
              help="Indexing processes (Whoosh multiprocess writer; PostgreSQL: one transaction).")
def reindex(processes):
    """Rebuild the search index from the database (beside the live one, or in one transaction), then swap it in."""
    with click.progressbar(length=search_registry.count_all(), label="Indexing") as bar:
        count = search_maintenance.rebuild(progress=lambda: bar.update(1), processes=processes)
    click.echo(f"Search index rebuilt: {count} documents.")


@click.command("search-check")
@click.option("--repair", is_flag=True, help="Rewrite the documents that differ from the database.")
def search_check(repair):
    """Compare the search index with the database and report (or repair) the drift."""
    drift = search_maintenance.check(repair=repair)
    click.echo(f"Checked {drift.checked} documents: {len(drift.missing)} missing, {len(drift.stale)} out of date, "
               f"{len(drift.extra)} that should not be there, {len(drift.duplicated)} duplicated.")
    for label, keys in (("missing", drift.missing), ("out of date", drift.stale), ("extra", drift.extra),
                        ("duplicated", drift.duplicated)):
        if keys:
            click.echo(f"  {label}: {', '.join(keys[:20])}{' …' if len(keys) > 20 else ''}")
    if drift.keys:
        click.echo("Repaired." if repair else "Run with --repair to fix it.")
        if not repair:
            raise SystemExit(1)


@click.command("search-indexer")
def search_indexer():
    """Run the search indexer in the foreground (scale-out with Whoosh: one such process, web workers
    SEARCH_INDEXER=off; with SEARCH_BACKEND=postgres, indexers anywhere take turns on a database lock)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    say = logging.getLogger(__name__).info if current_app.config["LOG_FORMAT"] == "json" else click.echo
    say("Search indexer running; Ctrl-C to stop.")
    try:
        search_indexer_loop.run_forever(current_app._get_current_object(), stop)
    except KeyboardInterrupt:
        stop.set()
