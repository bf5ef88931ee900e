"""gunicorn settings of the scale-out mode (`make serve-prod`): `gunicorn -c crowdspirit/gunicorn_conf.py wsgi:app`.

Several gthread workers share one port. gunicorn hands each new connection to any worker, so a
Socket.IO session must live on one connection: the websocket transport alone (long-polling would
send a session's requests to different workers), rooms shared through SOCKETIO_MESSAGE_QUEUE
(Redis). Each open websocket holds one of a worker's threads: size GUNICORN_THREADS above the open
tabs a worker carries. See docs/deploy.md.
"""

import os
import signal

from crowdspirit.ops.logs import JsonFormatter

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 64))
keepalive = 5
#: seconds a stopping worker has to finish its requests (live sockets are closed at once: they reconnect)
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", 20))
#: gunicorn 25+'s control socket defaults to one path per user (~/.gunicorn): instances would share it; signals do
control_socket_disable = True
accesslog = None  # the app logs one line per request (crowdspirit.request), with its id and duration
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
if os.environ.get("LOG_FORMAT") == "json":  # gunicorn's own lines too (its default handlers, JSON formatted)
    logconfig_dict = {
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {name: {"class": "logging.StreamHandler", "formatter": "json", "stream": stream}
                     for name, stream in (("console", "ext://sys.stdout"), ("error_console", "ext://sys.stderr"))},
        "loggers": {"gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"], "propagate": False,
                                       "qualname": "gunicorn.error"}},
    }

if workers > 1:
    if not os.environ.get("SOCKETIO_MESSAGE_QUEUE"):
        raise SystemExit("Several workers need SOCKETIO_MESSAGE_QUEUE=redis://... to share live rooms.")
    os.environ.setdefault("SOCKETIO_TRANSPORTS", "websocket")
    if os.environ["SOCKETIO_TRANSPORTS"] != "websocket":
        raise SystemExit("Several workers behind one port need SOCKETIO_TRANSPORTS=websocket "
                         "(long-polling needs sticky sessions: one worker per gunicorn, see docs/deploy.md).")


def post_worker_init(worker):
    """On SIGTERM a worker also closes its live sockets, so that they reconnect to another worker at once."""
    from crowdspirit.ops import shutdown

    stop_accepting = worker.handle_exit

    def handle_exit(sig, frame):
        stop_accepting(sig, frame)
        shutdown.begin()

    signal.signal(signal.SIGTERM, handle_exit)


def worker_exit(server, worker):
    """Stop the worker's background loops (an indexer thread finishes its batch) before the process ends."""
    from crowdspirit.ops import shutdown

    shutdown.finish(timeout=graceful_timeout / 2)
