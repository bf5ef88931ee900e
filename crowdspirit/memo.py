"""Values remembered across requests, per application: bounded, thread-safe, least recently used first out.

A remembered value is a pure function of its key: keys carry the versions read from the database (the access
version, a row's counters...), so a process never serves a value another process has made stale, and nothing
needs invalidating.
"""

import threading
from collections import OrderedDict

from flask import current_app


class Memo:
    """One bounded table of remembered values."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, compute):
        """The value remembered for key, or compute() remembered now."""
        with self._lock:
            try:  # a key met again is hashed twice, not three times
                self._values.move_to_end(key)
                return self._values[key]
            except KeyError:
                pass
        value = compute()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value


def memo(name: str, size: int = 4096) -> Memo:
    """The application's memo of this name (made on first use)."""
    tables = current_app.extensions.setdefault("crowdspirit.memo", {})
    return tables.get(name) or tables.setdefault(name, Memo(size))
