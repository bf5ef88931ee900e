"""CrowdSpirit: an open platform where communities and R&D sponsors design products together."""

from pathlib import Path

from flask import Flask

from . import (
    accounts,
    api,
    attachments,
    audit,
    config,
    contests,
    database,
    events,
    forum,
    home,
    karma,
    ledger,
    mail,
    notifications,
    ops,
    pipeline,
    projects,
    rnd,
    search,
    specs,
    web,
)
from .commands import crowdspirit_cli
from .extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
from .ops import livequeue
from .ops.logs import configure as configure_logs
from .web import limits
from .web.templating import SettledEnvironment

ROOT = Path(__file__).resolve().parent.parent
#: the domains, each setting itself up after those it builds on: its models, access rules, panels, signal
#: handlers, pages and commands (docs/architecture.md tells how to add one)
DOMAINS = (accounts, audit, ledger, projects, pipeline, attachments, specs, forum, notifications, rnd, contests, karma,
           home, api)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application: load config, bind extensions, then let the plumbing and every domain set itself up."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=True,
    )
    app.jinja_environment = SettledEnvironment  # before anything reads app.jinja_env
    app.config.update(config.from_environment(app.instance_path))
    app.config.update(overrides or {})
    configure_logs(app)  # first: libraries add their own handlers when they find none

    from . import cli  # noqa: F401  (the instance's own commands: demo data, the rules table, backups)
    from .access import models as _access_models  # noqa: F401  (the access version's table)
    from .web import locale

    web.init_app(app)
    search.init_app(app)
    events.init_app(app)
    mail.init_app(app)
    for domain in DOMAINS:
        domain.init_app(app)

    # bound after the domains: Flask-SocketIO hands the socket handlers the forum registered to each new server
    engine, compiled = app.config["SQLALCHEMY_ENGINE_OPTIONS"], database.CompiledCache()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**engine, "execution_options": {
        "compiled_cache": compiled, **engine.get("execution_options", {})}}
    app.teardown_appcontext(compiled.forget_gone)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=locale.select_locale)
    locale.install_gettext(app)
    limiter.init_app(app)
    limits.check_where_declared(app)
    socketio.init_app(app, async_mode="threading", message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
                      client_manager=livequeue.manager(app.config["SOCKETIO_MESSAGE_QUEUE"]),
                      transports=app.config["SOCKETIO_TRANSPORTS"])
    ops.init_app(app)  # after Flask-SQLAlchemy: its teardown must run first
    app.cli.add_command(crowdspirit_cli)
    return app
