"""The audit log: policy, membership, NDA and stage changes, written by the domains in the transaction of the change
(the projects domain shows a project's log to its owner), and the platform's account events (address changes,
refused links), which administrators read."""

from flask import Flask

from . import models  # noqa: F401  (its table, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Keep the accounts' events in the platform's log, and serve that log to administrators."""
    from ..accounts import archive
    from ..signals import account_audit, account_erasing
    from . import services, views

    account_audit.connect(services.record_account_event)
    archive.register("audit", services.about_member)
    account_erasing.connect(services.erase_member)
    app.register_blueprint(views.bp)
