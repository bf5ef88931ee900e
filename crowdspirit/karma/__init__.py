"""Karma: an explainable points ledger fed by the domain's signals, leaderboards, and referrals."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Check the configured point rules once (a mistake in KARMA_RULES stops the app at start with its reason),
    subscribe to the domain's signals, and register the karma pages (and the panel on the moderators' page about a
    member), the total others see (a Jinja global) and karma-check."""
    from .. import events
    from ..accounts import archive
    from ..commands import crowdspirit_cli
    from . import commands, handlers, panels, rules, views  # noqa: F401  (handlers subscribe to the domain's signals)
    from .models import KarmaEvent

    app.extensions["karma_rules"] = rules.build(app.config["KARMA_RULES"])
    archive.register("karma", lambda user: archive.rows_of(KarmaEvent, KarmaEvent.user_id == user.id))
    for signal, handler in handlers.DURABLE.items():
        events.subscribe(signal, handler)
    panels.register()
    app.register_blueprint(views.bp)
    app.jinja_env.globals.update(shown_karma=views.shown_karma)
    crowdspirit_cli.add_command(commands.karma_check)
