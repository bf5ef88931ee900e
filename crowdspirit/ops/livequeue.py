"""The Socket.IO message queue (Redis), with a way back for live readers after the queue broke.

While Redis is unreachable, what the processes publish (a new post, a badge count) is lost, and the
browsers' sockets stay open, so their readers would never learn of it. So when a process has to
connect to Redis again (its subscription broke, or a publish failed), it closes its live sockets:
the browsers reconnect at once, naming the last post they show, and the connect handler
(`forum/events.py`) sends them what they missed from the database.
"""

import logging
import threading

import socketio

log = logging.getLogger(__name__)


class ResyncingRedisManager(socketio.RedisManager):
    """python-socketio's Redis manager, closing this process's sockets whenever it reconnects to Redis."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections = 0

    def _redis_connect(self):
        """Connect (the library calls this at start, and again after any Redis error)."""
        super()._redis_connect()
        self.connections += 1
        if self.connections > 1 and self.server is not None:
            threading.Thread(target=self._resync, name="live-resync", daemon=True).start()

    def _resync(self):
        count = len(self.server.eio.sockets)
        self.server.eio.disconnect()
        log.warning("reconnected to the message queue: closed %d live sockets so that they catch up", count)


def manager(url: str | None) -> ResyncingRedisManager | None:
    """The client manager for SOCKETIO_MESSAGE_QUEUE (None: one process, rooms in memory)."""
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"SOCKETIO_MESSAGE_QUEUE must be a redis:// URL, not {url!r}")
    return ResyncingRedisManager(url, channel="flask-socketio")
