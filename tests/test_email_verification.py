"""Confirmed addresses, through a real SMTP server: a new account reads but may not post, vote or propose until it
opens its signed one-use link; links can be resent (a few per hour); a change of address is confirmed from the new
address and announced to the old one; an emailed link opens a page whose button confirms; forged, replayed and
expired links are refused, change nothing and leave an audit line when acted on."""

from conftest import PASSWORD, emailed_path
from flask import g
from sqlalchemy import select

from crowdspirit.accounts.models import User
from crowdspirit.audit.models import AuditEvent
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum

SIGNUP = {"email": "ada@example.org", "display_name": "Ada Lovelace", "password": PASSWORD,
          "confirm": PASSWORD, "profile_kind": "student", "skills": "electronics"}
REFUSAL = "Confirm your email address first"


def stored(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def refused_links() -> list[tuple]:
    return [(e.target, e.details) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "link.refused").order_by(AuditEvent.id))]


def fresh(client):
    g.pop("_login_user", None)  # Flask-Login caches the user in the test's long-lived context
    return client


def test_a_new_account_takes_part_only_after_opening_its_link(client, smtp_mailbox, make_project, make_idea):
    """Sign-up sends the link; until it is opened, proposing, voting and posting are 403 with the reason and a way to
    a new link (pages and the banner say so); opening it lifts the gate; opening it again is refused."""
    project = make_project(vote_threshold=100)
    idea = make_idea(project=project, stage="vote")
    thread = forum.thread_of_idea(idea)
    assert client.post("/signup", data=SIGNUP).status_code == 303
    [(to, subject, body)] = smtp_mailbox()
    assert (to, subject) == ("ada@example.org", "CrowdSpirit: confirm your email address")
    link = emailed_path(body, "/email/verify/")
    home = fresh(client).get("/").text
    assert REFUSAL in home and 'href="/settings/email"' in home

    for path, data in ((f"/projects/{project.slug}/ideas/new", {"title": "Mine", "summary": "s"}),
                       (f"/ideas/{idea.id}/vote", {}), (f"/threads/{thread.id}/posts", {"body": "Hello"})):
        response = fresh(client).post(path, data=data)
        assert response.status_code == 403, path
        assert REFUSAL in response.text and "Send me a new confirmation link" in response.text
    assert idea.vote_count == 0 and forum.posts(thread, stored("ada@example.org")) == []

    assert "Confirm my address" in fresh(client).get(link).text  # opening the link only shows the button
    assert stored("ada@example.org").email_verified_at is None
    assert fresh(client).post(link).status_code == 303
    assert stored("ada@example.org").email_verified_at is not None
    assert REFUSAL not in fresh(client).get("/").text
    assert fresh(client).post(f"/ideas/{idea.id}/vote").status_code == 303
    assert fresh(client).post(f"/threads/{thread.id}/posts", data={"body": "Hello"}).status_code == 303

    replay = fresh(client).post(link)
    assert replay.status_code == 400 and "already used" in replay.text
    assert refused_links() == [("verify-email", "already used")]


def test_forged_and_expired_links_are_refused_and_audited(client, app, smtp_mailbox):
    """A tampered signature, a link of another kind and an expired link get 400; the account stays unconfirmed."""
    client.post("/signup", data=SIGNUP)
    link = emailed_path(smtp_mailbox()[0][2], "/email/verify/")
    for path in (link[:-4] + "AAAA", "/email/verify/nonsense", link.replace("/email/verify/", "/email/change/")):
        assert fresh(client).get(path).status_code == 400  # looked at: refused, not recorded
        assert fresh(client).post(path).status_code == 400
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1
    assert fresh(client).post(link).status_code == 400
    assert stored("ada@example.org").email_verified_at is None
    assert [why for _kind, why in refused_links()] == ["forged or expired"] * 4


