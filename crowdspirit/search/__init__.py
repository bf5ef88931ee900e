"""Full-text search behind one adapter: documents the domains register, the outbox-fed indexer, one backend chosen
at start-up, queries filtered by access."""

from flask import Flask

from .registry import BATCH, Kind, Rows, Shown, Source, Watch, register, row_documents

__all__ = ["BATCH", "Kind", "Rows", "Shown", "Source", "Watch", "init_app", "register", "row_documents"]


def init_app(app: Flask) -> None:
    """Choose the search backend (SEARCH_BACKEND), register the search page and commands, and start the embedded
    indexer thread with the first request (SEARCH_INDEXER=thread)."""
    from ..commands import crowdspirit_cli
    from . import backends, commands, indexer, outbox, views  # noqa: F401  (outbox: the session hook that fills the outbox)

    backends.choose(app)
    app.register_blueprint(views.bp)
    app.jinja_env.globals.update(search_url=views.search_url)
    for command in (commands.reindex, commands.search_check, commands.search_indexer):
        crowdspirit_cli.add_command(command)
    if app.config["SEARCH_INDEXER"] == "thread":
        app.before_request(indexer.start_thread)
