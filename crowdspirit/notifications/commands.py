"""`flask crowdspirit send-digests`."""

import click
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import mail
from . import services as notifications


@click.command("send-digests")
def send_digests():
    """Email each member a digest of their unread notifications not emailed yet, in their language (run it
    daily)."""
    sent = 0
    for user, items in notifications.digest_batches():
        with force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"]), \
                current_app.test_request_context("/"):
            body = render_template("notifications/digest.txt", user=user, items=items,
                                   site=current_app.config["SITE_URL"].rstrip("/"))
            subject = _("CrowdSpirit: your daily digest")
        mail.send(user.email, subject, body)
        notifications.mark_emailed(items)
        sent += 1
    click.echo(f"Digests sent: {sent}.")
