"""`flask crowdspirit ...` commands: demo data and administrator accounts."""

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from . import demo
from .accounts import services as accounts
from .errors import Conflict
from .extensions import db

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
