"""Partner R&D: the scouting board, sponsors' offers, partnerships and their private R&D workspaces."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register partner R&D's access rules, its notices, its panels on the idea and project pages, its pages and its
    remind-milestones command."""
    from ..commands import crowdspirit_cli
    from . import commands, kinds, panels, rules, views

    rules.register()
    kinds.register()
    panels.register()
    app.register_blueprint(views.bp)
    crowdspirit_cli.add_command(commands.remind_milestones)
