"""What every template can use, and the headers every response carries (domains add their own globals)."""

from datetime import date, datetime, timedelta
from functools import lru_cache

from babel import dates as babel_dates
from flask import request
from flask_babel import format_currency, format_datetime, format_decimal, get_locale, get_timezone
from flask_babel import gettext as _
from markupsafe import Markup

from .. import clock
from ..access import can
from ..requestcache import computed
from ..text import render_markdown
from .fragments import csp_nonce, fill_secrets, shown
from .panels import render_panels


def content_security_policy(nonce: str | None) -> str:
    """The CSP header: this site's own files, plus inline code carrying the page's nonce when it has one."""
    own = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    return "; ".join([
        "default-src 'self'", f"script-src {own}", f"style-src {own}", "img-src 'self' data:",
        "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
        "frame-ancestors 'none'",
    ])



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


#: closer to now than this, a moment reads "just now" (not "in 0 seconds", nor "in 2 seconds" from clock skew)
JUST_NOW = timedelta(minutes=1)


@lru_cache(maxsize=4096)
def _exact_moment(moment: datetime, locale: str, zone) -> str:
    """A UTC timestamp to the second, with its time zone, in the locale's long format (cached like _format_day)."""
    return babel_dates.format_datetime(moment, format="long", tzinfo=zone, locale=locale)


@lru_cache(maxsize=4096)
def _how_long(minutes: int, locale: str) -> str:
    """ "3 days ago", "in 2 hours": a signed number of minutes in words (Babel is slow enough to matter here too)."""
    return babel_dates.format_timedelta(timedelta(minutes=minutes), add_direction=True, locale=locale)


def format_relative(moment: datetime) -> Markup:
    """Jinja filter `when`: a <time> saying how long ago (or in how long) a UTC timestamp is, to the minute, the
    exact date and time in its title, the ISO-8601 instant in its datetime attribute."""
    delta = moment - clock.now()
    relative = (_("just now") if abs(delta) < JUST_NOW
                else _how_long(round(delta.total_seconds() / 60), str(get_locale())))
    return Markup('<time datetime="{}Z" title="{}">{}</time>').format(
        moment.isoformat(timespec="seconds"), _exact_moment(moment, str(get_locale()), get_timezone()), relative)


def format_money(cents: int, currency: str) -> str:
    """Jinja filter `money`: an amount stored in cents, in the request's language (e.g. 1 500,00 €)."""
    return format_currency(cents / 100, currency)


def request_globals() -> dict:
    """Names that depend on the request, available in every template."""
    return {"current_locale": str(get_locale())}


def register(app):
    """Install filters, globals and the response headers."""
    app.jinja_env.filters.update(markdown=render_markdown, datetime=format_datetime,
                                 date=format_day, number=format_decimal, money=format_money,
                                 day=format_date, when=format_relative)
    app.jinja_env.globals.update(can=can, csp_nonce=csp_nonce, panels=render_panels, fragment=shown)
    app.context_processor(request_globals)
    app.after_request(security_headers)
    app.after_request(fill_secrets)
