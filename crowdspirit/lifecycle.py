"""One engine for everything that moves through stages or phases (ideas through the pipeline, contests through
their phases).

A move checks the gates that the domains registered for the target, then writes the new state with a
compare-and-set UPDATE (two requests never move the same object twice), adds a history row, runs the domains'
on-enter hooks in the same transaction, and says so (`events.emit`: the durable subscribers, such as the
notifications, get it from the outbox written in the move's transaction; the listeners hear it after the commit).
The domain that owns a later stage registers its own gate and hook (the specification registers readiness and the
spec's first revision), so the earlier domain never imports it.
"""

from collections.abc import Callable

from sqlalchemy import update

from . import events
from .errors import Conflict
from .extensions import db


class Lifecycle:
    """The states of one model's column and how an object moves between them."""

    def __init__(self, model, column: str, history: Callable, signal, moved_meanwhile):
        self.model, self.column = model, column
        #: history(obj, source, target, **context) -> the row recording the move
        self.history = history
        #: emitted with the move: (obj, source=the state it left, target, actor=who moved it or None, reason)
        self.signal = signal
        #: what the loser of two simultaneous moves is told (409)
        self.moved_meanwhile = moved_meanwhile
        self._gates: dict[str, dict[str, Callable]] = {}
        self._hooks: dict[str, dict[str, Callable]] = {}

    def gate(self, target: str, check: Callable) -> None:
        """Register check(obj, **context), which raises a DomainError saying why obj may not enter target yet
        (registering the same function again replaces it: create_app runs more than once in a process)."""
        self._gates.setdefault(target, {})[f"{check.__module__}.{check.__qualname__}"] = check

    def on_enter(self, target: str, hook: Callable) -> None:
        """Register hook(obj, **context), run in the move's transaction when obj enters target."""
        self._hooks.setdefault(target, {})[f"{hook.__module__}.{hook.__qualname__}"] = hook

    def check(self, obj, target: str, **context) -> None:
        """Raise the first gate's refusal when obj may not enter target now."""
        for check in self._gates.get(target, {}).values():
            check(obj, **context)

    def move(self, obj, target: str, values: dict | None = None, **context):
        """Move obj to target (the gates already checked): compare-and-set, history row, on-enter hooks and the
        event, commit. Objects the caller added to the session are committed with the move, or rolled back."""
        source = getattr(obj, self.column)
        state = getattr(self.model, self.column)
        changed = db.session.execute(update(self.model).where(self.model.id == obj.id, state == source)
                                     .values({self.column: target, **(values or {})})).rowcount
        if not changed:
            db.session.rollback()
            raise Conflict(self.moved_meanwhile)
        db.session.add(self.history(obj, source, target, **context))
        for hook in self._hooks.get(target, {}).values():
            hook(obj, **context)
        events.emit(self.signal, obj, source=source, target=target, actor=context.get("actor"),
                    reason=str(context.get("reason") or ""))
        db.session.commit()
        db.session.refresh(obj)
        return obj
