"""Notification preferences and the digests over real SMTP: each kind in the app only, in the daily or weekly digest,
or not at all; every digest carries a one-click unsubscribe (RFC 8058) that works without signing in; bad input
changes nothing."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from crowdspirit.accounts.models import User
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.forum.models import Thread
from crowdspirit.notifications import services as notifications
from crowdspirit.notifications.models import Notification, NotificationPreference


@pytest.fixture
def smtp(smtp_mailbox):
    """The messages the app sent to the real SMTP server of the test (conftest's smtp_mailbox), parsed."""
    return smtp_mailbox.messages


def _digests(app, weekly=False) -> str:
    return app.test_cli_runner().invoke(args=["crowdspirit", "send-digests", *(["--weekly"] if weekly else [])]).output


@pytest.fixture
def mentioned(make_user, make_idea):
    """Ana, mentioned by Ben in an idea's discussion."""
    thread = forum.thread_of_idea(make_idea(title="Solar lamp"))
    ana = make_user(name="Ana")
    forum.add_post(thread, make_user(name="Ben"), "@Ana what do you think?")
    return ana


def test_the_daily_digest_unsubscribes_in_one_click(app, client, smtp, mentioned):
    """The daily digest reaches the SMTP server with List-Unsubscribe and List-Unsubscribe-Post; the mail client's
    one-click POST (no session, no form token) stops it, and the next mention stays in the app only."""
    assert "Digests sent: 1." in _digests(app)
    [message] = smtp
    assert message["To"] == mentioned.email and message["Subject"] == "CrowdSpirit: your daily digest"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(https://crowdspirit\.example/unsubscribe/[^>]+)>", message["List-Unsubscribe"])[1]
    text = message.get_body(("plain",)).get_content()
    assert "Ben mentioned you in “Solar lamp”" in text and f"Stop this digest: {link}" in text
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200 and "Stop receiving the daily digest by email?" in page.text
    assert db.session.scalar(select(NotificationPreference)) is None  # looking changes nothing
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "You will no longer receive the daily digest." in done.text
    db.session.expire_all()
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.channel)
                                     .where(NotificationPreference.user_id == mentioned.id)).all())
    assert set(chosen.values()) == {"app"} and {"reply", "mention", "moderation", "stage"} <= set(chosen)
    assert "sanction" not in chosen  # a kind emailed at once is not the digest's to stop
    thread = db.session.get(Thread, db.session.scalar(select(Notification.thread_id)))
    ben = db.session.scalar(select(User).where(User.display_name == "Ben"))
    forum.add_post(thread, ben, "@Ana again")
    assert "Digests sent: 0." in _digests(app)
    assert db.session.scalar(select(Notification).where(Notification.user_id == mentioned.id,
                                                        Notification.read_at.is_(None))) is not None


def test_forged_or_expired_links_change_nothing(app, client, smtp, mentioned, monkeypatch):
    """A forged token and one past its time (90 days) get a clear 400 and change nothing."""
    assert "Digests sent: 1." in _digests(app)
    path = urlsplit(re.search(r"<([^>]+)>", smtp[0]["List-Unsubscribe"])[1]).path
    forged = client.post(path[:-3] + "xyz")
    assert forged.status_code == 400 and "This unsubscribe link is not valid" in forged.text
    monkeypatch.setattr(notifications, "UNSUBSCRIBE_DAYS", -1)  # every link is past its time
    expired = client.post(path)
    assert expired.status_code == 400 and "This unsubscribe link is not valid" in expired.text
    assert db.session.scalar(select(NotificationPreference)) is None


def test_preferences_page_weekly_and_off(app, client, login_as, smtp, make_user, make_idea):
    """A member moves mentions to the weekly digest and turns replies off: the daily digest skips the mention, the
    weekly one carries it, and a reply is not even shown in the app; unknown kinds or channels change nothing."""
    ana = login_as(make_user(name="Ana"))
    page = client.get("/settings/notifications").text
    assert '<option value="daily" selected>Also in the daily digest</option>' in page
    choices = {"reply": "off", "mention": "weekly", "follow": "app", "moderation": "daily", "stage": "daily"}
    assert client.post("/settings/notifications", data=choices).status_code == 303
    assert '<option value="weekly" selected>Also in the weekly digest</option>' in client.get(
        "/settings/notifications").text
    for bad in ({**choices, "mention": "hourly"}, {**choices, "reply": ""}):
        response = client.post("/settings/notifications", data=bad)
        assert response.status_code == 400 and "Choose one of the offered ways" in response.text
    thread = forum.thread_of_idea(make_idea(title="Solar lamp"))
    mine = forum.add_post(thread, ana, "My first message")
    forum.add_post(thread, make_user(name="Ben"), "@Ana look")
    forum.add_post(thread, make_user(name="Cy"), "I disagree", reply_to_id=mine.id)
    kinds = set(db.session.scalars(select(Notification.kind).where(Notification.user_id == ana.id)))
    assert kinds == {"mention"}  # the reply was turned off
    assert "Digests sent: 0." in _digests(app)
    assert "Digests sent: 1." in _digests(app, weekly=True)
    [message] = smtp
    assert message["Subject"] == "CrowdSpirit: your weekly digest"
    assert "Ben mentioned you" in message.get_body(("plain",)).get_content()
    assert "/unsubscribe/" in message["List-Unsubscribe"]
