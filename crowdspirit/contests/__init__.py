"""Contests (the Wilogo flow, generalised) and expert challenges, with rewards in the ledger and IP transfer."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the contests' access rules, notices, search documents, pages and contest-phases command, and start
    the phase scheduler thread with the first request (CONTEST_SCHEDULER=thread)."""
    from ..commands import crowdspirit_cli
    from . import commands, indexing, kinds, rules, services, views

    rules.register()
    kinds.register()
    indexing.register()
    app.register_blueprint(views.bp)
    crowdspirit_cli.add_command(commands.contest_phases)
    if app.config["CONTEST_SCHEDULER"] == "thread":
        app.before_request(services.start_scheduler)
