"""Discussion threads (community forum, projects, ideas) with live updates over Socket.IO."""

from flask import Flask

from ..text import plain_text
from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the forum's access rules, panels, pages, moderation and live socket handlers."""
    from . import events, indexing, moderation_views, panels, rules, views  # noqa: F401  (events: the socket handlers)

    app.jinja_env.filters["plain"] = plain_text  # a quoted post reads as text, its Markdown marks left out
    rules.register()
    indexing.register()
    panels.register()
    app.register_blueprint(views.bp)
    app.register_blueprint(moderation_views.bp)
