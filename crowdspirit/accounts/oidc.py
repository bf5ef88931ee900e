"""Signing in through an organisation's OpenID provider (OIDC authorization code flow with state, nonce and PKCE).

Authlib's OAuth2 client builds the authorization URL and redeems the code; the ID token is checked here with
joserfc (Authlib's JOSE library): its signature against the provider's published keys, then its issuer, audience,
nonce and expiry. A person is admitted only with an address the provider marks verified, in a domain the
organisation allows; they join the organisation's team (a new account, or the existing one with that address).
A token that proves who someone is but whose domain is no longer allowed takes them off the team. Every refusal is
a 4xx page that changes nothing else and leaves a line in the platform's audit log.
"""

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, session, url_for
from flask_babel import lazy_gettext as _l
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select

from .. import access
from ..database import utcnow
from ..errors import DomainError, Forbidden
from ..extensions import db
from ..signals import account_audit
from . import organisations, services
from .models import IdentityProvider, Organisation, ProfileKind, User

#: seconds a provider has to answer a discovery, keys or token request
TIMEOUT = 10
#: seconds of clock difference tolerated on a token's expiry
LEEWAY = 60
#: where a pending sign-in (state, nonce, PKCE verifier) waits in the browser's signed session
PENDING = "oidc_pending"
SCOPE = "openid email profile"
PROVIDER_FAILED = _l("Your organisation's identity provider did not complete the sign-in. Try again.")
TOKEN_INVALID = _l("The identity token is not valid for this sign-in.")
NOT_STARTED = _l("This sign-in was not started here, or was already used. Start again.")


class SignInRefused(Forbidden):
    """The organisation's provider did not vouch for this person, or its answer did not hold (403)."""


class SignInExpired(DomainError):
    """The callback names no sign-in this browser started: replayed, forged or too old (400)."""


class ProviderUnreachable(DomainError):
    """The provider did not answer, or its discovery document does not hold (400: nothing was changed)."""


def _fernet() -> Fernet:
    """The cipher of client secrets, keyed from SECRET_KEY (a copy of the database alone reveals none)."""
    digest = hashlib.sha256(b"crowdspirit-oidc-client-secret:" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret: str) -> str:
    """The client secret encrypted for storage."""
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    """The client secret in clear, to send to the provider; a provider saved under another SECRET_KEY is refused."""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise DomainError(_l("Your organisation's sign-in must be set up again: its client secret cannot be read "
                             "any more.")) from None


def parse_domains(text: str) -> list[str]:
    """Email domains typed by an administrator (separated by spaces, commas or lines), lowercased, without '@'."""
    return sorted({part.strip().lstrip("@").lower() for part in text.replace(",", " ").split() if part.strip("@")})


def domain_of(email: str) -> str:
    """The lowercased domain of an email address ("" for none)."""
    return email.rpartition("@")[2].strip().lower()


def provider_of(organisation: Organisation) -> IdentityProvider | None:
    """The organisation's identity provider, if one is set up."""
    return db.session.scalar(select(IdentityProvider).where(IdentityProvider.organisation_id == organisation.id))


def sign_in_organisations() -> list[Organisation]:
    """The organisations whose people may sign in through their provider, by name."""
    return list(db.session.scalars(select(Organisation).join(IdentityProvider).order_by(Organisation.name)))


def organisation_for(email: str = "", slug: str = "") -> Organisation | None:
    """The organisation chosen by slug, else the one whose provider allows the email's domain."""
    if slug:
        return db.session.scalar(select(Organisation).join(IdentityProvider).where(Organisation.slug == slug))
    domain = domain_of(email)
    return next((p.organisation for p in db.session.scalars(select(IdentityProvider)) if domain in p.domains), None)


def discover(issuer: str) -> dict:
    """The provider's discovery document; it must name the same issuer (else an impostor could answer)."""
    try:
        response = requests.get(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=TIMEOUT)
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError):
        raise ProviderUnreachable(_l("The identity provider did not answer. Try again later.")) from None
    if not isinstance(metadata, dict) or metadata.get("issuer") != issuer:
        raise ProviderUnreachable(_l("The identity provider at this address names another issuer."))
    return metadata


