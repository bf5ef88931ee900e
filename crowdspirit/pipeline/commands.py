"""`flask crowdspirit remind-sponsors`."""

import click

from .services import remind_vetoes


@click.command("remind-sponsors")
def remind_sponsors():
    """Tell sponsors whose veto window on an idea closes within a day, once per idea (run it hourly from cron)."""
    click.echo(f"Ideas reminded of: {remind_vetoes()}.")
