"""CrowdSpirit: an open platform where communities and R&D sponsors design products together."""

from pathlib import Path

from flask import Flask

from . import config
from .extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
from .ops import livequeue
from .ops.logs import configure as configure_logs

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application: load config, bind extensions, register blueprints and commands."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=True,
    )
    app.config.update(config.from_environment(app.instance_path))
    app.config.update(overrides or {})
    configure_logs(app)  # first: libraries add their own handlers when they find none

    from . import models  # noqa: F401  (every table registered before Migrate looks)
    from .api import webhooks as _webhooks  # noqa: F401  (listens to new ideas, stage changes and posts)
    from .forum import events  # noqa: F401  (socket handlers, registered before init_app binds them)
    from .karma import init_app as init_karma  # (its handlers listen to ideas, votes, posts, amendments, sign-ups)
    from .notifications import services as _notifications  # noqa: F401  (listens to new posts)
    from .web import locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=locale.select_locale)
    limiter.init_app(app)
    socketio.init_app(app, async_mode="threading", message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
                      client_manager=livequeue.manager(app.config["SOCKETIO_MESSAGE_QUEUE"]),
                      transports=app.config["SOCKETIO_TRANSPORTS"])

    from .accounts.views import bp as accounts_bp
    from .api import init_app as init_api
    from .api.token_views import bp as tokens_bp
    from .api.views import bp as api_bp
    from .api.webhook_views import bp as webhooks_bp
    from .attachments.views import bp as attachments_bp
    from .audit.views import bp as audit_bp
    from .cli import crowdspirit_cli
    from .contests.views import bp as contests_bp
    from .forum.moderation_views import bp as moderation_bp
    from .forum.views import bp as forum_bp
    from .karma.views import bp as karma_bp
    from .ledger.views import bp as ledger_bp
    from .notifications.views import bp as notifications_bp
    from .ops import init_app as init_ops
    from .pipeline.views import bp as pipeline_bp
    from .projects.members_views import bp as members_bp
    from .projects.nda_views import bp as nda_bp
    from .projects.views import bp as projects_bp
    from .rnd.views import bp as rnd_bp
    from .search import init_app as init_search
    from .search.views import bp as search_bp
    from .specs.views import bp as specs_bp
    from .web import errors, templating
    from .web.sponsor_views import bp as sponsors_bp
    from .web.views import bp as web_bp

    for blueprint in (web_bp, accounts_bp, projects_bp, members_bp, nda_bp, audit_bp, pipeline_bp, specs_bp,
                      attachments_bp, forum_bp, moderation_bp, notifications_bp, search_bp, api_bp, tokens_bp,
                      webhooks_bp, rnd_bp, karma_bp, contests_bp, ledger_bp, sponsors_bp):
        app.register_blueprint(blueprint)
    init_search(app)
    init_api(app)
    init_karma(app)
    errors.register(app)
    templating.register(app)
    init_ops(app)
    app.cli.add_command(crowdspirit_cli)
    return app
