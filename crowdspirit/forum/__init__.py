"""Discussion threads (community forum, projects, ideas) with live updates over Socket.IO."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the forum's access rules, panels, pages, moderation and live socket handlers."""
    from ..signals import account_erasing
    from . import erasure, events, indexing, moderation_views, panels, rules, views  # noqa: F401  (events: the socket handlers)

    rules.register()
    indexing.register()
    panels.register()
    account_erasing.connect(erasure.erase_member)
    app.register_blueprint(views.bp)
    app.register_blueprint(moderation_views.bp)
