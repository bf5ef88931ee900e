"""A double-entry ledger for money: every movement is a balanced transaction between named accounts."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the ledger's access rule and the payouts page."""
    from ..accounts import archive
    from . import rules, services, views
    from .models import LedgerLine

    rules.register()
    archive.register("payments", lambda user: archive.rows_of(
        LedgerLine, LedgerLine.account == services.member_account(user.id)))
    app.register_blueprint(views.bp)
