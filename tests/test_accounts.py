"""Accounts as a visitor meets them: sign-up, sign-in and out, profiles, and their protections."""

import re

import pytest
from conftest import PASSWORD, TEST_CONFIG, without_nonces
from sqlalchemy import func, select

from crowdspirit import create_app
from crowdspirit.accounts import services as accounts
from crowdspirit.accounts.models import User
from crowdspirit.extensions import db, limiter
from crowdspirit.pipeline.models import Vote

SIGNUP = {"email": "ada@example.org", "display_name": "Ada Lovelace", "password": PASSWORD,
          "confirm": PASSWORD, "profile_kind": "student", "skills": "electronics"}


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def field_error(html: str, field: str) -> str:
    """The error text shown next to one form field ('' when there is none)."""
    found = re.search(rf'<small class="error" id="{field}-error">([^<]*)</small>', html)
    return found.group(1) if found else ""


def without_tokens(html: str) -> str:
    """The page with its per-request CSRF tokens and CSP nonces blanked out (to compare two answers)."""
    return without_nonces(re.sub(r'(name="csrf-token" content|name="csrf_token" value)="[^"]*"', r'\1=""', html))


def test_signup_creates_account_and_signs_in(client):
    """Signing up stores an argon2id hash and leaves the visitor signed in under their name."""
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "ada@example.org"))
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    page = client.get(response.headers["Location"]).text
    assert "Ada Lovelace" in page and "Sign out" in page


@pytest.mark.parametrize("changes, field, message", [
    ({"email": ""}, "email", "This field is required."),
    ({"email": "not-an-email"}, "email", "Invalid email address."),
    ({"password": "short", "confirm": "short"}, "password", "Field must be between 10 and 200 characters long."),
    ({"confirm": PASSWORD + "!"}, "confirm", "The two passwords differ."),
    ({"display_name": "x" * 81}, "display_name", "Field cannot be longer than 80 characters."),
    ({"email": "Taken@Example.ORG"}, "email", "An account with this email already exists."),
    ({"profile_kind": "wizard"}, "profile_kind", "Not a valid choice."),
], ids=["missing-email", "malformed-email", "short-password", "passwords-differ",
        "oversize-name", "duplicate-email", "unknown-kind"])
def test_bad_signup_is_refused_inline(client, changes, field, message):
    """Bad sign-up input gives 422 with the message next to the field, and writes no account."""
    accounts.register("taken@example.org", "Already Here", PASSWORD, "amateur")
    response = client.post("/signup", data={**SIGNUP, **changes})
    assert response.status_code == 422
    assert field_error(response.text, field) == message
    assert user_count() == 1


def test_signin_with_right_password(client, make_user):
    """The right credentials sign the member in and greet them by name."""
    user = make_user(name="Grace Hopper")
    response = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    assert "Welcome back, Grace Hopper" in page and "Sign out" in page


def test_signin_failure_does_not_reveal_whether_the_email_exists(client, make_user):
    """A wrong password and an unknown email get the same 422 answer."""
    user = make_user()
    wrong = client.post("/login", data={"email": user.email, "password": "not the password"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "whatever1"})
    assert wrong.status_code == unknown.status_code == 422
    assert field_error(wrong.text, "password") == "Wrong email or password."
    assert (without_tokens(wrong.text).replace(user.email, "EMAIL")
            == without_tokens(unknown.text).replace("nobody@example.org", "EMAIL"))
    assert "Sign out" not in client.get("/").text


@pytest.mark.parametrize("target, expected", [
    ("/projects?kind=sponsored", "/projects?kind=sponsored"),
    ("//evil.example", "/"),
    ("https://evil.example", "/"),
], ids=["local-path", "protocol-relative", "absolute-url"])
def test_signin_next_is_honoured_only_for_local_paths(client, make_user, target, expected):
    """After sign-in the member goes to `next` if it is on this site, else to the home page."""
    user = make_user()
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_signout(client, login_as, make_user):
    """Signing out (a POST) ends the session."""
    login_as(make_user(name="Leaving Member"))
    assert "Leaving Member" in client.get("/").text
    response = client.post("/logout", follow_redirects=True)
    assert response.status_code == 200
    assert "You are signed out." in response.text
    assert "Leaving Member" not in response.text and "Sign in" in response.text


