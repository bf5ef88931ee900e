"""Sign-ins kept on the server: a cookie copied before signing out is refused everywhere (pages, API, live sockets),
members list and end their sign-ins, sign-ins expire, and the sign-in limit cannot be burst across a window's edge."""

import time
from datetime import timedelta

from conftest import PASSWORD
from flask import g
from sqlalchemy import func, select, update

from crowdspirit.accounts.models import UserSession
from crowdspirit.database import utcnow
from crowdspirit.extensions import db, socketio
from crowdspirit.forum import services as forum

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile Safari/604.1"


def browser(app, user, agent=FIREFOX):
    """A new browser signed in through the form."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 303
    return client


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """Another client holding a copy of a session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def get(client, path):
    g.pop("_login_user", None)  # Flask-Login caches the user in the test's long-lived context
    return client.get(path)


def test_a_copied_cookie_is_refused_after_sign_out(app, make_user, make_idea):
    """Pages, the API and live sockets all refuse a cookie copied before POST /logout."""
    user = make_user()
    thread_id = forum.thread_of_idea(make_idea()).id
    victim = browser(app, user)
    stolen = cookie_of(victim)
    thief = replay(app, stolen)
    assert get(thief, "/settings/profile").status_code == 200
    assert get(thief, "/api/v1/notifications").status_code == 200
    open_socket = socketio.test_client(app, flask_test_client=victim, auth={"thread": thread_id})
    assert open_socket.is_connected()

    g.pop("_login_user", None)
    assert victim.post("/logout").status_code == 303
    assert not open_socket.is_connected()  # the live connection of that sign-in closed at once
    assert get(thief, "/settings/profile").status_code == 302  # to the sign-in page
    assert get(thief, "/api/v1/notifications").status_code == 401
    g.pop("_login_user", None)
    socket = socketio.test_client(app, flask_test_client=replay(app, stolen), auth={})
    assert not socket.is_connected()  # a signed-in badge socket is refused: the cookie names nobody now
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id)) == 1  # only make_user's own sign-in is left


def test_members_list_their_sign_ins_and_end_one_or_all_others(app, make_user, make_idea):
    """Settings list each sign-in with its device; ending one signs that browser out, and its sockets close."""
    user = make_user(name="Mia")
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    laptop, phone, tablet = browser(app, user), browser(app, user, PHONE), browser(app, user, PHONE)
    thread_id = forum.thread_of_idea(make_idea()).id
    phone_socket = socketio.test_client(app, flask_test_client=phone, auth={"thread": thread_id})
    g.pop("_login_user", None)
    page = laptop.get("/settings/sessions")
    assert page.status_code == 200
    assert "Firefox · Linux" in page.text and "Safari · iPhone" in page.text and "this browser" in page.text
    phone_id = db.session.scalars(select(UserSession.id).where(UserSession.user_id == user.id)
                                  .order_by(UserSession.id)).all()[-2]
    g.pop("_login_user", None)
    assert laptop.post(f"/settings/sessions/{phone_id}/revoke").status_code == 303
    assert not phone_socket.is_connected()
    assert get(phone, "/settings/profile").status_code == 302
    assert get(tablet, "/settings/profile").status_code == 200
    assert get(laptop, "/settings/profile").status_code == 200

    g.pop("_login_user", None)
    assert laptop.post("/settings/sessions/revoke-others").status_code == 303
    assert get(tablet, "/settings/profile").status_code == 302
    assert get(laptop, "/settings/profile").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id)) == 1


def test_a_member_cannot_end_someone_elses_sign_in(app, make_user):
    """Ending another member's sign-in by its id does nothing."""
    owner, other = make_user(), make_user()
    victim = browser(app, owner)
    their_id = db.session.scalars(select(UserSession.id).where(UserSession.user_id == owner.id)
                                  .order_by(UserSession.id.desc())).first()
    attacker = browser(app, other)
    g.pop("_login_user", None)
    attacker.post(f"/settings/sessions/{their_id}/revoke")
    assert get(victim, "/settings/profile").status_code == 200


