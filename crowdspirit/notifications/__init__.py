"""Notifications: every kind the domains declare (`notices`), in the app, by email at once and in digests."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Declare this domain's kinds; register the notifications' filter, the follow button, the unread badge, their
    pages and send-digests; deliver, through the event outbox, the notices the domains give, new posts and ideas'
    stage moves."""
    from .. import events
    from ..commands import crowdspirit_cli
    from ..signals import account_erasing, notice_given, post_published, stage_changed
    from . import commands, kinds, merging, panels, rules, services, views  # noqa: F401  (services: the signal listeners)

    kinds.register()
    rules.register()
    panels.register()
    merging.register()
    account_erasing.connect(services.erase_member)
    events.subscribe(stage_changed, services.notify_stage_moves)
    events.subscribe(post_published, services.notify_new_posts)
    events.subscribe(notice_given, services.deliver_notices)
    app.jinja_env.globals.update(notice_text=services.describe, notice_link=services.link_of,
                                 notice_sentence=services.sentence)
    app.context_processor(views.unread_badge)
    app.register_blueprint(views.bp)
    crowdspirit_cli.add_command(commands.send_digests)
