"""Graceful shutdown of a server process: live sockets closed so they reconnect elsewhere, loops stopped.

gunicorn (`crowdspirit/gunicorn_conf.py`) calls `begin` when a worker receives SIGTERM (it stops
accepting and finishes the requests in flight) and `finish` when the worker exits.
"""

import logging
import threading

from .. import background
from ..extensions import socketio
from .livequeue import drop_sockets

log = logging.getLogger(__name__)


def close_live_sockets() -> None:
    """Close this process's Socket.IO connections: clients reconnect (to another worker) and catch up."""
    server = getattr(socketio, "server", None)
    if server is not None:
        log.info("closing %d live sockets for shutdown", len(server.eio.sockets))  # the worker may exit right after
        drop_sockets(server)


def begin() -> None:
    """On SIGTERM: close the live sockets from a thread (a signal handler must return quickly)."""
    threading.Thread(target=close_live_sockets, name="shutdown-sockets", daemon=True).start()


def finish(timeout: float) -> None:
    """On exit: stop the background loops (the indexer ends its batch), waiting up to timeout seconds."""
    still_running = background.stop_all(timeout)
    if still_running:
        log.warning("background loops still running at exit: %s", ", ".join(still_running))
    else:
        log.info("background loops stopped")
