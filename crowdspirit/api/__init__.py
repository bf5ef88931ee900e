"""The JSON API (/api/v1), its personal access tokens and webhooks."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the API's access rules, its routes, token and webhook settings, the webhooks' listeners (the
    activity signals and every notice), and start the webhook delivery thread with the first request
    (WEBHOOKS_DELIVERY=thread)."""
    from ..signals import account_erasing
    from . import rules, token_views, tokens, views, webhook_views, webhooks

    rules.register()
    webhooks.listen()
    account_erasing.connect(tokens.erase_member)
    for blueprint in (views.bp, token_views.bp, webhook_views.bp):
        app.register_blueprint(blueprint)
    if app.config["WEBHOOKS_DELIVERY"] == "thread":
        app.before_request(webhooks.start_thread)
