"""Creating, listing, revoking and checking personal access tokens."""

import hashlib
import logging
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from ..access import OrganisationActor, require
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from .models import ApiCall, ApiToken, Webhook, WebhookDelivery

log = logging.getLogger(__name__)
PREFIX = "cs_"
SCOPES = ("read", "write")
EXPIRY_DAYS = (30, 90, 365)


class TokenError(DomainError):
    """A missing, unknown, expired or revoked token, or one without the scope the call needs."""

    status = 401

    def __init__(self, code: str, message, status: int = 401):
        super().__init__(message)
        self.code, self.status = code, status


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user, name: str, write: bool, days: int | None, for_organisation: bool = False
                 ) -> tuple[ApiToken, str]:
    """A new token for the user (or the user's organisation, by a member who acts for it); the plain token is
    returned once and never stored."""
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, organisation_id=user.organisation_id if for_organisation else None,
                     name=name.strip()[:80], token_hash=_digest(plain), prefix=plain[:10],
                     scopes="read write" if write and not for_organisation else "read",
                     expires_at=utcnow() + timedelta(days=days) if days else None)
    require(user, "token.manage", token)
    db.session.add(token)
    db.session.commit()
    return token, plain


def user_tokens(user) -> list[ApiToken]:
    """The user's personal tokens and their organisation's, newest first (revoked ones included)."""
    mine = (ApiToken.user_id == user.id) & ApiToken.organisation_id.is_(None)
    if user.organisation_id:
        mine |= ApiToken.organisation_id == user.organisation_id
    return db.session.scalars(select(ApiToken).where(mine).order_by(ApiToken.id.desc())).all()


def revoke(user, token_id: int) -> ApiToken:
    """Revoke a token the user manages (404 for anyone else's)."""
    token = require(user, "token.manage", db.session.get(ApiToken, token_id))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def authenticate(header: str) -> ApiToken:
    """The active token an `Authorization: Bearer ...` header carries, or TokenError."""
    scheme, _, plain = header.partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        raise TokenError("invalid_token", _l("Send the token as: Authorization: Bearer <token>."))
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plain.strip())))
    if token is None:
        raise TokenError("invalid_token", _l("This token is not valid."))
    if token.revoked_at is not None:
        raise TokenError("revoked_token", _l("This token was revoked."))
    if not token.active:
        raise TokenError("expired_token", _l("This token has expired."))
    if token.user.banned:
        raise TokenError("invalid_token", _l("This account is closed."))
    if token.organisation_id is not None and token.user.organisation_id != token.organisation_id:
        raise TokenError("invalid_token", _l("This organisation token's creator no longer acts for it."))
    return token


def actor(token: ApiToken):
    """Whom a token acts as: its creator, or for an organisation's token the organisation's team only."""
    return OrganisationActor(token.user) if token.organisation_id is not None else token.user


def require_scope(token: ApiToken | None, scope: str) -> None:
    """Writes need a token with the write scope (a browser session never writes through the API)."""
    if token is None:
        raise TokenError("token_required", _l("This call needs a personal access token."))
    if scope not in token.scope_list:
        raise TokenError("insufficient_scope", _l("This token lacks the %(scope)s scope.", scope=scope), 403)


def record_call(token: ApiToken, method: str, path: str, status: int) -> None:
    """Log a call made with a token, and when the token was last used (best effort: the answer is already decided,
    so a failed log write is reported, never turned into an error for the caller)."""
    now = utcnow()
    try:
        db.session.add(ApiCall(token_id=token.id, method=method, path=path[:300], status=status, created_at=now))
        token.last_used_at = now
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not log API call %s %s with token %s", method, path, token.id)


def erase_member(user, **_extra) -> None:
    """The `account_erasing` listener: the member's tokens (with the log of their calls) and the webhooks they made
    (with their deliveries) go."""
    tokens = select(ApiToken.id).where(ApiToken.user_id == user.id)
    db.session.execute(delete(ApiCall).where(ApiCall.token_id.in_(tokens)))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    hooks = select(Webhook.id).where(Webhook.created_by_id == user.id)
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id.in_(hooks)))
    db.session.execute(delete(Webhook).where(Webhook.created_by_id == user.id))
