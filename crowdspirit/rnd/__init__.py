"""Partner R&D: the scouting board, sponsors' offers, partnerships and their private R&D workspaces."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register partner R&D's access rules, its panels on the idea and project pages, and its pages."""
    from . import panels, rules, views

    rules.register()
    panels.register()
    app.register_blueprint(views.bp)