def save_provider(organisation: Organisation, issuer: str, client_id: str, secret: str, domains: str,
                  actor: User) -> IdentityProvider:
    """Register or change the organisation's provider after checking that it answers as that issuer; an empty
    secret keeps the one saved."""
    discover(issuer)
    provider = provider_of(organisation) or IdentityProvider(organisation=organisation)
    if not secret and provider.client_secret is None:
        raise DomainError(_l("Give the client secret the provider issued."))
    provider.issuer, provider.client_id = issuer, client_id.strip()
    provider.allowed_domains = " ".join(parse_domains(domains))
    if secret:
        provider.client_secret = seal(secret)
    db.session.add(provider)
    account_audit.send(actor, action="oidc.provider_saved", target=f"organisation #{organisation.id}",
                       details=f"issuer {issuer}; domains {provider.allowed_domains}")
    db.session.commit()
    return provider


def callback_url() -> str:
    """Where providers send people back: from SITE_URL (as registered with the provider), never the Host header."""
    return current_app.config["SITE_URL"].rstrip("/") + url_for("accounts.oidc_callback")


def _client(provider: IdentityProvider) -> OAuth2Session:
    """Authlib's OAuth2 client for this provider, with PKCE (S256)."""
    return OAuth2Session(provider.client_id, unseal(provider.client_secret), scope=SCOPE,
                         redirect_uri=callback_url(), code_challenge_method="S256")


def begin(organisation: Organisation, login_hint: str, next_url: str) -> str:
    """Start a sign-in through the organisation's provider: the URL to send the browser to. State, nonce and PKCE
    verifier wait in this browser's session for the answer."""
    provider = provider_of(organisation)
    metadata = discover(provider.issuer)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    extra = {"login_hint": login_hint} if login_hint else {}
    url, _state = _client(provider).create_authorization_url(
        metadata["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier, **extra)
    session[PENDING] = {"state": state, "nonce": nonce, "verifier": verifier, "organisation": organisation.id,
                        "next": next_url}
    return url


def refuse(organisation_id, why: str, message, demote: User | None = None, status=SignInRefused) -> DomainError:
    """The error to raise for a refused sign-in: an audit line (what and why, never a token) and, when the refusal
    proves that the provider stopped vouching for a team member, their leaving the team, in one commit."""
    if demote is not None and demote.organisation_id == organisation_id:
        organisations.leave_team(demote)
        why += f"; user #{demote.id} left the team"
    account_audit.send(None, action="oidc.refused", target=f"organisation #{organisation_id}", details=why)
    db.session.commit()
    return status(message, _back_to_sign_in())


def _back_to_sign_in() -> tuple:
    """The remedy shown with a refusal: the way back to the sign-in page."""
    return url_for("accounts.login"), _l("Back to sign in")


def finish(arguments: dict, signed_in: User | None) -> tuple[User, str]:
    """Complete the sign-in the provider sent back (its query arguments): the member admitted and where they were
    going. signed_in: the member already signed in here, if any (a refusal from their provider costs them the
    team)."""
    pending = session.pop(PENDING, None)
    if not pending:  # nothing this browser started (a stray or replayed answer): refused, and like any GET not
        raise SignInExpired(NOT_STARTED, _back_to_sign_in())  # merely looked at, it writes nothing
    organisation_id = pending["organisation"]
    if not hmac.compare_digest(str(arguments.get("state", "")), pending["state"]):
        raise refuse(organisation_id, "state does not match", NOT_STARTED, status=SignInExpired)
    provider = db.session.scalar(select(IdentityProvider).where(IdentityProvider.organisation_id == organisation_id))
    if provider is None:
        raise refuse(organisation_id, "provider removed", _l("Your organisation no longer signs in here."))
    if "error" in arguments:
        raise refuse(organisation_id, f"provider error: {str(arguments['error'])[:80]}", _l(
            "Your organisation's identity provider refused the sign-in."), demote=signed_in)
    claims = _verified_claims(provider, pending, arguments)
    return _admit(provider, claims), pending["next"]


def _verified_claims(provider: IdentityProvider, pending: dict, arguments: dict) -> dict:
    """Redeem the code (with the PKCE verifier) and return the ID token's claims once its signature, issuer,
    audience, nonce and expiry hold."""
    organisation_id = provider.organisation_id
    try:
        metadata = discover(provider.issuer)
        token = _client(provider).fetch_token(metadata["token_endpoint"], grant_type="authorization_code",
                                              code=str(arguments.get("code", "")),
                                              code_verifier=pending["verifier"], timeout=TIMEOUT)
        keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=TIMEOUT).json())
    except (ProviderUnreachable, OAuthError, requests.RequestException, ValueError, KeyError, TypeError) as error:
        raise refuse(organisation_id, f"provider error: {type(error).__name__}", PROVIDER_FAILED) from None
    try:
        claims = jwt.decode(str(token.get("id_token", "")), keys, algorithms=["RS256", "PS256", "ES256"]).claims
    except (JoseError, ValueError) as error:
        raise refuse(organisation_id, f"bad signature or token: {type(error).__name__}", _l(
            "The identity token could not be verified.")) from None
    why = _claims_problem(claims, provider, pending["nonce"])
    if why:
        raise refuse(organisation_id, why, TOKEN_INVALID)
    return claims if "email" in claims else _with_userinfo(claims, metadata, token, organisation_id)


