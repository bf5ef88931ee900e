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
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from servers import free_port, wait_until
from sqlalchemy import func, select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from crowdspirit.accounts import oidc
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


def through_provider(client, login: str, email: str = "", abort: bool = False):
    """Sign in through the real provider: the app sends the browser there, `requests` fills its login and consent
    forms (or aborts), and the provider's redirect back is handed to the app. Returns the app's answer."""
    browser = requests.Session()
    response = browser.get(start(client, email or ACCOUNTS[login]["email"])["url"], allow_redirects=False)
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


def oidc_sign_ins() -> int:
    """How many sign-ins went through a provider."""
    return db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.method == "oidc"))


# --- Through the real provider ----------------------------------------------------------------------------------
def test_a_new_member_signs_in_through_the_provider_and_joins_the_team(client, helios, make_user, real_provider):
    admin = make_user(admin=True)
    register_provider(helios, real_provider, admin)
    response = through_provider(client, "ada")
    assert response.status_code == 303, refusals()
    ada = db.session.scalar(select(User).where(User.email == "ada@helios.example"))
    assert (ada.display_name, ada.organisation_id, ada.email_verified) == ("Ada Lovelace", helios.id, True)
    assert oidc_sign_ins() == 1
    page = client.get("/settings/profile").get_data(as_text=True)
    assert "Ada Lovelace" in page and "Helios Audio" in page
