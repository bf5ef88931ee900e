"""Stamps: small numbers that many requests need (the access version, the newest idea, a member's unread count),
read together in one statement the first time a request needs one of them.

A domain registers the scalar subquery of its stamp; a stamp about a member takes their id. The sign-in loader
reads the stamps of the member it loads in its own statement (`with_stamps`), so that a signed-in page pays no
statement for them; any other request reads them all at its first `value()`. A request that changes what a stamp
counts forgets it (`forget`), and its next `value()` reads it again.
"""

from collections.abc import Callable
from functools import lru_cache

from flask import has_request_context
from sqlalchemy import bindparam, select

from .extensions import db
from .requestcache import per_request

#: name -> (the stamp's scalar subquery, given a member's id for a member's stamp, or nothing), and whose it is
_STAMPS: dict[str, tuple[Callable, bool]] = {}


def register(name: str, subquery: Callable, per_member: bool = False) -> None:
    """Declare a stamp: subquery() (or subquery(member_id) for a member's stamp) is a scalar select()."""
    _STAMPS[name] = (subquery, per_member)


def _read() -> dict:
    """The stamps read in this request, by (name, member id or None)."""
    return per_request("stamps", dict)


def _wanted(member_id: int | None, only: str | None = None) -> list[tuple]:
    """The stamps not yet read in this request: every one for everybody, and the member's when a member is named
    (only the stamp `only` of theirs when it is given)."""
    read = _read()
    return [(name, member_id if per_member else None) for name, (_subquery, per_member) in _STAMPS.items()
            if (not per_member or (member_id is not None and only in (None, name)))
            and (name, member_id if per_member else None) not in read]


#: the bind parameter a statement reading members' stamps takes the member's id from
MEMBER = "stamp_member"


@lru_cache(maxsize=64)
def _columns(names: tuple[str, ...]) -> tuple:
    """The scalar subqueries of these stamps, labelled, a member's taking their id from the MEMBER parameter (built
    once per process: a statement built again costs more than reading it)."""
    return tuple((_STAMPS[name][0](bindparam(MEMBER)) if _STAMPS[name][1] else _STAMPS[name][0]()).label(
        f"stamp_{i}") for i, name in enumerate(names))


@lru_cache(maxsize=64)
def _added(query, names: tuple[str, ...]):
    """query with these stamps as extra columns (built once per process and query)."""
    return query.add_columns(*_columns(names))


def with_stamps(query, member_id: int):
    """query with the stamps of this member (and everyone's) not yet read as extra columns, to be run with
    `{MEMBER: member_id}` among its parameters, and a function to call with a result row: it keeps the stamps and
    returns the row's own part."""
    wanted = _wanted(member_id)
    if not wanted:
        return query, lambda row: row
    width = len(wanted)

    def keep(row):
        _read().update(zip(wanted, row[-width:], strict=True))
        return row[:-width]

    return _added(query, tuple(name for name, _member in wanted)), keep


@lru_cache(maxsize=64)
def _alone(names: tuple[str, ...]):
    """The select() of these stamps alone (built once per process)."""
    return select(*_columns(names))


def value(name: str, member_id: int | None = None):
    """A stamp's value in this request (read with everybody's stamps not yet read, in one statement). A member's
    stamp read here comes alone: the sign-in loader reads all of the signed-in member's, and the members a request
    looks at besides (a live post's readers) would otherwise pay for every stamp of theirs, the unread count's
    among them."""
    key = (name, member_id if _STAMPS[name][1] else None)
    read = _read()
    if key not in read:
        wanted = _wanted(member_id, only=name)
        names = tuple(name for name, _member in wanted)
        read.update(zip(wanted, db.session.execute(_alone(names), {MEMBER: member_id}).one(), strict=True))
    return read[key]


def known(name: str, member_id: int | None = None) -> tuple[bool, object]:
    """(True, the stamp's value) if this request has read it already, else (False, None): for who follows a stamp
    only when it costs nothing."""
    key = (name, member_id if _STAMPS[name][1] else None)
    read = _read() if has_request_context() else {}
    return (True, read[key]) if key in read else (False, None)


def forget(name: str, member_id: int | None = None) -> None:
    """This request changed what the stamp counts: read it again when it is next asked for."""
    _read().pop((name, member_id if _STAMPS[name][1] else None), None)