def _with_userinfo(claims: dict, metadata: dict, token: dict, organisation_id: int) -> dict:
    """The token's claims completed by the UserInfo endpoint (where a provider that issues an access token puts the
    claims asked for by scope), which must speak of the same subject."""
    try:
        response = requests.get(metadata["userinfo_endpoint"], timeout=TIMEOUT,
                                headers={"Authorization": f"Bearer {token['access_token']}"})
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError, KeyError) as error:
        raise refuse(organisation_id, f"provider error: userinfo {type(error).__name__}", PROVIDER_FAILED) from None
    if not isinstance(info, dict) or info.get("sub") != claims["sub"] or not isinstance(info.get("email"), str):
        raise refuse(organisation_id, "userinfo of another subject or without email", TOKEN_INVALID)
    return {**info, **claims}


def _claims_problem(claims: dict, provider: IdentityProvider, nonce: str) -> str:
    """Why the ID token's claims do not hold for this sign-in ("" when they do)."""
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    expiry = claims.get("exp")
    if claims.get("iss") != provider.issuer:
        return "wrong issuer"
    if provider.client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != provider.client_id):
        return "wrong audience"
    if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        return "wrong or replayed nonce"
    if not isinstance(expiry, int | float) or expiry + LEEWAY < time.time():
        return "expired token"
    if not isinstance(claims.get("sub"), str):
        return "no subject"
    return ""


def _admit(provider: IdentityProvider, claims: dict) -> User:
    """The account of the person the token vouches for, on the organisation's team: the existing one with that
    verified address, or a new one. A domain the organisation no longer allows takes them off the team instead."""
    organisation_id, email = provider.organisation_id, services.normalise_email(claims["email"])
    existing = services.find_by_email(email)
    if claims.get("email_verified") is not True:
        raise refuse(organisation_id, "email not verified by the provider", _l(
            "Your organisation's identity provider has not verified your email address."))
    if domain_of(email) not in provider.domains:
        raise refuse(organisation_id, f"domain not allowed: {domain_of(email)}", _l(
            "People of this email domain may not sign in through this organisation."), demote=existing)
    if existing is not None and (existing.banned or existing.deleted_at is not None):
        raise refuse(organisation_id, f"account closed: user #{existing.id}", _l(
            "This account may not sign in."))
    if existing is not None and existing.organisation_id not in (None, organisation_id):
        raise refuse(organisation_id, f"user #{existing.id} acts for another organisation", _l(
            "This account already acts for another organisation."))
    if existing is None:
        return services.register(email, _display_name(claims, email), secrets.token_urlsafe(32),
                                 ProfileKind.PROFESSIONAL, organisation=provider.organisation, confirmed=True)
    if existing.email_verified_at is None:  # someone may have taken the address before its owner came: their
        services.set_password(existing, secrets.token_urlsafe(32))  # password (and sign-ins) must not open it now
        existing.email_verified_at = utcnow()
    if existing.organisation_id is None:
        existing.organisation_id = organisation_id
        access.changed(None, "team.joined")
    db.session.commit()
    return existing


def _display_name(claims: dict, email: str) -> str:
    """A new member's display name: the token's name, else given and family names, else the address's local part."""
    full = " ".join(str(claims.get(key) or "") for key in ("given_name", "family_name")).strip()
    return (str(claims.get("name") or "").strip() or full or email.partition("@")[0])[:80]


def valid_issuer(url: str) -> bool:
    """An issuer is an https URL (plain http only on this machine's loopback, for development and tests), without
    query or fragment."""
    parts = urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1")
    return (parts.scheme == "https" or loopback) and bool(parts.hostname) and not parts.query and not parts.fragment
