"""The JSON API (/api/v1), its personal access tokens and webhooks."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Start the webhook delivery thread with the first request (WEBHOOKS_DELIVERY=thread)."""
    if app.config["WEBHOOKS_DELIVERY"] != "thread":
        return
    from .webhooks import start_thread

    app.before_request(start_thread)
