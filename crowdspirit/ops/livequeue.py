"""The Socket.IO message queue (Redis), with a way back for live readers after the queue broke.

While Redis is unreachable, what the processes publish (a new post, a badge count) is lost, and the
browsers' sockets stay open, so their readers would never learn of it. So when a process's listener
has to connect to Redis again after an error, it waits until it is subscribed again and then closes
its live sockets: the browsers reconnect at once, naming the
last post they show, and the connect handler (`forum/events.py`) sends them what they missed.
"""

import logging
import threading
import time

import socketio

log = logging.getLogger(__name__)
#: how long a resync waits for the subscription to come back before closing the sockets anyway
RESYNC_WAIT = 30.0


class ResyncingRedisManager(socketio.RedisManager):
    """python-socketio's Redis manager, closing this process's sockets once it is subscribed again after an error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.listener, self.listener_connected = None, False
        self.resync_pending = threading.Lock()

    def _thread(self):
        """The listener thread (started with the first socket or emit): note which thread it is."""
        self.listener = threading.current_thread()
        log.info("listening to the message queue")
        return super()._thread()

    def _redis_connect(self):
        """Connect: the library calls this when its listener starts or fails, and when a publish failed.

        Only the listener's connection may replace the subscription: the library gives a publisher's
        reconnection a new, unsubscribed pubsub too, which the listener never reads (it iterates its own),
        so a resync waiting for "subscribed" would wait in vain. A listener that connects again resyncs: a
        publish that failed meanwhile is in the database, and the readers' catch-up brings it.
        """
        listener = threading.current_thread() is self.listener
        subscription = self.pubsub
        super()._redis_connect()
        if not listener:
            if subscription is not None:
                self.pubsub = subscription
            return
        again, self.listener_connected = self.listener_connected, True
        if again and self.server is not None and self.resync_pending.acquire(blocking=False):
            threading.Thread(target=self._resync, name="live-resync", daemon=True).start()

    def _resync(self):
        """Once subscribed again, close the live sockets (one resync at a time)."""
        try:
            deadline = time.monotonic() + RESYNC_WAIT
            while not (self.pubsub is not None and self.pubsub.subscribed) and time.monotonic() < deadline:
                time.sleep(0.1)
            log.warning("reconnected to the message queue: closed %d live sockets so that they catch up",
                        drop_sockets(self.server))
        finally:
            self.resync_pending.release()


def drop_sockets(server) -> int:
    """Close every live socket of this process as a dropped connection would, and return how many there were.

    Engine.IO's close packet would tell clients that the server wants them gone (python-socketio's client
    then stays away); a connection that just ends makes every client reconnect, naming its last post.
    """
    dropped = 0
    for sid in list(server.eio.sockets):
        socket = server.eio.sockets.pop(sid, None)
        if socket is not None:
            socket.close(wait=False, abort=True)
            dropped += 1
    return dropped


def manager(url: str | None) -> ResyncingRedisManager | None:
    """The client manager for SOCKETIO_MESSAGE_QUEUE (None: one process, rooms in memory)."""
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"SOCKETIO_MESSAGE_QUEUE must be a redis:// URL, not {url!r}")
    return ResyncingRedisManager(url, channel="flask-socketio")
