"""Discussion threads (community forum, projects, ideas) with live updates over Socket.IO."""

from flask import Flask

from ..text import plain_text
from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the forum's access rules, panels, pages, moderation (its console too) and live socket handlers."""
    from ..accounts import archive
    from ..signals import account_erasing
    from . import console_views, erasure, events, indexing, kinds, merging, moderation_views, panels, rules, views  # noqa: F401  (events: the socket handlers)
    from .models import Flag, MemberWarning, Post, ThreadRead

    app.jinja_env.filters["plain"] = plain_text  # a quoted post reads as text, its Markdown marks left out
    rules.register()
    rules.register_console()
    kinds.register()
    indexing.register()
    panels.register()
    merging.register()
    console_views.register_panels()
    account_erasing.connect(erasure.erase_member)
    archive.register("posts", lambda user: archive.rows_of(Post, Post.author_id == user.id))
    archive.register("flags", lambda user: archive.rows_of(Flag, Flag.user_id == user.id))
    archive.register("thread_reads", lambda user: archive.rows_of(ThreadRead, ThreadRead.user_id == user.id))
    archive.register("warnings", lambda user: archive.rows_of(MemberWarning, MemberWarning.user_id == user.id,
                                                              leave_out={"moderator_id"}))
    app.register_blueprint(views.bp)
    app.register_blueprint(moderation_views.bp)
    app.register_blueprint(console_views.bp)
