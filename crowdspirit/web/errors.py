"""One place turns domain errors and HTTP errors into pages or htmx fragments."""

import logging
from contextlib import suppress

from flask import Response, flash, jsonify, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy.exc import DataError, InterfaceError, OperationalError, PendingRollbackError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..access import SignInRequired
from ..errors import DomainError
from ..extensions import db
from . import locale
from .rendering import is_htmx, render

TITLES = {
    400: _l("Bad request"), 401: _l("Sign in required"), 403: _l("Not allowed"),
    404: _l("Not found"), 405: _l("Method not allowed"), 409: _l("Not possible now"),
    413: _l("Too large"), 422: _l("Invalid input"), 429: _l("Too many requests"),
    500: _l("Something went wrong"),
}


#: the API's error codes for each status (a DomainError may name a more precise one)
API_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
             409: "conflict", 413: "too_large", 422: "invalid", 429: "rate_limited", 500: "server_error"}


def _error_response(status: int, message: str, code: str | None = None, field: str | None = None,
                    remedy: tuple | None = None):
    """The error page, for htmx an alert swapped into the page's message area, for the API an error object."""
    if request.path.startswith("/api/"):
        error = {"code": code or API_CODES.get(status, "error"), "message": str(message), "field": field}
        return jsonify(error=error), status
    response = render("errors/error.html", "errors/_alert.html", status=status,
                      status_code=status, title=TITLES.get(status, _("Error")), message=message, remedy=remedy)
    if is_htmx():
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _sign_in(message: str):
    """Send a visitor to the sign-in page, back here afterwards."""
    back = request.full_path if request.method == "GET" else request.referrer or "/"
    url = url_for("accounts.login", next=back)
    if is_htmx():
        response = _error_response(401, message)
        response.headers["HX-Redirect"] = url
        return response
    flash(message, "info")
    return redirect(url, 303)


def handle_domain_error(error: DomainError):
    """A domain rule refused the request: 4xx with the rule's own explanation."""
    if isinstance(error, SignInRequired) and not request.path.startswith("/api/"):
        return _sign_in(str(error.message))
    return _error_response(error.status, str(error.message), getattr(error, "code", None),
                           getattr(error, "field", None), getattr(error, "remedy", None))


def handle_http_error(error: HTTPException):
    """Werkzeug's 4xx (unknown URL, wrong method, oversize body, CSRF...) in the site's look."""
    messages = {
        404: _("This page does not exist, or you may not see it."),
        405: _("This address does not accept that kind of request."),
        413: _("What you sent is too large."),
        429: _("Too many attempts; wait a minute and try again."),
    }
    return _error_response(error.code or 400, messages.get(error.code, error.description))


def handle_server_error(error: InternalServerError):
    """A bug (Flask has logged it): the user gets an apology page, never a stack trace."""
    return _error_response(500, _("An unexpected error happened on our side. It has been logged."))


def handle_database_unavailable(error: OperationalError | InterfaceError | PendingRollbackError):
    """The database did not answer (restarting, failing over, locked too long), or its connection broke inside
    this request's transaction (PendingRollbackError): 503, retry shortly.

    The page is built without a template: rendering one would ask the unreachable database who is signed in.
    """
    cause = getattr(error, "orig", None) or error
    logging.getLogger(__name__).warning("database unavailable: %s", type(cause).__name__)
    with suppress(OperationalError, InterfaceError, PendingRollbackError):  # a dead connection: the pool replaces it
        db.session.rollback()
    with force_locale(locale.without_account()):  # the member's own language is in the database
        message = _("The service is briefly unavailable. Please try again in a few seconds.")
    if request.path.startswith("/api/"):
        response = jsonify(error={"code": "unavailable", "message": message, "field": None})
        response.status_code = 503
    else:
        response = Response(f'<!doctype html><meta charset="utf-8"><title>503</title><p role="alert">'
                            f"{escape(message)}</p>", 503, mimetype="text/html")
    response.headers["Retry-After"] = "5"
    return response


#: the bodies Werkzeug parses into request.form (any other leaves it empty)
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def refuse_nul_bytes():
    """No legitimate input holds a NUL byte; PostgreSQL refuses them, so answer 400 before any query."""
    form = request.form if request.mimetype in _FORM_TYPES else ()  # only these bodies are ever parsed as a form
    values = [request.path, *request.args.values(), *(form.values() if form else ())]
    if any("\x00" in value for value in values):
        return _error_response(400, _("The request contains an invalid character."))
    return None


def handle_out_of_range(error):
    """A number too large for the database (an id or page typed by hand) names nothing that exists."""
    db.session.rollback()
    return _error_response(404, _("This page does not exist, or you may not see it."))


def register(app):
    """Install the error handlers on the app."""
    app.before_request(refuse_nul_bytes)
    app.register_error_handler(OverflowError, handle_out_of_range)
    app.register_error_handler(DataError, handle_out_of_range)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InterfaceError, handle_database_unavailable)
    app.register_error_handler(PendingRollbackError, handle_database_unavailable)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
