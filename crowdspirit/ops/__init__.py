"""Running in production: request ids and JSON logs, health and readiness, static caching, proxy headers."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import logs, static


def init_app(app: Flask) -> None:
    """Wrap the WSGI app (proxy headers, request log) and register the probes and static caching."""
    from .health import bp

    app.register_blueprint(bp)
    app.teardown_request(logs.remember_user)
    static.init_app(app)
    if proxies := app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies,
                                x_prefix=proxies)
    app.wsgi_app = logs.RequestLog(app.wsgi_app)
