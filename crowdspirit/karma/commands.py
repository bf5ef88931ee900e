"""`flask crowdspirit karma-check`."""

import click

from . import maintenance as karma_maintenance


@click.command("karma-check")
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