def test_the_api_applies_the_same_gate(client, make_user, make_project, make_idea):
    """A token of a member whose address is unconfirmed may read but not vote (403 with the reason)."""
    from crowdspirit.api import tokens

    member = make_user(verified=False)
    idea = make_idea(project=make_project(vote_threshold=100), stage="vote")
    _token, plain = tokens.create_token(member, "bot", True, 30)
    auth = {"Authorization": f"Bearer {plain}"}
    assert client.get(f"/api/v1/ideas/{idea.id}", headers=auth).status_code == 200
    response = client.post(f"/api/v1/ideas/{idea.id}/vote", headers=auth)
    assert response.status_code == 403 and REFUSAL in response.json["error"]["message"]


def test_closed_deployments_turn_verification_off(client, app, login_as, make_user, make_project, make_idea):
    """EMAIL_VERIFICATION=0: an unconfirmed member votes at once, and no banner shows."""
    app.config["EMAIL_VERIFICATION"] = False
    idea = make_idea(project=make_project(vote_threshold=100), stage="vote")
    login_as(make_user(verified=False))
    assert REFUSAL not in client.get("/").text
    assert client.post(f"/ideas/{idea.id}/vote").status_code == 303


def test_a_new_link_can_be_asked_for_a_few_times_an_hour(client, app, smtp_mailbox):
    """The settings page resends the link; past VERIFICATION_RATE_LIMIT the next ask is 429 and sends nothing."""
    app.config["VERIFICATION_RATE_LIMIT"] = "2 per hour"
    client.post("/signup", data=SIGNUP)
    assert "not confirmed yet" in fresh(client).get("/settings/email").text
    statuses = [fresh(client).post("/settings/email/resend").status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    assert len(smtp_mailbox()) == 3  # the sign-up's link and two more
    links = {emailed_path(body, "/email/verify/") for _to, _subject, body in smtp_mailbox()}
    assert fresh(client).post(sorted(links)[0]).status_code == 303  # any unexpired link confirms


def test_an_address_change_is_confirmed_from_the_new_address(client, login_as, make_user, smtp_mailbox):
    """The link goes to the new address; the account changes only when it is opened, then the old address hears of
    it; the link works once; the old address no longer signs in, the new one does."""
    member = make_user(name="Grace")
    old = member.email
    login_as(member)
    wrong = client.post("/settings/email", data={"email": "grace@new.example", "current": "not my password"})
    assert wrong.status_code == 422 and "Your current password is not this one." in wrong.text
    taken = client.post("/settings/email", data={"email": make_user().email, "current": PASSWORD})
    assert taken.status_code == 422 and "An account with this email already exists." in taken.text
    assert smtp_mailbox() == []

    assert fresh(client).post("/settings/email", data={"email": "Grace@New.example", "current": PASSWORD}
                              ).status_code == 303
    [(to, subject, body)] = smtp_mailbox()
    assert (to, subject) == ("grace@new.example", "CrowdSpirit: confirm your new email address")
    assert stored(old) is not None  # nothing changes before the link is opened
    link = emailed_path(body, "/email/change/")
    anonymous = fresh(client.application.test_client())
    assert "Use this address" in anonymous.get(link).text and stored(old) is not None
    assert fresh(anonymous).post(link).status_code == 303
    assert stored("grace@new.example").id == member.id and stored(old) is None
    announce = smtp_mailbox()[1]
    assert announce[0] == old and "is now grace@new.example" in announce[2]
    assert fresh(anonymous).post(link).status_code == 400
    assert refused_links() == [("change-email", "already used")]
    assert anonymous.post("/login", data={"email": old, "password": PASSWORD}).status_code == 422
    assert anonymous.post("/login", data={"email": "grace@new.example", "password": PASSWORD}).status_code == 303


def test_administrators_read_refused_links_in_the_platform_log(client, login_as, make_user):
    """The platform's audit log lists the refused links to administrators, newest first, and their header links to
    it; to others it does not exist, and their header does not name it."""
    assert client.post("/email/verify/nonsense").status_code == 400
    login_as(make_user())
    assert client.get("/admin/audit").status_code == 404
    assert 'href="/admin/audit"' not in fresh(client).get("/").text
    login_as(make_user(admin=True))
    assert 'href="/admin/audit"' in fresh(client).get("/").text
    page = fresh(client).get("/admin/audit").text
    assert "Platform audit log" in page
    assert "<code>link.refused</code>" in page and "forged or expired" in page
