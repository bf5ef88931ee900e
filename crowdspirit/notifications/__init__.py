"""In-app notifications (replies, mentions, followed threads, moderation) and the daily email digest."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the notifications' filter, the follow button, the unread badge, their page and send-digests; its
    services listen to new and moderated posts, and ideas' stage moves (through the event outbox)."""
    from .. import events
    from ..commands import crowdspirit_cli
    from ..signals import account_erasing, stage_changed
    from . import commands, panels, rules, services, views  # noqa: F401  (services: the signal listeners)

    rules.register()
    panels.register()
    account_erasing.connect(services.erase_member)
    events.subscribe(stage_changed, services.notify_stage_moves)
    app.context_processor(views.unread_badge)
    app.register_blueprint(views.bp)
    crowdspirit_cli.add_command(commands.send_digests)