def test_profile_lists_ideas_and_votes(client, make_user, make_idea):
    """A member's profile shows the ideas they proposed and the ideas they voted for."""
    member = make_user(name="Ida Inventor")
    make_idea(author=member, title="Solar bike lamp")
    voted = make_idea(stage="vote", title="Quiet kettle")
    db.session.add(Vote(idea_id=voted.id, user_id=member.id))
    db.session.commit()
    page = client.get(f"/users/{member.id}").text
    ideas, votes = page.split("<h2>Votes")
    assert "Solar bike lamp" in ideas and "Quiet kettle" not in ideas
    assert "Quiet kettle" in votes


def test_unknown_profile_is_404(client):
    """A profile that does not exist is a 404."""
    assert client.get("/users/999999").status_code == 404


def test_profile_edit_requires_sign_in(client):
    """An anonymous visitor is sent to sign in."""
    response = client.get("/settings/profile")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login")


def test_profile_edit_saves(client, login_as, make_user):
    """A member edits their own profile; the changes are stored and shown."""
    member = login_as(make_user(name="Old Name"))
    response = client.post("/settings/profile", data={
        "display_name": "New Name", "profile_kind": "expert", "skills": "acoustics, DSP",
        "bio": "I build **speakers**."})
    assert response.status_code == 303
    db.session.refresh(member)
    assert (member.display_name, member.profile_kind, member.bio) == ("New Name", "expert",
                                                                     "I build **speakers**.")
    page = client.get(f"/users/{member.id}").text
    assert "New Name" in page and "<strong>speakers</strong>" in page and "acoustics" in page


def test_profile_edit_refuses_empty_name(client, login_as, make_user):
    """An empty display name is refused inline and nothing is saved."""
    member = login_as(make_user(name="Kept Name"))
    response = client.post("/settings/profile", data={"display_name": "", "profile_kind": "amateur"})
    assert response.status_code == 422
    assert field_error(response.text, "display_name") == "This field is required."
    db.session.refresh(member)
    assert member.display_name == "Kept Name"


@pytest.fixture
def make_app(database_url):
    """Build an extra app on this test's database with some settings changed."""
    built = []

    def make(**settings):
        extra = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **settings})
        built.append(extra)
        with extra.app_context():
            limiter.reset()
        return extra

    yield make
    for extra in built:
        with extra.app_context():
            db.engine.dispose()


def test_login_is_rate_limited(make_app):
    """After the allowed number of sign-in attempts the next one gets 429 with a clear message."""
    client = make_app(LOGIN_RATE_LIMIT="3 per minute").test_client()
    attempt = {"email": "someone@example.org", "password": "wrong password"}
    assert [client.post("/login", data=attempt).status_code for _ in range(3)] == [422] * 3
    response = client.post("/login", data=attempt)
    assert response.status_code == 429
    assert "Too many attempts; wait a minute and try again." in response.text
    assert client.get("/login").status_code == 200  # reading the form is not limited


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    """The session cookie set at sign-in cannot be read by scripts nor sent cross-site."""
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_post_without_csrf_token_is_refused(make_app):
    """With CSRF protection on, a form post without its token gets 400 and writes nothing."""
    app = make_app(WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/signup", data=SIGNUP)
    assert response.status_code == 400
    assert "<nav" in response.text
    with app.app_context():
        assert user_count() == 0


def test_post_with_csrf_header_token_succeeds(make_app):
    """The page's token, sent as X-CSRFToken (as htmx does from the meta tag), is accepted."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/signup").text)[1]
    response = client.post("/signup", data=SIGNUP, headers={"X-CSRFToken": token})
    assert response.status_code == 303
    with app.app_context():
        assert user_count() == 1
