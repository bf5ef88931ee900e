"""Full-text search behind one adapter: documents, the outbox-fed indexer, queries filtered by access."""

from flask import Flask

from . import outbox  # noqa: F401  (the session hook that fills the outbox)
from .common import check_backend


def init_app(app: Flask) -> None:
    """Check the search backend setting; start the embedded indexer thread with the first request
    (SEARCH_INDEXER=thread)."""
    check_backend(app)
    if app.config["SEARCH_INDEXER"] != "thread":
        return
    from .indexer import start_thread

    app.before_request(start_thread)
