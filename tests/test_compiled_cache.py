"""The engine's cache of compiled statements: a statement built once is found by the identity of its cache key, any
other by value, as SQLAlchemy's own cache finds it."""

import sys
import weakref

from sqlalchemy import bindparam, select

from crowdspirit.accounts.models import User
from crowdspirit.database import CompiledCache
from crowdspirit.extensions import db


class Part:
    """A part of a cache key that counts how often it is hashed."""

    hashed = 0

    def __init__(self, name: str):
        self.name = name

    def __hash__(self) -> int:
        Part.hashed += 1
        return hash(self.name)

    def __eq__(self, other) -> bool:
        return isinstance(other, Part) and other.name == self.name


def test_a_key_met_again_is_found_without_hashing_and_an_equal_one_by_value():
    cache, dialect = CompiledCache(size=10), object()
    statement_key = (Part("select ideas"), (Part("where"), Part("order")))
    cache[(dialect, statement_key, (), False, False)] = "compiled"
    assert cache.get((dialect, statement_key, (), False, False)) == "compiled"  # by value, remembered by identity
    Part.hashed = 0
    for _ in range(3):
        assert cache.get((dialect, statement_key, (), False, False)) == "compiled"
    assert Part.hashed == 0
    rebuilt = (Part("select ideas"), (Part("where"), Part("order")))  # the same statement built again
    assert cache.get((dialect, rebuilt, (), False, False)) == "compiled" and Part.hashed > 0
    assert cache.get((dialect, statement_key, ("title",), False, False)) is None  # other column keys: not the same
    assert cache.get((dialect, (Part("select users"),), (), False, False), "absent") == "absent"


def test_the_application_runs_its_statements_through_it(app, make_user):
    user = make_user(name="Cached Carla")
    statement = select(User.display_name).where(User.id == bindparam("user"))
    for _ in range(2):
        assert db.session.scalar(statement, {"user": user.id}) == "Cached Carla"
    cache = db.engine.get_execution_options()["compiled_cache"]
    assert isinstance(cache, CompiledCache)
    assert any(key[1] is statement._generate_cache_key()[0] for key, _compiled in cache._known.values())


def test_a_statement_built_for_one_execution_is_not_kept_alive_after_its_request():
    cache, dialect = CompiledCache(size=10), object()
    kept = (Part("select threads"),)  # a statement built once (held here, as a module holds its statements)
    cache[(dialect, kept, (), False, False)] = "compiled threads"
    once = Part("select threads")  # the same statement built again for one execution, as the ORM's lazy loads are
    watch = weakref.ref(once)
    assert cache.get((dialect, (once,), (), False, False)) == "compiled threads"
    assert cache.get((dialect, kept, (), False, False)) == "compiled threads"
    del once  # its execution is over
    assert watch() is not None  # remembered meanwhile
    cache.forget_gone()  # the request's end
    assert watch() is None
    Part.hashed = 0
    assert cache.get((dialect, kept, (), False, False)) == "compiled threads" and Part.hashed == 0  # still known


def test_the_lazy_loads_of_a_request_leave_nothing_behind(app, make_user):
    user = make_user(name="Lazy Lou")
    cache = db.engine.get_execution_options()["compiled_cache"]
    with app.app_context():
        for _ in range(3):  # session.get() builds its statement at each call
            assert db.session.get(User, user.id).display_name == "Lazy Lou"
            db.session.expunge_all()
        built_per_call = [key for key, _compiled in cache._known.values() if "users" in str(key[1])]
        assert built_per_call  # met again by value: remembered, as any statement
    assert not [key for key, _compiled in cache._known.values() if "users" in str(key[1])
                and sys.getrefcount(key[1]) <= 2]  # the context's end forgot those that are gone
