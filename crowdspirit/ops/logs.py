"""Request ids and structured logs: one JSON object per line when LOG_FORMAT=json.

`RequestLog` wraps the whole WSGI application (Socket.IO and static files included): it takes the
request id from a valid incoming `X-Request-ID` or makes one, echoes it in the response, and logs one
line per request when its answer is finished (for a websocket, when the connection closes, after a
"websocket opened" line naming the worker that holds it). Every line logged while a request is being
served carries its id.
"""

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, request
from flask.logging import default_handler
from sqlalchemy import inspect

log = logging.getLogger("crowdspirit.request")
#: what an incoming X-Request-ID may be (a proxy's $request_id, a UUID...); anything else is replaced
VALID_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
#: the request being served by this thread (None outside requests)
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
#: LogRecord attributes that are not extra fields
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
#: environ key of the request's log fields (a dict: Socket.IO's middleware copies the environ, not this dict)
_FIELDS = "crowdspirit.log"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, pid, request id, then the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                 "pid": record.process}
        request_id = getattr(record, "request_id", None) or current_request_id.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update({key: value for key, value in vars(record).items()
                      if key not in _STANDARD and key != "request_id"})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure(app: Flask) -> None:
    """With LOG_FORMAT=json, send every logger's records to stderr as JSON lines (once per process)."""
    if app.config["LOG_FORMAT"] != "json":
        return
    root = logging.getLogger()
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.handlers = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    for name in ("socketio.server", "engineio.server"):  # at NOTSET they add a plain handler of their own
        logging.getLogger(name).setLevel(logging.ERROR)
    app.logger.removeHandler(default_handler)  # the root handler writes the app's records too


def incoming_id(value: str | None) -> str:
    """The caller's request id if it is well formed, else a new one."""
    return value if value and VALID_ID.fullmatch(value) else uuid.uuid4().hex


def remember_user(_error=None) -> None:
    """Note the signed-in user's id for the request log, if this request loaded the user.

    Read from the ORM's identity map, never from the attribute: after a rollback the attribute would be
    reloaded, a query that fails when the database is what failed.
    """
    fields = request.environ.get(_FIELDS)
    state = inspect(g.get("_login_user"), raiseerr=False)
    if fields is not None and state is not None and state.identity:
        fields["user_id"] = state.identity[0]


class RequestLog:
    """WSGI middleware: request id in and out, and one log line per finished request."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        request_id = incoming_id(environ.get("HTTP_X_REQUEST_ID"))
        environ["HTTP_X_REQUEST_ID"] = request_id
        current_request_id.set(request_id)
        started = time.perf_counter()
        fields = environ[_FIELDS] = {"request_id": request_id, "method": environ.get("REQUEST_METHOD"),
                                     "path": environ.get("PATH_INFO"), "user_id": None}

        def start(status, headers, exc_info=None):
            fields["status"] = int(status.split(" ", 1)[0])
            headers.append(("X-Request-ID", request_id))
            return start_response(status, headers, exc_info)

        websocket = environ.get("HTTP_UPGRADE", "").lower() == "websocket"
        if websocket:
            log.info("websocket opened", extra={key: fields[key] for key in ("request_id", "method", "path")})
        try:
            body = self.wsgi_app(environ, start)
        except BaseException:  # under gunicorn a finished websocket ends with StopIteration
            fields.setdefault("status", 101 if websocket else 500)
            self._finish(fields, started)
            raise
        return _Closing(body, lambda: self._finish(fields, started))

    @staticmethod
    def _finish(fields: dict, started: float) -> None:
        fields.setdefault("status", 500)
        fields["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
        log.log(logging.ERROR if fields["status"] >= 500 else logging.INFO, "%s %s %s", fields["method"],
                fields["path"], fields["status"], extra=fields)
        current_request_id.set(None)


class _Closing:
    """The response body, calling on_close once the server has sent it (or given up)."""

    def __init__(self, body, on_close):
        self.body, self.on_close = body, on_close

    def __iter__(self):
        return iter(self.body)

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.on_close()
