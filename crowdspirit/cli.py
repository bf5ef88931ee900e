"""`flask crowdspirit ...` commands: demo data and administrator accounts."""

import click
from flask.cli import AppGroup

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
