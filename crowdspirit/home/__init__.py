"""The pages that gather every domain: the home page, a member's dashboard and the sponsor dashboard."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the home page, the dashboards and the sponsors' weekly summary."""
    from ..commands import crowdspirit_cli
    from . import sponsor_views, summary, views

    summary.register()
    crowdspirit_cli.add_command(summary.send_sponsor_summaries)
    app.register_blueprint(views.bp)
    app.jinja_env.globals.update(news_items=views.news_items)
    app.register_blueprint(sponsor_views.bp)
