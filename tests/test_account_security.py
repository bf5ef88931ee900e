"""Account security as members meet it: lockout after wrong passwords, password reset by emailed link,
password change that signs out the other sessions, and rate limits on sign-up, votes and search."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

from conftest import PASSWORD
from flask import g
from sqlalchemy import func, select

from crowdspirit.accounts.models import User
from crowdspirit.database import utcnow
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.pipeline.models import Vote

NEW_PASSWORD = "a brand new passphrase"


def sign_in(client, email: str, password: str):
    return client.post("/login", data={"email": email, "password": password})


def signed_in(client) -> bool:
    g.pop("_login_user", None)  # Flask-Login caches the user in the test's long-lived context
    return "Sign out" in client.get("/").text


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<small class="error" id="{field}-error">([^<]*)</small>', html)
    return found.group(1) if found else ""


def stored(user: User) -> User:
    """The user as the database has it now."""
    db.session.expire_all()
    return db.session.get(User, user.id)


def reset_link(body: str) -> str:
    """The path of the reset link an email carries (checked to point at SITE_URL)."""
    link = re.search(r"https?://\S+", body)[0]
    assert link.startswith("https://crowdspirit.example/password/reset/")
    return urlsplit(link).path


# --- Lockout -------------------------------------------------------------------------------------
def test_wrong_passwords_lock_the_account_even_against_the_right_one(client, app, make_user):
    """After LOGIN_LOCKOUT_ATTEMPTS wrong passwords the right one is refused too, with the way out."""
    app.config["LOGIN_LOCKOUT_ATTEMPTS"] = 3
    user = make_user()
    statuses = [sign_in(client, user.email, "wrong password").status_code for _ in range(3)]
    assert statuses == [422, 422, 422]
    response = sign_in(client, user.email, PASSWORD)
    assert response.status_code == 422
    assert "this account is locked for 15 more minute(s)" in error_of(response.text, "password")
    assert "Reset your password" in response.text
    assert not signed_in(client)
    assert stored(user).locked_until > utcnow() + timedelta(minutes=14)


def test_lock_ends_on_time_and_a_good_sign_in_clears_the_count(client, app, make_user):
    """Once the lock has run out the right password works, and the count of wrong ones starts again."""
    app.config["LOGIN_LOCKOUT_ATTEMPTS"] = 2
    user = make_user()
    sign_in(client, user.email, "wrong password")
    assert stored(user).failed_logins == 1
    sign_in(client, user.email, "wrong password")
    stored(user).locked_until = utcnow() - timedelta(seconds=1)  # the lock's time has passed
    db.session.commit()
    assert sign_in(client, user.email, PASSWORD).status_code == 303
    assert (stored(user).failed_logins, stored(user).locked_until) == (0, None)


def test_lockout_can_be_turned_off(client, app, make_user):
    """LOGIN_LOCKOUT_ATTEMPTS=0 never locks (the per-address rate limit still applies)."""
    app.config["LOGIN_LOCKOUT_ATTEMPTS"] = 0
    user = make_user()
    for _ in range(6):
        sign_in(client, user.email, "wrong password")
    assert sign_in(client, user.email, PASSWORD).status_code == 303


# --- Password reset ------------------------------------------------------------------------------
def test_password_reset_by_emailed_link(client, make_user, mailbox):
    """Forgot password -> email with a link on SITE_URL -> new password -> signed in; the old one is dead."""
    user = make_user(name="Grace")
    assert 'href="/password/forgot"' in client.get("/login").text
    attacker_host = {"Host": "attacker.example"}  # a forged Host header must not end up in the link
    response = client.post("/password/forgot", data={"email": user.email.upper()}, headers=attacker_host)
    assert response.status_code == 303
    assert (f"If an account uses {user.email.upper()}, we have sent it a link"
            in client.get("/login", headers=attacker_host).text)
    [(to, subject, body)] = mailbox()
    assert (to, subject) == (user.email, "CrowdSpirit: reset your password")
    assert "Hello Grace" in body and "attacker.example" not in body
    link = reset_link(body)
    assert "Choose a new password" in client.get(link).text
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert "Your new password is saved and you are signed in." in client.get("/").text
    client.post("/logout")
    assert sign_in(client, user.email, PASSWORD).status_code == 422
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 303


def test_reset_link_works_once_and_a_wrong_one_is_a_clear_400(client, make_user, mailbox):
    """A used, forged or expired link gets a 400 page saying to ask again, and changes nothing."""
    user = make_user()
    client.post("/password/forgot", data={"email": user.email})
    link = reset_link(mailbox()[0][2])
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    hash_after_reset = stored(user).password_hash
    for path in (link, link[:-3] + "abc", "/password/reset/nonsense"):
        response = client.post(path, data={"password": "yet another password", "confirm": "yet another password"})
        assert response.status_code == 400
        assert "This password reset link is wrong, expired or already used. Ask for a new one." in response.text
    assert stored(user).password_hash == hash_after_reset


def test_expired_reset_link_is_refused(client, app, make_user, mailbox):
    """A link older than PASSWORD_RESET_MAX_AGE no longer works."""
    user = make_user()
    client.post("/password/forgot", data={"email": user.email})
    app.config["PASSWORD_RESET_MAX_AGE"] = -1  # every link is now too old
    assert client.get(reset_link(mailbox()[0][2])).status_code == 400


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, mailbox):
    """Nobody learns whether an address has an account: same answer, no email."""
    response = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert response.status_code == 303
    assert "If an account uses nobody@example.org, we have sent it a link" in client.get("/login").text
    assert mailbox() == []


def test_bad_reset_forms_are_refused_inline(client, make_user, mailbox):
    """A malformed address, or two different new passwords, get 422 with the reason and change nothing."""
    assert error_of(client.post("/password/forgot", data={"email": "not an email"}).text, "email")
    user = make_user()
    client.post("/password/forgot", data={"email": user.email})
    response = client.post(reset_link(mailbox()[0][2]), data={"password": NEW_PASSWORD, "confirm": "different!!"})
    assert response.status_code == 422
    assert error_of(response.text, "confirm") == "The two passwords differ."
    assert sign_in(client, user.email, PASSWORD).status_code == 303


def test_a_reset_unlocks_a_locked_account(client, app, make_user, mailbox):
    """The lockout message points to a reset, and the reset lifts the lock."""
    app.config["LOGIN_LOCKOUT_ATTEMPTS"] = 1
    user = make_user()
    sign_in(client, user.email, "wrong password")
    assert stored(user).locked_until is not None
    client.post("/password/forgot", data={"email": user.email})
    client.post(reset_link(mailbox()[0][2]), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert stored(user).locked_until is None
    assert signed_in(client)


# --- Password change ------------------------------------------------------------------------------
def test_password_change_signs_out_the_other_sessions_only(app, make_user):
    """Changing the password keeps this browser signed in and signs out every other one."""
    user = make_user()
    here, elsewhere = app.test_client(), app.test_client()
    for browser in (here, elsewhere):
        assert sign_in(browser, user.email, PASSWORD).status_code == 303
    assert 'href="/settings/password"' in here.get("/settings/profile").text
    response = here.post("/settings/password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert "Password changed. Your other sessions are signed out." in here.get("/settings/profile").text
    assert signed_in(here) and not signed_in(elsewhere)
    g.pop("_login_user", None)
    assert elsewhere.get("/settings/profile").status_code == 302  # back to the sign-in page


def test_password_change_needs_the_current_password(client, make_user):
    """A wrong current password gets 422 next to the field, and the password stays."""
    user = make_user()
    sign_in(client, user.email, PASSWORD)
    response = client.post("/settings/password", data={"current": "not my password", "password": NEW_PASSWORD,
                                                        "confirm": NEW_PASSWORD})
    assert response.status_code == 422
    assert error_of(response.text, "current") == "Your current password is not this one."
    client.post("/logout")
    assert sign_in(client, user.email, PASSWORD).status_code == 303


def test_password_change_closes_the_members_live_connections(app, make_user, make_idea, open_socket):
    """A socket opened before the change is disconnected (it belonged to a session that may be stolen)."""
    user = make_user()
    thread_id = forum.thread_of_idea(make_idea()).id
    socket = open_socket(user, {"thread": thread_id})
    assert socket.is_connected()
    browser = app.test_client()
    sign_in(browser, user.email, PASSWORD)
    browser.post("/settings/password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                             "confirm": NEW_PASSWORD})
    assert not socket.is_connected()


# --- Rate limits -------------------------------------------------------------------------------------
def test_sign_up_is_rate_limited_per_address(client, app):
    """Past SIGNUP_RATE_LIMIT the next sign-up gets 429 and no account is created."""
    app.config["SIGNUP_RATE_LIMIT"] = "2 per hour"
    for n in range(3):
        client.post("/logout")
        response = client.post("/signup", data={"email": f"new{n}@example.org", "display_name": f"New {n}",
                                                "password": PASSWORD, "confirm": PASSWORD,
                                                "profile_kind": "amateur"})
    assert response.status_code == 429
    assert db.session.scalar(select(func.count(User.id))) == 2


def test_votes_are_rate_limited_per_member(client, app, login_as, make_user, make_project, make_idea):
    """Past VOTE_RATE_LIMIT a member's next vote gets 429 and is not stored."""
    app.config["VOTE_RATE_LIMIT"] = "2 per minute"
    project = make_project(vote_threshold=100)
    ideas = [make_idea(project=project, stage="vote", title=f"Idea {n}") for n in range(3)]
    login_as(make_user())
    statuses = [client.post(f"/ideas/{idea.id}/vote").status_code for idea in ideas]
    assert statuses == [303, 303, 429]
    assert db.session.scalar(select(func.count(Vote.id))) == 2


def test_search_is_rate_limited(client, app):
    """Past SEARCH_RATE_LIMIT a visitor's next search gets 429 with a clear message."""
    app.config["SEARCH_RATE_LIMIT"] = "2 per minute"
    assert [client.get("/search?q=audio").status_code for _ in range(2)] == [200, 200]
    response = client.get("/search?q=audio")
    assert response.status_code == 429
    assert "Too many attempts; wait a minute and try again." in response.text
