"""`flask crowdspirit send-digests`."""

import click
from flask import current_app, render_template
from flask_babel import force_locale

from .. import mail
from . import services as notifications


@click.command("send-digests")
def send_digests():
    """Email each member a digest of their unread notifications not emailed yet (run it daily)."""
    sent = 0
    for user, items in notifications.digest_batches():
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]), current_app.test_request_context("/"):
            body = render_template("notifications/digest.txt", user=user, items=items,
                                   site=current_app.config["SITE_URL"].rstrip("/"))
        mail.send(user.email, "CrowdSpirit: your daily digest", body)
        notifications.mark_emailed(items)
        sent += 1
    click.echo(f"Digests sent: {sent}.")
