"""Saying that something happened, once and for all: `emit(signal, sender, **details)` inside the transaction of the
change.

Listeners connected to the blinker signal hear it right after the commit (live pushes, webhooks). Durable
subscribers (`subscribe`, e.g. karma) get it through an outbox row written in the same transaction: a rolled-back
change leaves none, and a row is deleted in the very transaction that applies it, so every event is applied exactly
once, off the request that caused it, and a crash replays what was not applied. Each domain (the package of its
subscribers) hears its events in order; consecutive events of one signal among those it hears reach it together, so
that it can apply a burst of them (a thousand votes) in a few statements, also when other domains' events come
between them (the notices of the thresholds those votes reach).

EVENTS_DELIVERY says who applies them: `thread` (a background loop per process, woken by each commit that emits),
`inline` (right after the emitting commit, in the same thread) or `off` (`flask crowdspirit deliver-events`, or tests
calling `deliver`).
"""

import logging
import threading
from datetime import datetime
from itertools import groupby

import click
from flask import current_app
from sqlalchemy import JSON, String, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .background import start_once
from .commands import crowdspirit_cli
from .database import after_commit, utcnow
from .extensions import db

log = logging.getLogger(__name__)
#: failed attempts after which an event is left for an administrator (its error is kept)
MAX_FAILURES = 5
BATCH = 200
POLL_SECONDS = 5.0
#: once woken, the loop waits this long for more events, so that a burst of votes is applied in one transaction
GATHER_SECONDS = 0.25
#: signal name -> {handler's dotted name: handler(occurrences)}, run inside the delivery's transaction
SUBSCRIBERS: dict[str, dict] = {}
_work = threading.Event()


class OutboxEvent(db.Model):
    """An event waiting for its durable subscribers: the signal's name, the sender and details by reference."""

    __tablename__ = "event_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    #: {"sender": value, "details": {name: value}}; a model instance is {"model": class name, "id": its key}
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")


#: an outbox row, written by one statement in the emitting transaction (cheaper than an object the session flushes)
_OUTBOX_INSERT = insert(OutboxEvent.__table__).values(name=bindparam("name"), payload=bindparam("payload"),
                                                      created_at=bindparam("created_at"))


def subscribe(signal, handler) -> None:
    """Have handler(occurrences) applied, exactly once, for every emit of signal (at start-up; idempotent):
    occurrences is the list of (sender, details) of consecutive emits, in order, senders deleted since as None."""
    SUBSCRIBERS.setdefault(signal.name, {})[f"{handler.__module__}.{handler.__qualname__}"] = handler


def emit(signal, sender, **details) -> None:
    """Say, inside the current transaction, that signal happened: its listeners hear it after the commit, its
    durable subscribers through the outbox."""
    if SUBSCRIBERS.get(signal.name):
        db.session.execute(_OUTBOX_INSERT, {"name": signal.name, "payload": {"sender": _dump(sender), "details": {
            name: _dump(value) for name, value in details.items()}}, "created_at": utcnow()})
        after_commit(_delivery())
    after_commit(lambda: signal.send(sender, **details))


def _delivery():
    """What to do once an emitting transaction commits, as EVENTS_DELIVERY says."""
    mode = current_app.config["EVENTS_DELIVERY"]
    if mode == "inline":
        return deliver_all
    if mode == "thread":
        return _wake
    return lambda: None


def _wake() -> None:
    start_thread()
    _work.set()


def _dump(value):
    """A JSON value naming value: model instances by class and key, lists item by item."""
    if isinstance(value, db.Model):
        return {"model": value.__class__.__name__, "id": value.id}  # __class__: current_user is a proxy
    if isinstance(value, list | tuple):
        return [_dump(item) for item in value]
    return value


def _named(value):
    """The (model class, id) pairs a dumped value names."""
    if isinstance(value, dict) and value.keys() == {"model", "id"}:
        yield db.Model.registry._class_registry[value["model"]], value["id"]
    elif isinstance(value, list):
        for item in value:
            yield from _named(item)


def _load(value, rows: dict):
    """What _dump named, from the rows _read_named read (None for a row deleted since)."""
    if isinstance(value, dict) and value.keys() == {"model", "id"}:
        return rows.get((value["model"], value["id"]))
    if isinstance(value, list):
        return [_load(item, rows) for item in value]
    return value


def _domain(handler) -> str:
    """The domain a durable subscriber belongs to: the package of its module (crowdspirit.karma)."""
    return handler.__module__.rpartition(".")[0]


def _read_named(events, known: dict | None = None) -> dict:
    """The rows the events name, {(model name, id): row}: those of known, and the others read with one query per
    model."""
    known = dict(known or {})
    wanted: dict = {}
    for event in events:
        for value in (event.payload["sender"], *event.payload["details"].values()):
            for model, key in _named(value):
                if (model.__name__, key) not in known:
                    wanted.setdefault(model, set()).add(key)
    for model, keys in wanted.items():
        known.update({(model.__name__, row.id): row for row in db.session.scalars(select(model).where(
            model.id.in_(keys)))})
    return known


