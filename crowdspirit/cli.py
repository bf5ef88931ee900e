"""`flask crowdspirit ...` commands: demo data, administrator accounts, digests, the search index, backups."""

import logging
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from . import backup as backups
from . import demo
from .accounts import services as accounts
from .errors import Conflict
from .extensions import db
from .karma import maintenance as karma_maintenance
from .search import documents as search_documents
from .search import indexer as search_indexer_loop
from .search import maintenance as search_maintenance

crowdspirit_cli = AppGroup("crowdspirit", help="CrowdSpirit administration commands.")


@crowdspirit_cli.command("seed-demo")
def seed_demo():
    """Fill the database with demo organisations, accounts, projects and ideas (idempotent)."""
    if demo.already_seeded():
        click.echo("Demo data already present; nothing to do.")
        return
    counts = demo.seed()
    click.echo("Demo data created: " + ", ".join(f"{v} {k}" for k, v in counts.items()) +
               f". Every demo account's password is {demo.DEMO_PASSWORD!r}.")


@crowdspirit_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "display_name", prompt="Display name")
@click.password_option()
def create_admin(email, display_name, password):
    """Create an administrator account, or make an existing account an administrator."""
    user = accounts.find_by_email(email)
    if user is None:
        try:
            user = accounts.register(email, display_name, password, "expert")
        except Conflict as error:
            raise click.ClickException(str(error.message)) from None
    user.is_admin = True
    db.session.commit()
    click.echo(f"{user.email} is an administrator.")


@crowdspirit_cli.command("send-digests")
def send_digests():
    """Email each member a digest of their unread notifications not emailed yet (run it daily)."""
    from flask import render_template

    from . import mail
    from .notifications import services as notifications

    sent = 0
    for user, items in notifications.digest_batches():
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]), current_app.test_request_context("/"):
            body = render_template("notifications/digest.txt", user=user, items=items,
                                   site=current_app.config["SITE_URL"].rstrip("/"))
        mail.send(user.email, "CrowdSpirit: your daily digest", body)
        notifications.mark_emailed(items)
        sent += 1
    click.echo(f"Digests sent: {sent}.")


@crowdspirit_cli.command("reindex")
@click.option("--processes", default=2, show_default=True,
              help="Indexing processes (Whoosh multiprocess writer; PostgreSQL: one transaction).")
def reindex(processes):
    """Rebuild the search index from the database (beside the live one, or in one transaction), then swap it in."""
    with click.progressbar(length=search_documents.count_all(), label="Indexing") as bar:
        count = search_maintenance.rebuild(progress=lambda: bar.update(1), processes=processes)
    click.echo(f"Search index rebuilt: {count} documents.")


@crowdspirit_cli.command("search-check")
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


@crowdspirit_cli.command("karma-check")
@click.option("--repair", is_flag=True, help="Set the differing totals to what the event log gives.")
def karma_check(repair):
    """Recompute every karma total from the event log and report (or repair) the differences."""
    drift = karma_maintenance.check(repair=repair)
    click.echo(f"Checked {drift.checked} totals: {len(drift.members)} member totals and {len(drift.projects)} "
               "project totals differ from the event log.")
    for user_id, stored, logged in drift.members[:20]:
        click.echo(f"  member #{user_id}: stored {stored}, log {logged}")
    for user_id, project_id, stored, logged in drift.projects[:20]:
        click.echo(f"  member #{user_id} in project #{project_id}: stored {stored}, log {logged}")
    if drift:
        click.echo("Repaired." if repair else "Run with --repair to fix it.")
        if not repair:
            raise SystemExit(1)


@crowdspirit_cli.command("search-indexer")
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


@contextmanager
def _refusals():
    """Show a backup's or restore's refusal as the command's error (its message, exit status 1)."""
    try:
        yield
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None


@crowdspirit_cli.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Archive to write [default: crowdspirit-backup-<UTC time>.tar.gz here].")
@click.option("--without-search-index", is_flag=True,
              help="Leave the search index out: a smaller archive, whose restore rebuilds the index.")
def backup(output, without_search_index):
    """Write the database, search index and attachments to one tar.gz archive with a checksummed manifest."""
    with _refusals():
        path = backups.create(output or backups.default_name(), with_search_index=not without_search_index,
                              progress=click.echo)
    click.echo(f"Backup written: {path} ({path.stat().st_size / 1024 / 1024:.1f} MB).")


@crowdspirit_cli.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the content of an instance that is not empty.")
def restore(archive, force):
    """Replace this instance's database, search index and attachments with a backup archive's (all or nothing)."""
    with _refusals():
        counts = backups.restore(archive, force=force, progress=click.echo)
    click.echo("Restored: " + ", ".join(f"{count} {label}" for label, count in counts.items()) + ".")
