"""Rate limits whose rates come from the configuration (RATELIMIT_STORAGE_URI shares the counts between
processes): per member when signed in, per client address otherwise."""

import time

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits.storage import MemoryStorage

from ..extensions import limiter


def _rate(config_name: str):
    """The rate named by a configuration key, read when the request comes (tests and deployments change it)."""
    return lambda: current_app.config[config_name]


def member_or_address() -> str:
    """Who a limit counts: the signed-in member wherever they connect from, else the client address."""
    return f"user:{current_user.id}" if current_user.is_authenticated else f"address:{get_remote_address()}"


def check_where_declared(app) -> None:
    """Flask-Limiter checks app-wide, default and blueprint limits in a before_request of every request, about 0.1 ms
    of every page (views check their decorators' limits themselves as they run). With no app-wide or default limit,
    that check runs before the requests of the blueprints that declare limits (the API's) only, first among their
    before_request functions as it ran before them."""
    manager = limiter.limit_manager
    if manager._application_limits or manager._default_limits:
        return
    check = limiter._check_request_limit  # Flask-Limiter's own hook: tests/test_api.py fails if it stops counting
    app.before_request_funcs[None].remove(check)
    for blueprint in manager._blueprint_limits:
        app.before_request_funcs.setdefault(blueprint, []).insert(0, check)


def per_member(config_name: str, methods: list[str] | None = ("POST",)):
    """Limit a view's requests (POSTs only by default) per member, at the configured rate."""
    return limiter.limit(_rate(config_name), key_func=member_or_address,
                         methods=list(methods) if methods else None)


def per_address(config_name: str):
    """Limit a view's POSTs per client address (sign-up, sign-in, reset links: nobody is signed in yet)."""
    return limiter.limit(_rate(config_name), methods=["POST"])


class SweptMemoryStorage(MemoryStorage):
    """limits' memory storage (the one memory:// names once this module is imported), without its timer thread: the
    stock storage starts a thread after each 10 ms of quiet to drop expired counts, which cost a vote 2 to 5 ms. A
    count's expiry never depended on that sweep (each check compares timestamps); here the sweep runs in the request
    that comes SWEEP_SECONDS after the last one."""

    STORAGE_SCHEME = ["memory"]
    SWEEP_SECONDS = 10.0
    _swept = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the base class's private __schedule_expiry
        now = time.monotonic()
        if now - self._swept >= self.SWEEP_SECONDS:
            self._swept = now
            self._MemoryStorage__expire_events()
