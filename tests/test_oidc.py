"""Signing in through an organisation's OpenID provider, end to end against a real one: the certified `oidc-provider`
(Node) that this session starts itself, driven through its login and consent pages with `requests`. The refusals
that need a token no real provider would issue (a forged signature, another audience or issuer, a replayed nonce,
an expired token) come from a small provider of our own whose signing key the test holds."""

import fcntl
import html
import json
import re
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from conftest import PASSWORD
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from servers import free_port, wait_until
from sqlalchemy import func, select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from crowdspirit.accounts import oidc
from crowdspirit.accounts import services as accounts
from crowdspirit.accounts.models import IdentityProvider, User, UserSession
from crowdspirit.audit.models import AuditEvent
from crowdspirit.extensions import db

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
#: the app's SITE_URL in these tests: the redirect address registered with the providers
SITE = "http://127.0.0.1:5000"
CALLBACK = "/login/organisation/callback"
CLIENT_ID, CLIENT_SECRET = "crowdspirit-test", "a-provider-issued-secret"
#: the provider's accounts: the login typed in its form -> the claims it vouches for
ACCOUNTS = {
    "ada": {"email": "ada@helios.example", "email_verified": True, "name": "Ada Lovelace"},
    "grace": {"email": "grace@helios.example", "email_verified": True, "name": "Grace Hopper"},
    "eve": {"email": "eve@elsewhere.example", "email_verified": True, "name": "Eve Outsider"},
    "mallory": {"email": "mallory@helios.example", "email_verified": False, "name": "Mallory"},
}


