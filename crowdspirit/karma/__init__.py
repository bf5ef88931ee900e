"""Karma: an explainable points ledger fed by the domain's signals, leaderboards, and referrals."""

from flask import Flask

from . import handlers, rules  # noqa: F401  (handlers subscribe to the domain's signals)


def init_app(app: Flask) -> None:
    """Check the configured rules once, so that a mistake in KARMA_RULES stops the app at start with its reason."""
    app.extensions["karma_rules"] = rules.build(app.config["KARMA_RULES"])
