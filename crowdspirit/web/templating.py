"""What every template can use, and the headers every response carries."""

import hmac
import secrets
from datetime import date, datetime
from functools import lru_cache

from babel import dates as babel_dates
from flask import request
from flask_babel import format_currency, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from ..access import can
from ..accounts.models import ProfileKind, User
from ..extensions import db, login_manager
from ..notifications.services import unread_count
from ..pipeline.models import Stage
from ..pipeline.services import STAGE_LABELS
from ..requestcache import computed, per_request
from ..text import render_markdown

PROFILE_KIND_LABELS = {
    ProfileKind.AMATEUR: _l("Amateur"),
    ProfileKind.STUDENT: _l("Student"),
    ProfileKind.PROFESSIONAL: _l("Professional"),
    ProfileKind.EXPERT: _l("Expert"),
}

def content_security_policy(nonce: str | None) -> str:
    """The CSP header: this site's own files, plus inline code carrying the page's nonce when it has one."""
    own = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    return "; ".join([
        "default-src 'self'", f"script-src {own}", f"style-src {own}", "img-src 'self' data:",
        "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def csp_nonce() -> str:
    """The nonce of this response (made on first use): script and style tags of the page carry it, and htmx
    gives it to the inline scripts and styles it inserts (inlineScriptNonce, inlineStyleNonce)."""
    return per_request("csp_nonce", lambda: secrets.token_urlsafe(18))


@login_manager.user_loader
def load_user(session_id: str):
    """Flask-Login's hook: the signed-in user from the id and session token kept in the session."""
    user_id, _colon, token = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or user.banned or not hmac.compare_digest(token, user.session_token):
        return None  # a ban or a new password ends every other session at once
    return user


def security_headers(response):
    """Tell browsers to lock the page down, and caches that htmx fragments differ from pages."""
    response.headers.setdefault("Content-Security-Policy", content_security_policy(computed("csp_nonce")))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.vary.add("HX-Request")
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def stage_badge(stage: str) -> Markup:
    """The coloured badge naming a stage (labels translated once per request: lists show many)."""
    names = per_request("stage_names", lambda: {key: str(label) for key, label in STAGE_LABELS.items()})
    return Markup(f'<span class="badge stage-{escape(stage)}">{escape(names[stage])}</span>')


@lru_cache(maxsize=4096)
def _format_day(day: date, locale: str) -> str:
    """A date in the locale's medium format (Babel is slow enough to matter on 50-row lists)."""
    return babel_dates.format_date(day, format="medium", locale=locale)


def format_day(moment: datetime) -> str:
    """Jinja filter `date`: the day of a UTC timestamp, in the request's language."""
    return _format_day(moment.date(), str(get_locale()))


def format_date(day: date) -> str:
    """Jinja filter `day`: a calendar date (not a timestamp), in the request's language."""
    return _format_day(day, str(get_locale()))


def format_money(cents: int, currency: str) -> str:
    """Jinja filter `money`: an amount stored in cents, in the request's language (e.g. 1 500,00 €)."""
    return format_currency(cents / 100, currency)


def request_globals() -> dict:
    """Names that depend on the request, available in every template."""
    return {"current_locale": str(get_locale()), "unread_notifications": lambda: unread_count(current_user)}


def register(app):
    """Install filters, globals, the login view and the response headers."""
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    app.jinja_env.filters.update(markdown=render_markdown, datetime=format_datetime,
                                 date=format_day, number=format_decimal, money=format_money,
                                 day=format_date)
    app.jinja_env.globals.update(Stage=Stage, STAGE_LABELS=STAGE_LABELS, stage_badge=stage_badge, can=can,
                                 PROFILE_KIND_LABELS=PROFILE_KIND_LABELS, csp_nonce=csp_nonce)
    app.context_processor(request_globals)
    app.after_request(security_headers)