def test_sign_ins_end_when_idle_and_when_old(app, make_user):
    """SESSION_IDLE_MINUTES after its last use, and SESSION_MAX_DAYS after it began, a sign-in is refused."""
    user = make_user()
    idle, old = browser(app, user), browser(app, user)
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                              .order_by(UserSession.id.desc())).all()
    rows[1].last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    rows[0].created_at = utcnow() - timedelta(days=app.config["SESSION_MAX_DAYS"], minutes=1)
    ended = [rows[0].key_hash, rows[1].key_hash]
    db.session.commit()
    assert get(idle, "/settings/profile").status_code == 302
    assert get(old, "/settings/profile").status_code == 302
    fresh = browser(app, user)  # a new sign-in clears the ended ones, so their addresses are not kept
    assert get(fresh, "/settings/profile").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.key_hash.in_(ended))) == 0


def test_use_is_noted_at_most_once_a_minute(app, make_user):
    """last_seen_at moves with use, but not on every request."""
    user = make_user()
    client = browser(app, user)
    row = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                             .order_by(UserSession.id.desc())).first()
    row.last_seen_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    get(client, "/settings/profile")
    db.session.expire_all()
    seen = db.session.get(UserSession, row.id).last_seen_at
    assert utcnow() - seen < timedelta(seconds=30)
    get(client, "/settings/profile")
    db.session.expire_all()
    assert db.session.get(UserSession, row.id).last_seen_at == seen


def test_password_reset_ends_every_sign_in(app, make_user):
    """A reset link (someone lost control of the account) signs every browser out, then signs in this one."""
    from crowdspirit.accounts import links

    user = make_user()
    elsewhere = browser(app, user)
    with app.test_request_context("/"):
        link = links.make("password-reset", "accounts.reset_password", [user.id, user.session_token])
    path = link.split("://", 1)[1].split("/", 1)[1]
    here = app.test_client()
    assert here.post(f"/{path}", data={"password": "a brand new passphrase",
                                       "confirm": "a brand new passphrase"}).status_code == 303
    assert get(elsewhere, "/settings/profile").status_code == 302
    assert get(here, "/settings/profile").status_code == 200


def test_sign_in_burst_across_a_window_edge_is_refused(app, make_user):
    """A moving window: a burst at the end of one window and another at the start of the next never pass twice the
    limit. With LOGIN_RATE_LIMIT at 5 per 4 seconds, one attempt, four more 3.6 s later and five more just after the
    first window ended: a fixed window lets all ten through within a second; the moving window lets one."""
    app.config.update(LOGIN_RATE_LIMIT="5 per 4 seconds", LOGIN_LOCKOUT_ATTEMPTS=0)
    user = make_user()
    client = app.test_client()

    def attempt() -> int:
        return client.post("/login", data={"email": user.email, "password": "wrong"}).status_code

    start = time.monotonic()
    statuses = [attempt()]
    time.sleep(max(0.0, start + 3.6 - time.monotonic()))
    statuses += [attempt() for _ in range(4)]
    time.sleep(max(0.0, start + 4.3 - time.monotonic()))
    statuses += [attempt() for _ in range(5)]
    assert statuses == [422] * 6 + [429] * 4, statuses



def test_a_remembered_session_cookie_is_still_checked(app, make_user, monkeypatch):
    """The session cookie's signature is checked once per value, but a forged cookie is never accepted, and one
    older than PERMANENT_SESSION_LIFETIME is refused even after it was read."""
    member = browser(app, make_user())
    cookie = cookie_of(member)
    assert get(member, "/settings/profile").status_code == 200  # read once: remembered
    payload, _dot, signature = cookie.rpartition(".")
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    assert get(replay(app, forged), "/settings/profile").status_code == 302
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr("crowdspirit.web.cookies.time.time", lambda: later)
    assert get(replay(app, cookie), "/settings/profile").status_code == 302


def test_requests_sharing_a_cookie_change_their_own_session(app, make_user, make_idea):
    """Two browsers holding the same cookie: what one request changes in its session (a message added to those
    waiting) never reaches the other's, although the cookie's value was read once."""
    thread_id = forum.thread_of_idea(make_idea()).id
    first = browser(app, make_user())
    assert first.post(f"/threads/{thread_id}/follow").status_code == 303  # a message waits in the cookie
    second = replay(app, cookie_of(first))
    assert first.post(f"/threads/{thread_id}/follow").status_code == 303  # the first adds one to the same list
    page = get(second, "/").text
    assert "You follow this thread." in page and "You no longer follow this thread." not in page
