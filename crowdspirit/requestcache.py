"""Values computed at most once per HTTP request (access scopes, translated labels)."""

from flask import has_request_context, request


def per_request(key: str, factory):
    """factory() once per request for this key; outside a request, computed on every call."""
    if not has_request_context():
        return factory()
    cache = request.environ.setdefault("crowdspirit.cache", {})
    if key not in cache:
        cache[key] = factory()
    return cache[key]


def forget(key: str) -> None:
    """Drop a cached value, after a change that affects it in the same request."""
    if has_request_context():
        request.environ.get("crowdspirit.cache", {}).pop(key, None)


def computed(key: str):
    """The value already computed for key in this request, or None (nothing is computed)."""
    return request.environ.get("crowdspirit.cache", {}).get(key) if has_request_context() else None
