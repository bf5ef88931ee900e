"""`flask crowdspirit send-digests`."""

import click
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import mail
from . import services as notifications


@click.command("send-digests")
@click.option("--weekly", is_flag=True, help="Send the weekly digest (run it once a week) instead of the daily one.")
def send_digests(weekly: bool):
    """Email each member the digest of their unread notifications not emailed yet, in their language, with a
    one-click unsubscribe (run it daily, and weekly with --weekly)."""
    channel = "weekly" if weekly else "daily"
    sent = 0
    for user, items in notifications.digest_batches(channel):
        with force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"]), \
                current_app.test_request_context("/"):
            body = render_template("notifications/digest.txt", user=user, items=items, weekly=weekly,
                                   site=current_app.config["SITE_URL"].rstrip("/"),
                                   unsubscribe=notifications.unsubscribe_link(user, channel))
            subject = _("CrowdSpirit: your weekly digest") if weekly else _("CrowdSpirit: your daily digest")
            headers = {"List-Unsubscribe": f"<{notifications.unsubscribe_link(user, channel)}>",
                       "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        mail.send(user.email, subject, body, headers)
        notifications.mark_emailed(items)
        sent += 1
    click.echo(f"Digests sent: {sent}.")
