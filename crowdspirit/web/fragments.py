"""Rendered HTML reused across requests and members: a fragment is rendered once per key (the data it shows, the
language) with stand-ins for the request's own secrets (the CSRF token, the CSP nonce), which are put in as the
response leaves, so that no remembered byte belongs to anyone.

The stand-ins carry a random mark made at start-up: text a member writes can never contain them.
"""

import secrets

from flask import render_template
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from ..memo import memo
from ..requestcache import per_request

_MARK = secrets.token_hex(12)
CSRF = f"csrf-{_MARK}"
NONCE = f"nonce-{_MARK}"


def csp_nonce() -> str:
    """The nonce of this response (made on first use): script and style tags of the page carry it, and htmx
    gives it to the inline scripts and styles it inserts (inlineScriptNonce, inlineStyleNonce)."""
    return per_request("csp_nonce", lambda: secrets.token_urlsafe(18))


_SECRETS = {CSRF.encode(): generate_csrf, NONCE.encode(): csp_nonce}


def _draw(template: str, context: dict) -> Markup:
    """The template rendered with stand-ins for the request's secrets."""
    return Markup(render_template(template, csrf_token=lambda: CSRF, csp_nonce=lambda: NONCE, **context))


def fragments(template: str, keyed: list[tuple[tuple, dict]]) -> Markup:
    """The HTML of template for each (key, context) of a list, one after the other, each rendered once per key
    (everything it shows, besides the language): the language and the table are looked up once for the list."""
    table, language = memo("fragments", 50_000), str(get_locale())
    return Markup("".join([table.get((template, language, *key), lambda context=context: _draw(template, context))
                           for key, context in keyed]))


def drawn(template: str, key: tuple, context) -> Markup:
    """The template rendered once per key (everything it shows, besides the language) with the values context()
    gives, called only when it is drawn."""
    return memo("fragments", 50_000).get((template, str(get_locale()), *key), lambda: _draw(template, context()))


def shown(template: str, **values) -> Markup:
    """A Jinja global: the template rendered once per the values given, which must be all it shows (it is rendered
    without the request's context: no current_user, no request, nothing else)."""
    return fragments(template, [(tuple(sorted(values.items())), values)])


def fill_secrets(response):
    """Put this request's CSRF token and CSP nonce where remembered fragments hold their stand-ins."""
    if response.mimetype == "text/html" and not response.direct_passthrough:
        body = response.get_data()
        if _MARK.encode() in body:
            for stand_in, value in _SECRETS.items():
                if stand_in in body:
                    body = body.replace(stand_in, value().encode())
            response.set_data(body)
    return response
