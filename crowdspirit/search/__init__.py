"""Full-text search behind one adapter: documents, the outbox-fed indexer, queries filtered by access."""

from flask import Flask

from . import outbox  # noqa: F401  (the session hook that fills the outbox)


def init_app(app: Flask) -> None:
    """Start the embedded indexer thread with the first request (SEARCH_INDEXER=thread)."""
    if app.config["SEARCH_INDEXER"] != "thread":
        return
    from .indexer import start_thread

    app.before_request(start_thread)