@pytest.fixture(scope="session")
def real_provider():
    """The certified oidc-provider on a free port (its packages installed by `npm ci` once), with our client."""
    with open(PROVIDER_DIR / "package.json") as lock:  # xdist workers install one at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR, check=True)
    port = free_port()
    settings = {"clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                             "redirect_uris": [SITE + CALLBACK]}], "accounts": ACCOUNTS}
    process = subprocess.Popen(["node", "provider.js", str(port), json.dumps(settings)], cwd=PROVIDER_DIR,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: requests.get(issuer + "/.well-known/openid-configuration", timeout=2).ok,
                   what="oidc-provider")
        yield issuer
    finally:
        process.terminate()
        process.wait(10)


class OwnProvider:
    """A minimal provider whose ID tokens the test writes and signs (discovery, keys, and a token endpoint that
    checks the PKCE verifier and answers with the token set)."""

    def __init__(self):
        """Start serving on a free port with a fresh signing key."""
        self.key = RSAKey.generate_key(2048, parameters={"kid": "own"})
        self.id_token, self.verifiers = "", []
        self.server = make_server("127.0.0.1", 0, self.answer)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @Request.application
    def answer(self, request: Request) -> Response:
        """The provider's three endpoints."""
        documents = {
            "/.well-known/openid-configuration": lambda: {
                "issuer": self.issuer, "authorization_endpoint": self.issuer + "/auth",
                "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks"},
            "/jwks": lambda: KeySet([self.key]).as_dict(private=False),
            "/token": lambda: self.verifiers.append(request.form.get("code_verifier")) or {
                "access_token": "opaque", "token_type": "Bearer", "expires_in": 60, "id_token": self.id_token},
        }
        return Response(json.dumps(documents[request.path]()), mimetype="application/json")

    def sign(self, claims: dict, key=None) -> str:
        """An ID token of these claims, signed by this provider's key (or another one passing for it)."""
        return jwt.encode({"alg": "RS256", "kid": "own"}, claims, key or self.key)


@pytest.fixture(scope="session")
def own_provider():
    """Our own provider, for tokens no real provider would issue."""
    provider = OwnProvider()
    yield provider
    provider.server.shutdown()


@pytest.fixture
def helios(app, make_org):
    """An organisation, with SITE_URL as registered with the providers."""
    app.config["SITE_URL"] = SITE
    return make_org("Helios Audio")


def register_provider(organisation, issuer, admin, domains="helios.example") -> IdentityProvider:
    """Register an organisation's provider through the service (the settings page has its own test)."""
    return oidc.save_provider(organisation, issuer, CLIENT_ID, CLIENT_SECRET, domains, admin)


def parse_form(page: str) -> tuple[str, dict]:
    """The action and hidden fields of the first form of an HTML page."""
    action = html.unescape(re.search(r'<form[^>]*action="([^"]+)"', page)[1])
    hidden = dict(re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    return action, hidden


def start(client, email="", organisation="") -> dict:
    """Post the login page's organisation form; return the query the app sends the browser to the provider with."""
    response = client.post("/login/organisation", data={"org-email": email, "org-organisation": organisation})
    assert response.status_code == 303, response.get_data(as_text=True)[-600:]
    location = response.headers["Location"]
    return {"url": location, **{key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}}


def through_provider(client, login: str, organisation: str = "", abort: bool = False):
    """Sign in through the real provider (the organisation found from the account's email, or chosen): the app sends
    the browser there, `requests` fills its login and consent forms (or aborts), and the provider's redirect back is
    handed to the app. Returns the app's answer."""
    browser = requests.Session()
    query = start(client, "" if organisation else ACCOUNTS[login]["email"], organisation)
    response = browser.get(query["url"], allow_redirects=False)
    for _step in range(12):
        if response.is_redirect:
            url = urljoin(response.url, response.headers["Location"])
            if url.startswith(SITE + CALLBACK):
                split = urlsplit(url)
                return client.get(f"{split.path}?{split.query}")
            response = browser.get(url, allow_redirects=False)
        elif abort:
            abort_url = re.search(r'href="([^"]*/abort)"', response.text)[1]
            response = browser.get(urljoin(response.url, abort_url), allow_redirects=False)
        else:
            action, fields = parse_form(response.text)
            if 'name="login"' in response.text:
                fields.update(login=login, password="any password")
            response = browser.post(urljoin(response.url, action), data=fields, allow_redirects=False)
    raise AssertionError(f"the provider never sent the browser back: {response.status_code} {response.text[:300]}")


def refusals() -> list[str]:
    """The details of the audit log's refused OIDC sign-ins, oldest first."""
    return list(db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "oidc.refused")
                                   .order_by(AuditEvent.id)))


def member_count() -> int:
    """How many accounts there are."""
    return db.session.scalar(select(func.count()).select_from(User))


def oidc_sign_ins() -> int:
    """How many sign-ins went through a provider."""
    return db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.method == "oidc"))


# --- Through the real provider ----------------------------------------------------------------------------------
def test_a_new_member_signs_in_through_the_provider_and_joins_the_team(client, helios, make_user, real_provider):
    """A new person with a verified address in an allowed domain gets an account on the team, signed in."""
    admin = make_user(admin=True)
    register_provider(helios, real_provider, admin)
    response = through_provider(client, "ada")
    assert response.status_code == 303, refusals()
    ada = db.session.scalar(select(User).where(User.email == "ada@helios.example"))
    assert (ada.display_name, ada.organisation_id, ada.email_verified) == ("Ada Lovelace", helios.id, True)
    assert oidc_sign_ins() == 1
    page = client.get("/settings/sessions").get_data(as_text=True)
    assert "Ada Lovelace" in page and "through your organisation" in page


def test_an_existing_account_with_the_verified_address_is_linked(client, helios, make_user, real_provider):
    """An account already using the address the provider verified is linked to the team, not duplicated."""
    register_provider(helios, real_provider, make_user(admin=True))
    grace = accounts.register("Grace@helios.example", "Grace H.", PASSWORD, "expert")
    assert grace.email_verified_at is None and grace.organisation_id is None
    people = member_count()
    assert through_provider(client, "grace").status_code == 303
    db.session.refresh(grace)
    assert (grace.organisation_id, grace.email_verified, grace.display_name) == (helios.id, True, "Grace H.")
    assert member_count() == people and oidc_sign_ins() == 1
    # the address was never confirmed before: a password chosen by whoever created the account no longer opens it
    assert accounts.authenticate("grace@helios.example", PASSWORD) is None


