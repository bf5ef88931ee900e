"""Rendered HTML reused across requests and members: a fragment is rendered once per key (the data it shows, the
language) with stand-ins for the request's own secrets (the CSRF token, the CSP nonce), which are put in as the
response leaves, so that no remembered byte belongs to anyone.

A fragment that shows no member's text may also be drawn once for every id and page, with stand-ins for the id of
what it is drawn for (in its URLs) and for the request's path, put in each time it is used: a page seen for the
first time (most are) then draws nothing.

The stand-ins carry a random mark made at start-up: text a member writes can never contain them.
"""

import secrets
from urllib.parse import quote

from flask import render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from ..memo import memo
from ..requestcache import per_request
from .locale import language

_MARK = secrets.token_hex(12)
CSRF = f"csrf-{_MARK}"
NONCE = f"nonce-{_MARK}"


def csp_nonce() -> str:
    """The nonce of this response (made on first use): script and style tags of the page carry it, and htmx
    gives it to the inline scripts and styles it inserts (inlineScriptNonce, inlineStyleNonce)."""
    return per_request("csp_nonce", lambda: secrets.token_urlsafe(18))


_SECRETS = {CSRF.encode(): generate_csrf, NONCE.encode(): csp_nonce}

#: the stand-in for the id a fragment is drawn for (a number: it goes where routes take integers)
ID = 10**17 + secrets.randbelow(9 * 10**17)
#: the stand-in for the request's path (letters, digits and a dash: URL quoting leaves it as it is)
PATH = f"path-{_MARK}"


def _draw(template: str, context: dict) -> Markup:
    """The template rendered with stand-ins for the request's secrets."""
    return Markup(render_template(template, csrf_token=lambda: CSRF, csp_nonce=lambda: NONCE, **context))


def fragments(template: str, keyed: list[tuple[tuple, dict]]) -> Markup:
    """The HTML of template for each (key, context) of a list, one after the other, each rendered once per key
    (everything it shows, besides the language): the language and the table are looked up once for the list."""
    table, tag = memo("fragments", 50_000), str(language())
    return Markup("".join([table.get((template, tag, *key), lambda context=context: _draw(template, context))
                           for key, context in keyed]))


def drawn(template: str, key: tuple, context, id: int | None = None) -> Markup:
    """The template rendered once per key (everything it shows, besides the language) with the values context()
    gives, called only when it is drawn. With an id, it is drawn once for every id: context() gives ID where the id
    goes, and the id is put in."""
    html = memo("fragments", 50_000).get((template, str(language()), *key), lambda: _draw(template, context()))
    return html if id is None else Markup(html.replace(str(ID), str(int(id))))


def shown(template: str, id: int | None = None, path: str | None = None, **values) -> Markup:
    """A Jinja global: the template rendered once per the values given, which must be all it shows (it is rendered
    without the request's context: no current_user, no request, nothing else). An `id` or a `path` given is drawn
    as its stand-in, so that one drawing serves every id and page, and put in."""
    stand_ins = {**({"id": ID} if id is not None else {}), **({"path": PATH} if path is not None else {})}
    html = drawn(template, tuple(sorted(values.items())), lambda: {**values, **stand_ins}, id)
    return html if path is None else Markup(html.replace(PATH, quote(path, safe="/")))


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
