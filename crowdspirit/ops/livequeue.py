"""The Socket.IO message queue (Redis), with a way back for live readers after the queue broke.

While Redis is unreachable, the browsers' sockets stay open, so their readers would never learn of what the
processes could not publish or could not hear. Two things bring it back:
- a process keeps what it could not publish and publishes it, in order, once Redis takes it again (a post accepted
  during the outage reaches the readers of every process, even those that already caught up);
- when a process's listener has to connect to Redis again after an error, it waits until it is subscribed again
  and then closes its live sockets: the browsers reconnect at once, naming the last post they show, and the connect
  handler (`forum/events.py`) sends them what they missed while it was not listening.
"""

import collections
import logging
import threading
import time

import socketio

log = logging.getLogger(__name__)
#: how long a resync waits for the subscription to come back before closing the sockets anyway
RESYNC_WAIT = 30.0
#: between two attempts to publish what Redis refused
REPUBLISH_SECONDS = 0.5
#: messages kept while Redis is down, beyond which the oldest go (readers then catch up at the resync)
UNSENT_LIMIT = 10_000


class ResyncingRedisManager(socketio.RedisManager):
    """python-socketio's Redis manager, closing this process's sockets once it is subscribed again after an error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.listener, self.listener_connected = None, False
        self.resync_pending = threading.Lock()
        self.unsent: collections.deque = collections.deque()
        self.unsent_lock = threading.Lock()

    def _publish(self, data):
        """Publish, or keep the message until Redis takes it again (in order: while some wait, new ones queue)."""
        with self.unsent_lock:
            self.unsent.append(data)
            if len(self.unsent) > UNSENT_LIMIT:
                self.unsent.popleft()
                log.warning("message queue down: the oldest unsent live message was dropped")
            if len(self.unsent) > 1:
                return  # a republisher is at work
        self._publish_unsent()

    def _publish_unsent(self):
        """Publish the waiting messages oldest first; when Redis refuses, try again a little later."""
        while True:
            with self.unsent_lock:
                if not self.unsent:
                    return
                data = self.unsent[0]
            if super()._publish(data) is None:  # the library gave up (it returns the receivers' count otherwise)
                retry = threading.Timer(REPUBLISH_SECONDS, self._publish_unsent)
                retry.daemon = True
                retry.start()
                return
            with self.unsent_lock:
                self.unsent.popleft()

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
