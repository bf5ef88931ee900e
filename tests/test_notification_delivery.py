"""How notices leave: off the request that caused them (the event outbox), by email at once for the kinds a member
wants so, through a real SMTP server, retried with back-off when the server fails and shown to administrators; a
suspended member is told why and until when; bad input changes nothing."""

import re
from urllib.parse import urlsplit

import pytest
from flask_babel import format_datetime
from servers import free_port
from sqlalchemy import func, select

from crowdspirit import events
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.mail import QueuedMail
from crowdspirit.notifications.models import Notification, NotificationPreference, ThreadFollow


@pytest.fixture
def smtp(smtp_mailbox):
    """The messages the app sent to the test's real SMTP server, parsed."""
    return smtp_mailbox.messages


def _choose(client, **channels):
    """Save notification settings through the page, as a member does."""
    return client.post("/settings/notifications", data=channels)


def _text(message, part="plain") -> str:
    return message.get_body((part,)).get_content()


def test_a_new_post_notifies_its_followers_off_the_request(app, make_user, make_idea):
    """With delivery off the request, the post is stored at once and its followers are told only when the outbox is
    applied: ten thousand followers would cost the post nothing."""
    app.config["EVENTS_DELIVERY"] = "off"
    thread = forum.thread_of_idea(make_idea(title="Solar lamp"))
    followers = [make_user(name=f"Follower {n}") for n in range(3)]
    db.session.add_all(ThreadFollow(thread_id=thread.id, user_id=user.id) for user in followers)
    db.session.commit()
    forum.add_post(thread, make_user(name="Ben"), "News about the lamp")
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    events.deliver_all()
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "follow")))
    assert told == {user.id for user in followers}


def test_email_at_once_with_both_parts_and_a_one_click_stop(app, client, login_as, smtp, make_user, make_idea):
    """A member who wants mentions at once gets an email per mention, in text and HTML, whose RFC 8058 link stops
    those emails (and only those) without signing in; the next mention stays in the app."""
    thread = forum.thread_of_idea(make_idea(title="Solar lamp"))
    ana = login_as(make_user(name="Ana"))
    assert _choose(client, mention="now").status_code == 303
    ben = make_user(name="Ben")
    forum.add_post(thread, ben, "@Ana what do you think?")
    [message] = smtp
    assert message["To"] == ana.email and message["Subject"] == "CrowdSpirit: Ben mentioned you in “Solar lamp”"
    assert "Ben mentioned you in “Solar lamp”" in _text(message)
    assert f"/threads/{thread.id}#post-" in _text(message) and "Ben mentioned you" in _text(message, "html")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(https://crowdspirit\.example/unsubscribe/[^>]+)>", message["List-Unsubscribe"])[1]
    client.post("/logout")
    page = client.get(urlsplit(link).path)
    assert "Stop receiving the emails about “Mentions of you” by email?" in page.text
    assert client.post(urlsplit(link).path).status_code == 200
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.channel)
                                     .where(NotificationPreference.user_id == ana.id)).all())
    assert chosen == {"mention": "app"}
    forum.add_post(thread, ben, "@Ana again")
    assert len(smtp) == 1
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == ana.id)) == 2  # still in the app


def test_a_failing_mail_server_retries_with_back_off_and_admins_see_it(app, client, login_as, smtp_mailbox,
                                                                       make_user, make_idea):
    """The server refuses: the post still succeeds, the email waits a minute, then longer, and is given up after
    the last try; administrators see it and retry it once the server is back; members may not see the queue."""
    working_port = app.config["MAIL_PORT"]
    thread = forum.thread_of_idea(make_idea(title="Solar lamp"))
    ana = login_as(make_user(name="Ana"))
    _choose(client, reply="now")
    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    mine = forum.add_post(thread, ana, "First!")
    response = (login_as(make_user(name="Ben")), client.post(
        f"/threads/{thread.id}/posts", data={"body": "Welcome", "reply_to": mine.id}))[1]
    assert response.status_code in (200, 303)
    queued = db.session.scalar(select(QueuedMail))
    assert queued.recipient == ana.email and queued.attempts == 1 and queued.sent_at is None
    assert "Connection refused" in queued.last_error or "Errno" in queued.last_error
    wait = (queued.next_attempt_at - queued.created_at).total_seconds()
    assert 55 <= wait <= 65  # the first back-off: a minute
    assert client.get("/admin/mail").status_code == 404  # Ben is no administrator
    login_as(make_user(name="Ada", admin=True))
    page = client.get("/admin/mail")
    assert ana.email in page.text and "Ben replied to you" in page.text
    for _attempt in range(5):  # each retry fails again, until the last one gives up
        client.post(f"/admin/mail/{queued.id}/retry")
    db.session.refresh(queued)
    assert queued.attempts == 6 and queued.failed and "Given up" in client.get("/admin/mail").text
    app.config["MAIL_PORT"] = working_port
    assert client.post(f"/admin/mail/{queued.id}/retry").status_code == 303
    [message] = smtp_mailbox.messages
    assert message["To"] == ana.email and "Ben replied to you in “Solar lamp”" in _text(message)
    db.session.refresh(queued)
    assert queued.sent_at is not None and ana.email not in client.get("/admin/mail").text


def test_a_suspended_member_is_told_why_and_until_when(app, client, login_as, smtp, make_user):
    """A moderator's suspension reaches the member by email at once and in the app, with its reason and end date;
    lifting it tells them too."""
    member = make_user(name="Mia")
    login_as(make_user(name="Mo", moderator=True))
    client.post(f"/users/{member.id}/sanction", data={"action": "suspend", "days": 7, "reason": "Repeated insults"})
    [message] = smtp
    db.session.refresh(member)
    until = format_datetime(member.suspended_until, "short")
    assert message["To"] == member.email and f"Your account is suspended until {until}" in message["Subject"]
    assert "Repeated insults" in _text(message)
    login_as(member)
    page = client.get("/notifications")
    assert f"Your account is suspended until {until}" in page.text and "Repeated insults" in page.text
    [item] = client.get("/api/v1/notifications").json["items"]  # the API says the same, validated by its schema
    assert item["kind"] == "sanction" and item["text"].startswith("Your account is suspended until")
    assert item["note"] == "Repeated insults" and item["link"] == f"/users/{member.id}"
    login_as(make_user(name="Mo2", moderator=True))
    client.post(f"/users/{member.id}/sanction", data={"action": "lift"})
    assert "suspension or ban is lifted" in smtp[-1]["Subject"]


@pytest.mark.parametrize("form", [{"no-such-kind": "app"}, {"mention": "pigeon"}, {"reply": "app", "x": "now"}])
def test_bad_settings_change_nothing(client, login_as, make_user, form):
    """An unknown kind or channel: a clear 4xx, and the member's settings stay as they were."""
    ana = login_as(make_user(name="Ana"))
    _choose(client, follow="weekly")
    response = _choose(client, **form)
    assert 400 <= response.status_code < 500 and "Choose one of the offered ways" in response.text
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.channel)
                                     .where(NotificationPreference.user_id == ana.id)).all())
    assert chosen == {"follow": "weekly"}


def test_the_settings_page_offers_every_declared_kind(client, login_as, make_user):
    """Every kind a domain declared is on the settings page, in its section, with the email at once channel."""
    login_as(make_user(name="Ana"))
    page = client.get("/settings/notifications").text
    for name in ("reply", "mention", "follow", "stage", "moderation", "sanction"):
        assert f'name="{name}"' in page
    assert "Also by email at once" in page and "<legend>Moderation</legend>" in page
