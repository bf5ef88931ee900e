"""Files attached to ideas and specifications, served only through a checked view."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the attachments' access rules, the idea page's files and the download and upload routes."""
    from . import panels, rules, views

    rules.register()
    panels.register()
    app.register_blueprint(views.bp)
