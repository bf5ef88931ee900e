"""Full-text search behind one adapter: documents, the outbox-fed indexer, queries filtered by access."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Check the search backend setting, register the search page and commands, and start the embedded indexer
    thread with the first request (SEARCH_INDEXER=thread)."""
    from ..commands import crowdspirit_cli
    from . import commands, indexer, outbox, views  # noqa: F401  (outbox: the session hook that fills the outbox)
    from .common import check_backend

    check_backend(app)
    app.register_blueprint(views.bp)
    for command in (commands.reindex, commands.search_check, commands.search_indexer):
        crowdspirit_cli.add_command(command)
    if app.config["SEARCH_INDEXER"] == "thread":
        app.before_request(indexer.start_thread)
