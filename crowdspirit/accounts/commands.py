"""`flask crowdspirit create-admin`."""

import click

from ..errors import Conflict
from ..extensions import db
from . import services as accounts


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "display_name", prompt="Display name")
@click.password_option()
def create_admin(email, display_name, password):
    """Create an administrator account, or make an existing account an administrator."""
    user = accounts.find_by_email(email)
    if user is None:
        try:
            user = accounts.register(email, display_name, password, "expert", confirmed=True)
        except Conflict as error:
            raise click.ClickException(str(error.message)) from None
    user.is_admin = True
    db.session.commit()
    click.echo(f"{user.email} is an administrator.")