def _apply_by_domain(claimed: list, rows: dict) -> None:
    """Apply claimed events (in order; anything with an outbox row's name and payload) domain by domain: each
    domain's runs of one signal among the events it hears."""
    heard: dict[str, list] = {}
    for event in claimed:
        for domain in {_domain(handler) for handler in SUBSCRIBERS.get(event.name, {}).values()}:
            heard.setdefault(domain, []).append(event)
    for domain, domain_events in heard.items():
        for _name, run in groupby(domain_events, key=lambda event: event.name):
            _apply(list(run), rows, domain)


def _apply(run: list, rows: dict, domain: str | None = None) -> None:
    """Run the durable subscribers (of one domain, or all) of consecutive events of one signal (inside the caller's
    transaction) on the rows the events name (rows: _read_named's)."""
    occurrences = [(_load(event.payload["sender"], rows),
                    {name: _load(value, rows) for name, value in event.payload["details"].items()}) for event in run]
    for handler in SUBSCRIBERS.get(run[0].name, {}).values():
        if domain in (None, _domain(handler)):
            handler(occurrences)


def deliver(limit: int = BATCH) -> int:
    """Apply the oldest waiting events, up to limit, in one transaction that also deletes them (another process
    applying the same rows waits on their deletion, then finds them gone); returns how many were applied.

    The rows the events name are read before the deletion takes the write lock (SQLite's, which every writer waits
    for), so that the lock is held for the handlers' own work only.
    """
    table = OutboxEvent.__table__
    waiting = db.session.execute(select(table.c.id, table.c.payload).where(table.c.failures < MAX_FAILURES)
                                 .order_by(table.c.id).limit(limit)).all()
    if not waiting:  # read first: an empty outbox costs no write lock
        db.session.rollback()
        return 0
    rows = _read_named(waiting)
    # what was deleted is what to apply: another process may have applied what was read meanwhile, and new events
    # may have taken their ids since (SQLite gives an emptied table's ids again)
    claimed = sorted(db.session.execute(delete(table).where(table.c.id.in_([event.id for event in waiting]))
                                        .returning(table.c.id, table.c.name, table.c.payload)),
                     key=lambda event: event.id)
    try:
        _apply_by_domain(claimed, _read_named(claimed, rows))
        db.session.commit()
    except Exception:
        db.session.rollback()
        return _deliver_one_by_one(limit)
    return len(claimed)


def _deliver_one_by_one(limit: int) -> int:
    """After a failed batch: apply events one at a time, counting the failure of the one that fails."""
    done = 0
    for event_id in db.session.scalars(select(OutboxEvent.id).where(OutboxEvent.failures < MAX_FAILURES)
                                       .order_by(OutboxEvent.id).limit(limit)).all():
        event = db.session.get(OutboxEvent, event_id)
        try:
            _apply([event], _read_named([event]))
            db.session.delete(event)
            db.session.commit()
            done += 1
        except Exception as error:
            db.session.rollback()
            log.exception("event #%s (%s) failed", event_id, event.name)
            db.session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id).values(
                failures=OutboxEvent.failures + 1, last_error=f"{type(error).__name__}: {error}"[:500]))
            db.session.commit()
            return done  # keep the order: later events wait for this one
    return done


def deliver_all() -> int:
    """Apply every waiting event (the inline mode, the command and tests)."""
    total = 0
    while done := deliver():
        total += done
    return total


def _delivery_round() -> bool:
    """One batch of the delivery loop; True when it was full, so more wait. After a partial one the loop gathers
    again rather than applying the few events each new vote brings as they come (a write lock each time)."""
    return deliver() == BATCH


def start_thread() -> None:
    """Start this process's delivery loop once (EVENTS_DELIVERY=thread)."""
    start_once(f"events:{db.engine.url}", _delivery_round, _work, POLL_SECONDS, GATHER_SECONDS)


@click.command("deliver-events")
def deliver_command():
    """Apply every domain event waiting in the outbox (with EVENTS_DELIVERY=off, from cron or after an outage)."""
    click.echo(f"Events applied: {deliver_all()}.")
    stuck = db.session.scalar(select(func.count()).select_from(OutboxEvent).where(
        OutboxEvent.failures >= MAX_FAILURES))
    if stuck:
        click.echo(f"{stuck} event(s) failed {MAX_FAILURES} times and wait for an administrator (event_outbox).")


def init_app(app) -> None:
    """Register deliver-events, and start delivering with the first request when EVENTS_DELIVERY=thread (so that
    events left by a crash are applied even before anything new is emitted)."""
    crowdspirit_cli.add_command(deliver_command)
    if app.config["EVENTS_DELIVERY"] == "thread":
        app.before_request(start_thread)
