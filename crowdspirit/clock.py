"""The time contests and other dated rules read: the wall clock, unless a test (or the demo seed) moves it."""

from datetime import datetime, timedelta

from .database import utcnow

_frozen: datetime | None = None


def now() -> datetime:
    """The current naive UTC time, or the moment the clock was set to."""
    return _frozen if _frozen is not None else utcnow()


def set_to(moment: datetime | None) -> None:
    """Stop the clock at moment (None: back to the wall clock)."""
    global _frozen
    _frozen = moment


def advance(**delta) -> datetime:
    """Move a stopped clock forward (hours=..., days=...); stops it at the current time first."""
    set_to(now() + timedelta(**delta))
    return now()