def test_a_domain_not_allowed_and_an_unverified_address_are_refused(client, helios, make_user, real_provider):
    """An address outside the allowed domains, or one the provider has not verified, gets nobody an account."""
    register_provider(helios, real_provider, make_user(admin=True))
    people = member_count()
    response = client.post("/login/organisation", data={"org-email": "eve@elsewhere.example"})
    assert response.status_code == 422 and "No organisation signs in people of this email domain" in \
        response.get_data(as_text=True)
    response = through_provider(client, "eve", organisation=helios.slug)
    assert response.status_code == 403
    assert "People of this email domain may not sign in" in response.get_data(as_text=True)
    assert through_provider(client, "mallory").status_code == 403
    assert refusals() == ["domain not allowed: elsewhere.example", "email not verified by the provider"]
    assert member_count() == people and oidc_sign_ins() == 0


def test_removing_a_domain_takes_its_people_off_the_team_at_their_next_sign_in(client, helios, make_user,
                                                                                real_provider):
    """A member whose domain the organisation no longer allows leaves the team when they next sign in."""
    admin = make_user(admin=True)
    register_provider(helios, real_provider, admin)
    assert through_provider(client, "ada").status_code == 303
    ada = db.session.scalar(select(User).where(User.email == "ada@helios.example"))
    assert ada.organisation_id == helios.id
    oidc.save_provider(helios, real_provider, CLIENT_ID, "", "lab.helios.example", admin)  # the secret is kept
    assert through_provider(client, "ada", organisation=helios.slug).status_code == 403
    db.session.refresh(ada)
    assert ada.organisation_id is None
    assert refusals() == [f"domain not allowed: helios.example; user #{ada.id} left the team"]


def test_a_member_whose_provider_refuses_them_leaves_the_team(client, helios, make_user, real_provider):
    """A signed-in member whom their provider refuses at a new sign-in leaves the team."""
    register_provider(helios, real_provider, make_user(admin=True))
    assert through_provider(client, "ada").status_code == 303
    ada = db.session.scalar(select(User).where(User.email == "ada@helios.example"))
    response = through_provider(client, "ada", abort=True)
    assert response.status_code == 403 and "refused the sign-in" in response.get_data(as_text=True)
    db.session.refresh(ada)
    assert ada.organisation_id is None
    assert refusals() == [f"provider error: access_denied; user #{ada.id} left the team"]


# --- Tokens no real provider would issue --------------------------------------------------------------------------
def claims_for(provider: OwnProvider, query: dict, **changes) -> dict:
    """A valid ID token's claims for the sign-in the app started (query: its authorization request), then changed."""
    now = int(time.time())
    return {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "ada-1", "email": "ada@helios.example",
            "email_verified": True, "name": "Ada Lovelace", "nonce": query["nonce"], "iat": now, "exp": now + 300,
            **changes}


