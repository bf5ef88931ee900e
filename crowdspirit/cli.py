"""The commands about the whole instance: demo data, the merged access rules, backups. Each domain adds its own
commands to the group (crowdspirit/commands.py) when it sets itself up."""

from contextlib import contextmanager
from pathlib import Path

import click

from . import access, demo
from . import backup as backups
from .commands import crowdspirit_cli


@crowdspirit_cli.command("seed-demo")
def seed_demo():
    """Fill the database with demo organisations, accounts, projects and ideas (idempotent)."""
    if demo.already_seeded():
        click.echo("Demo data already present; nothing to do.")
        return
    counts = demo.seed()
    click.echo("Demo data created: " + ", ".join(f"{v} {k}" for k, v in counts.items()) +
               f". Every demo account's password is {demo.DEMO_PASSWORD!r}.")


@crowdspirit_cli.command("rules")
def rules():
    """Print the whole access policy: every action, the rule that decides it and what a refused member is told."""
    for action, rule, refusal in access.rules_table():
        click.echo(f"{action:<24} {rule}" + (f"\n{'':<24} refused: {refusal}" if refusal else ""))


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
