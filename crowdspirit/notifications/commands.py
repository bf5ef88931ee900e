"""`flask crowdspirit send-digests`."""

import click

from . import services as notifications


@click.command("send-digests")
@click.option("--weekly", is_flag=True, help="Send the weekly digest (run it once a week) instead of the daily one.")
def send_digests(weekly: bool):
    """Email each member the digest of their unread notifications not emailed yet, in their language, with a
    one-click unsubscribe (run it daily, and weekly with --weekly)."""
    batches = notifications.digest_batches("weekly" if weekly else "daily")
    for user, items in batches:
        notifications.send_digest(user, items, "weekly" if weekly else "daily")
    click.echo(f"Digests sent: {len(batches)}.")
