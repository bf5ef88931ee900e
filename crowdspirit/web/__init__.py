"""Cross-cutting web plumbing: rendering for pages and htmx fragments, errors, headers, locale, rate limits, the
visitors' micro-cache and page panels. It knows no domain: domains register their panels and Jinja globals."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the session cookie's reader, the error pages, template filters and globals, response headers and the
    language switch."""
    from . import cookies, errors, locale, templating, views

    app.session_interface = cookies.RememberedCookieSessions()
    app.before_request(locale.wtforms_messages)
    errors.register(app)
    templating.register(app)
    app.register_blueprint(views.bp)
