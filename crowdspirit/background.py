"""Background loops (the search indexer, webhook deliveries): one thread per process and job, woken early on demand."""

import logging
import threading

from flask import current_app

log = logging.getLogger(__name__)
_started: set[str] = set()
_lock = threading.Lock()


def run_loop(app, step, wake: threading.Event, stop: threading.Event, interval: float) -> None:
    """Call step() (which returns True while it has more to do) until stopped; sleep between rounds."""
    while not stop.is_set():
        wake.wait(interval)
        wake.clear()
        with app.app_context():
            try:
                while step() and not stop.is_set():
                    pass
            except Exception:  # a bad round must not kill the loop; it is retried later
                log.exception("%s failed; retrying", getattr(step, "__name__", step))
                stop.wait(5)


def start_once(key: str, step, wake: threading.Event, interval: float) -> None:
    """Start this process's thread for a job once (key names the job and what it works on)."""
    with _lock:
        if key in _started:
            return
        _started.add(key)
    app = current_app._get_current_object()
    threading.Thread(target=run_loop, args=(app, step, wake, threading.Event(), interval), name=key,
                     daemon=True).start()
