"""Signed, timed links sent by email (password reset, email verification, email change): made, read and refused
the same way. A refused link is a clear 400 that changes nothing and leaves a line in the platform's audit log."""

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..errors import DomainError
from ..extensions import db
from ..signals import account_audit


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    """Signs a kind of link with the app's secret key; the purpose keeps one kind from passing for another."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def make(purpose: str, endpoint: str, payload: list) -> str:
    """The absolute link to endpoint carrying payload, signed for purpose. From SITE_URL, never from the request's
    Host header, which an attacker could set to their own site."""
    token = _serializer(purpose).dumps(payload)
    return current_app.config["SITE_URL"].rstrip("/") + url_for(endpoint, token=token)


def read(purpose: str, token: str, max_age: int) -> list | None:
    """The payload a link carries, or None when it is forged, damaged, expired or of another purpose."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    return payload if isinstance(payload, list) else None


def refuse(purpose: str, why: str, message, record: bool = True) -> DomainError:
    """The 400 to raise for a refused link; record: also a line in the audit log (what kind and why, never the
    token), left out when the link is only being looked at (a GET writes nothing)."""
    if record:
        account_audit.send(None, action="link.refused", target=purpose, details=why)
        db.session.commit()
    return DomainError(message)
