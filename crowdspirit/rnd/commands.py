"""`flask crowdspirit remind-milestones`."""

import click

from . import services


@click.command("remind-milestones")
def remind_milestones():
    """Tell the participants of the R&D workspaces of their open milestones due within two days, once per milestone
    (run it daily, from cron)."""
    told = services.remind_due_milestones()
    click.echo(f"{told} milestone(s) due soon told to their workspaces.")
