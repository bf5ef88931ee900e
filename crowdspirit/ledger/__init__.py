"""A double-entry ledger for money: every movement is a balanced transaction between named accounts."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the ledger's access rule and the payouts page."""
    from . import rules, views

    rules.register()
    app.register_blueprint(views.bp)