@pytest.mark.parametrize(("changes", "forged", "why"), [
    ({}, True, "bad signature or token: BadSignatureError"),
    ({"aud": "another-client"}, False, "wrong audience"),
    ({"iss": "https://impostor.example"}, False, "wrong issuer"),
    ({"nonce": "not-the-nonce-sent"}, False, "wrong or replayed nonce"),
    ({"exp": int(time.time()) - 3600}, False, "expired token"),
])
def test_a_token_that_does_not_hold_is_refused_and_changes_nothing(client, helios, make_user, own_provider, changes,
                                                                   forged, why):
    """A forged, misdirected, replayed or expired ID token is a 403 with an audit line, and nobody is signed in."""
    register_provider(helios, own_provider.issuer, make_user(admin=True))
    people = member_count()
    query = start(client, "ada@helios.example")
    assert query["code_challenge_method"] == "S256" and query["state"] and query["nonce"]
    impostor = RSAKey.generate_key(2048, parameters={"kid": "own"}) if forged else None
    own_provider.id_token = own_provider.sign(claims_for(own_provider, query, **changes), impostor)
    response = client.get(f"{CALLBACK}?code=any&state={query['state']}")
    assert response.status_code == 403 and "Back to sign in" in response.get_data(as_text=True)
    assert refusals() == [why]
    assert member_count() == people and oidc_sign_ins() == 0
    # the code was redeemed with the PKCE verifier of this sign-in
    assert create_s256_code_challenge(own_provider.verifiers[-1]) == query["code_challenge"]


def test_a_replayed_answer_is_refused(client, helios, make_user, own_provider):
    """The provider's answer works once; a later sign-in answered with the first one's token or state is refused."""
    register_provider(helios, own_provider.issuer, make_user(admin=True))
    query = start(client, "ada@helios.example")
    own_provider.id_token = own_provider.sign(claims_for(own_provider, query))
    callback = f"{CALLBACK}?code=any&state={query['state']}"
    assert client.get(callback).status_code == 303  # the token holds: signed in
    # the same answer again: no sign-in of this browser waits for it (refused, and as a GET it writes nothing)
    assert client.get(callback).status_code == 400 and refusals() == []
    second = start(client, "ada@helios.example")  # a new sign-in, answered with the first one's token (its nonce)
    assert client.get(f"{CALLBACK}?code=any&state={second['state']}").status_code == 403
    start(client, "ada@helios.example")  # and one answered with another sign-in's state
    assert client.get(callback).status_code == 400
    assert refusals() == ["wrong or replayed nonce", "state does not match"]
    assert oidc_sign_ins() == 1


# --- The organisation's settings ---------------------------------------------------------------------------------
def test_the_organisation_admin_registers_the_provider_and_never_sees_the_secret_again(client, helios, login_as,
                                                                                       make_user, real_provider):
    """The organisation's administrator registers its provider; the secret is stored encrypted and never shown."""
    member, outsider = make_user(organisation=helios), make_user()
    org_admin = make_user(organisation=helios)
    org_admin.is_org_admin = True
    db.session.commit()
    page = f"/organisations/{helios.slug}/sign-in"
    login_as(outsider)
    assert client.get(page).status_code == 404
    login_as(member)
    assert client.get(page).status_code == 403
    assert page not in client.get(f"/organisations/{helios.slug}/dashboard").get_data(as_text=True)
    login_as(org_admin)
    assert page in client.get(f"/organisations/{helios.slug}/dashboard").get_data(as_text=True)
    form = {"issuer": real_provider, "client_id": CLIENT_ID, "secret": CLIENT_SECRET,
            "allowed_domains": "Helios.example, @lab.helios.example"}
    assert client.post(page, data={**form, "issuer": "ftp://x.example"}).status_code == 422
    assert client.post(page, data={**form, "allowed_domains": "not a domain!"}).status_code == 422
    assert client.post(page, data=form).status_code == 303
    provider = oidc.provider_of(helios)
    assert provider.domains == ["helios.example", "lab.helios.example"]
    assert CLIENT_SECRET not in provider.client_secret and oidc.unseal(provider.client_secret) == CLIENT_SECRET
    shown = client.get(page).get_data(as_text=True)
    assert CLIENT_SECRET not in shown and provider.client_secret not in shown and CALLBACK in shown
    assert client.post(page, data={**form, "secret": ""}).status_code == 303  # empty: the secret is kept
    assert oidc.unseal(oidc.provider_of(helios).client_secret) == CLIENT_SECRET
    login_page = client.get("/login").get_data(as_text=True)
    assert "Sign in with your organisation" in login_page and "Helios Audio" in login_page
