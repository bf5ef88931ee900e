"""Rate limits whose rates come from the configuration (RATELIMIT_STORAGE_URI shares the counts between
processes): per member when signed in, per client address otherwise."""

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..extensions import limiter


def _rate(config_name: str):
    """The rate named by a configuration key, read when the request comes (tests and deployments change it)."""
    return lambda: current_app.config[config_name]


def member_or_address() -> str:
    """Who a limit counts: the signed-in member wherever they connect from, else the client address."""
    return f"user:{current_user.id}" if current_user.is_authenticated else f"address:{get_remote_address()}"


def per_member(config_name: str, methods: list[str] | None = ("POST",)):
    """Limit a view's requests (POSTs only by default) per member, at the configured rate."""
    return limiter.limit(_rate(config_name), key_func=member_or_address,
                         methods=list(methods) if methods else None)


def per_address(config_name: str):
    """Limit a view's POSTs per client address (sign-up, sign-in, reset links: nobody is signed in yet)."""
    return limiter.limit(_rate(config_name), methods=["POST"])
