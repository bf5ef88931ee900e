"""The pages that gather every domain: the home page, a member's dashboard and the sponsor dashboard."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the home page and the dashboards."""
    from . import sponsor_views, views

    app.register_blueprint(views.bp)
    app.register_blueprint(sponsor_views.bp)
