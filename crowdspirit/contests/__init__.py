"""Contests (the Wilogo flow, generalised) and expert challenges, with rewards in the ledger and IP transfer."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the contests' access rules and pages."""
    from . import rules, views

    rules.register()
    app.register_blueprint(views.bp)
