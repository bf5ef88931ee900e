"""Background loops (the search indexer, webhook deliveries): one thread per process and job, woken early on demand."""

import logging
import threading
import time

from flask import current_app

log = logging.getLogger(__name__)
#: this process's loops: key -> (thread, its stop event, its wake event)
_started: dict[str, tuple[threading.Thread, threading.Event, threading.Event]] = {}
_lock = threading.Lock()


def run_loop(app, step, wake: threading.Event, stop: threading.Event, interval: float, gather: float = 0.0) -> None:
    """Call step() (which returns True while it has more to do) until stopped; sleep between rounds, and once woken
    wait gather seconds more, so that what else comes meanwhile is done in the same round."""
    while not stop.is_set():
        if wake.wait(interval) and gather:
            stop.wait(gather)
        wake.clear()
        if stop.is_set():
            return
        with app.app_context():
            try:
                while step() and not stop.is_set():
                    pass
            except Exception:  # a bad round must not kill the loop; it is retried later
                log.exception("%s failed; retrying", getattr(step, "__name__", step))
                stop.wait(5)


def start_once(key: str, step, wake: threading.Event, interval: float, gather: float = 0.0) -> None:
    """Start this process's thread for a job once (key names the job and what it works on); see run_loop."""
    app = current_app._get_current_object()
    with _lock:
        if key in _started:
            return
        stop = threading.Event()
        thread = threading.Thread(target=run_loop, args=(app, step, wake, stop, interval, gather), name=key,
                                  daemon=True)
        _started[key] = (thread, stop, wake)
        thread.start()


def stop_all(timeout: float) -> list[str]:
    """Ask every loop of this process to stop after its current round; wait up to timeout seconds in all.

    Returns the names of the loops still running at the deadline (a server's graceful shutdown logs them).
    """
    with _lock:
        loops = list(_started.values())
        _started.clear()
    for _thread, stop, wake in loops:
        stop.set()
        wake.set()  # a loop sleeping until its next round hears the stop at once
    deadline = time.monotonic() + timeout
    for thread, _stop, _wake in loops:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [thread.name for thread, _stop, _wake in loops if thread.is_alive()]
