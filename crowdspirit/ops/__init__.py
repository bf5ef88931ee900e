"""Running in production: request ids and JSON logs, health and readiness, static caching, proxy headers."""

import logging

from flask import Flask
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from ..extensions import db
from . import logs, static


def release_session(_error=None) -> None:
    """End the context's database session even if the database dropped its connection meanwhile.

    Flask-SQLAlchemy's own teardown would raise from the rollback on a dead connection, turning an answer
    already made (often the 503 page) into a 500; the second attempt releases the invalidated connection.
    """
    try:
        db.session.remove()
    except (OperationalError, InterfaceError) as error:
        logging.getLogger(__name__).warning("database connection lost at the end of a request: %s",
                                            type(error.orig or error).__name__)
        db.session.remove()


def init_app(app: Flask) -> None:
    """Wrap the WSGI app (proxy headers, request log) and register the probes and static caching."""
    from .health import bp

    app.register_blueprint(bp)
    app.teardown_request(logs.remember_user)
    app.teardown_appcontext(release_session)  # registered after Flask-SQLAlchemy's, so it runs first
    static.init_app(app)
    if proxies := app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies,
                                x_prefix=proxies)
    app.wsgi_app = logs.RequestLog(app.wsgi_app)
