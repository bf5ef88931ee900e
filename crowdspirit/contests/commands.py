"""`flask crowdspirit contest-phases`."""

import click

from . import services


@click.command("contest-phases")
def contest_phases():
    """Apply the contests' dated phase changes that are due (from cron, where CONTEST_SCHEDULER=off)."""
    applied = services.catch_up_all()
    click.echo(f"{applied} contest phase change(s) applied.")
