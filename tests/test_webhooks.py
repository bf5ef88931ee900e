"""Webhooks against a real HTTP receiver: signed, retried, replayable, never carrying what the owner may not see."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import OFFER
from sqlalchemy import func, select, update
from test_api import READY

from crowdspirit import access, notices
from crowdspirit.api import webhooks
from crowdspirit.api.models import Webhook, WebhookDelivery
from crowdspirit.database import utcnow
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.pipeline import services as pipeline
from crowdspirit.pipeline.models import Stage
from crowdspirit.rnd import services as rnd
from crowdspirit.specs import services as specs

SECRET_WORD = "Vorticelle"


class Receiver:
    """A local HTTP server that records what it receives and answers with the statuses it is given."""

    def __init__(self):
        self.calls, self.statuses = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((self.headers, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payloads(self):
        return [json.loads(body) for _, body in self.calls]


@pytest.fixture
def receiver(app):
    app.config["WEBHOOKS_ALLOW_INSECURE"] = True  # the receiver is plain http on 127.0.0.1
    server = Receiver()
    yield server
    server.server.shutdown()


def make_due():
    """Let every waiting delivery's backoff elapse (instead of sleeping through it)."""
    db.session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_the_settings_page_registers_a_hook_and_shows_its_secret_once(client, login_as, make_user, make_project,
                                                                     receiver):
    owner = make_user()
    project = make_project(owner=owner, title="Kite lab")
    login_as(owner)
    page = client.post("/settings/webhooks", data={"target": f"project:{project.id}", "url": receiver.url,
                                                   "events": ["idea.created", "post.created"]})
    html = page.get_data(as_text=True)
    hook = db.session.scalar(select(Webhook))
    assert page.status_code == 200 and hook.secret in html and hook.event_list == ["idea.created", "post.created"]
    assert hook.secret not in client.get("/settings/webhooks").get_data(as_text=True)


@pytest.mark.parametrize("url, message", [
    ("ftp://example.org/hook", "must start with https://"),
    ("https://", "has no host name"),
    ("https://no-such-host.invalid/hook", "does not resolve"),
    ("https://127.0.0.1/hook", "private network"),
])
def test_bad_addresses_are_refused_with_a_reason(client, login_as, make_user, make_project, url, message):
    owner = make_user()
    project = make_project(owner=owner)
    login_as(owner)
    page = client.post("/settings/webhooks", data={"target": f"project:{project.id}", "url": url,
                                                   "events": ["idea.created"]})
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    assert db.session.scalar(select(Webhook)) is None


def test_deliveries_are_signed_and_carry_the_event(app, make_user, make_project, make_idea, receiver):
    owner = make_user()
    project = make_project(owner=owner, title="Kite lab")
    hook, secret = webhooks.register(owner, project, receiver.url, list(webhooks.EVENTS))
    idea = make_idea(project=project, title="Foil kite")
    forum.add_post(forum.thread_of_idea(idea), owner, "Which fabric?")
    pipeline._move(idea, Stage.VOTE, owner, "ready")
    assert webhooks.deliver_due() == 3
    assert [p["event"] for p in receiver.payloads()] == ["idea.created", "post.created", "idea.stage_changed"]
    assert receiver.payloads()[0]["idea"]["title"] == "Foil kite" and receiver.payloads()[2]["to"] == "vote"
    headers, body = receiver.calls[0]
    timestamp, signature = (part.split("=", 1)[1] for part in headers["CrowdSpirit-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected) and headers["CrowdSpirit-Event"] == "idea.created"
    statuses = [d.status for d in db.session.scalars(select(WebhookDelivery))]
    assert statuses == ["delivered"] * 3


def test_failures_are_retried_with_backoff_then_given_up_and_replayable(app, client, login_as, make_user,
                                                                        make_project, make_idea, receiver):
    owner = make_user()
    project = make_project(owner=owner)
    webhooks.register(owner, project, receiver.url, ["idea.created"])
    receiver.statuses = [500, 503]
    make_idea(project=project, title="Wing")
    assert webhooks.deliver_due() == 1 and webhooks.deliver_due() == 0  # waits for its backoff
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_status == 500
    assert delivery.next_attempt_at > utcnow() + timedelta(seconds=20)
    make_due()
    webhooks.deliver_due()
    make_due()
    webhooks.deliver_due()
    db.session.refresh(delivery)
    assert delivery.status == "delivered" and delivery.attempts == 3 and len(receiver.calls) == 3
    receiver.statuses = [500] * 10
    login_as(owner)
    client.post(f"/settings/webhooks/deliveries/{delivery.id}/replay")
    for _ in range(len(webhooks.BACKOFF) + 1):
        make_due()
        webhooks.deliver_due()
    replayed = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()[-1]
    assert replayed.status == "failed" and replayed.attempts == len(webhooks.BACKOFF) + 1
    assert "failed" in client.get("/settings/webhooks").get_data(as_text=True)


def test_hooks_never_receive_what_their_owner_may_not_see(app, make_user, make_org, make_project, make_idea,
                                                          add_member, receiver):
    org = make_org()
    sponsor, owner = make_user(organisation=org), make_user(organisation=org)
    project = make_project(owner=owner, kind="sponsored", policy_spec="confidential")
    webhooks.register(sponsor, org, receiver.url, ["idea.stage_changed", "post.created"])
    contributor = make_user()
    add_member(project, contributor)
    idea = make_idea(project=project, title=f"{SECRET_WORD} speaker", stage=Stage.SPEC)
    forum.add_post(forum.thread_of_idea(idea), contributor, f"{SECRET_WORD} notes")
    webhooks.deliver_due()
    sponsor_saw = json.dumps(receiver.payloads())
    assert SECRET_WORD in sponsor_saw  # the sponsor's team sees confidential stages
    receiver.calls.clear()
    sponsor.organisation_id = None  # who registered it left the organisation: its hook now sees nothing
    db.session.commit()
    forum.add_post(forum.thread_of_idea(idea), contributor, f"More {SECRET_WORD} notes")
    webhooks.deliver_due()
    assert receiver.calls == []


def test_other_organisations_and_former_owners_hear_nothing(app, make_user, make_org, make_project, make_idea,
                                                            receiver):
    helios, rival = make_org("Helios"), make_org("Rival")
    owner, spy = make_user(organisation=helios), make_user(organisation=rival)
    project = make_project(owner=owner, kind="sponsored")
    webhooks.register(spy, rival, receiver.url, list(webhooks.EVENTS))
    webhooks.register(owner, project, receiver.url, ["idea.created"])
    project.owner_id = make_user().id  # the project changed hands: its former owner's hook falls silent
    db.session.commit()
    make_idea(project=project, title=f"{SECRET_WORD} lamp")
    assert webhooks.deliver_due() == 0 and receiver.calls == []


def test_redirects_are_not_followed_and_broken_answers_count_as_failed_attempts(app, make_user, make_project,
                                                                                 make_idea, receiver):
    inside = Receiver()  # stands for a server of our own network that a redirect would reach
    owner = make_user()
    project = make_project(owner=owner)
    webhooks.register(owner, project, receiver.url, ["idea.created"])
    receiver.statuses = [302]
    make_idea(project=project, title="Lamp")
    assert webhooks.deliver_due() == 1
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.last_status == 302 and delivery.status == "pending" and inside.calls == []
    db.session.execute(update(Webhook).values(url="http://127.0.0.1:9/a b"))  # bypassing the form's checks
    db.session.commit()
    make_due()
    assert webhooks.deliver_due() == 1  # no exception escapes: the attempt is counted
    db.session.refresh(delivery)
    assert delivery.attempts == 2 and "spaces" in delivery.last_error
    inside.server.shutdown()


def test_payload_links_come_from_site_url_not_the_request(app, client, make_user, make_project, receiver):
    app.config["SITE_URL"] = "https://crowdspirit.example"
    owner = make_user()
    project = make_project(owner=owner)
    webhooks.register(owner, project, receiver.url, ["idea.created"])
    from crowdspirit.api import tokens
    plain = tokens.create_token(make_user(), "bot", True, 30)[1]
    client.post(f"/api/v1/projects/{project.slug}/ideas", headers={"Authorization": f"Bearer {plain}",
                                                                   "Host": "evil.example"},
                json={"title": "Phishing bait", "summary": "No."})
    webhooks.deliver_due()
    assert receiver.payloads()[0]["idea"]["url"].startswith("https://crowdspirit.example/ideas/")


def test_retries_and_replays_stop_once_the_hooks_owner_lost_access(app, client, login_as, make_user, make_org,
                                                                     make_project, make_idea, receiver):
    org = make_org()
    sponsor = make_user(organisation=org)
    project = make_project(owner=make_user(organisation=org), kind="sponsored")
    webhooks.register(sponsor, org, receiver.url, ["idea.created"])
    receiver.statuses = [500]
    make_idea(project=project)
    webhooks.deliver_due()
    sponsor.organisation_id = None
    db.session.commit()
    make_due()
    webhooks.deliver_due()
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status == "failed" and "no longer" in delivery.last_error and len(receiver.calls) == 1
    colleague = make_user(organisation=org)
    login_as(colleague)
    assert client.post(f"/settings/webhooks/deliveries/{delivery.id}/replay").status_code == 409


# --- Every kind of notice ------------------------------------------------------------------------------
def test_the_settings_page_offers_every_notice_kind_and_hooks_hear_kinds_of_two_domains(
        app, client, login_as, make_user, make_org, make_project, make_idea, receiver):
    """The rnd domain's offers (told with `tell`) and the notifications domain's stage moves reach the hook."""
    app.config["SITE_URL"] = "https://crowdspirit.example"
    owner, author = make_user(), make_user(name="Ann Author")
    sponsor = make_user(name="Hana Helios", organisation=make_org("Helios Audio"))
    project = make_project(owner=owner, title="Kite lab", spec_approvals_needed=0)
    login_as(owner)
    page = client.get("/settings/webhooks").get_data(as_text=True)
    assert all(f'value="{name}"' in page for name in [*webhooks.EVENTS, *notices.KINDS])
    client.post("/settings/webhooks", data={"target": f"project:{project.id}", "url": receiver.url,
                                            "events": ["stage", "rnd.offer"]})
    idea = make_idea(project=project, author=author, title="Foil kite", stage=Stage.SPEC)
    specs.save_revision(idea, author, 1, "ready", **READY)
    login_as(sponsor)
    assert client.post(f"/ideas/{idea.id}/partners", data=OFFER).status_code == 303
    assert webhooks.deliver_due() == 3
    payloads = receiver.payloads()
    assert [p["event"] for p in payloads] == ["stage", "stage", "rnd.offer"]
    assert [p["detail"] for p in payloads[:2]] == ["vote", "spec"]
    assert payloads[0]["subject"] == {"type": "Idea", "id": idea.id, "title": "Foil kite",
                                      "url": f"https://crowdspirit.example/ideas/{idea.id}"}
    offer = payloads[2]
    assert offer["actor"] == "Hana Helios" and offer["subject"]["title"] == "Foil kite"
    assert offer["subject"]["url"] == f"https://crowdspirit.example/ideas/{idea.id}/partners"
    assert receiver.calls[2][0]["CrowdSpirit-Event"] == "rnd.offer"


def test_an_owner_who_may_not_see_a_confidential_event_hears_nothing_of_it(
        client, login_as, make_user, make_org, make_project, make_idea, take_into_rnd, receiver):
    """The project's owner does not work in its ideas' R&D workspaces: a milestone's notice reaches the partner's
    hook, never the owner's, though it listens to every event of the project."""
    helios = make_org("Helios Audio")
    owner, author, partner = make_user(), make_user(), make_user(name="Hana Helios", organisation=helios)
    project = make_project(owner=owner, spec_approvals_needed=0)
    idea = make_idea(project=project, author=author, title="Modular speaker", stage=Stage.SPEC)
    specs.save_revision(idea, author, 1, "ready", **READY)
    owners = Receiver()
    webhooks.register(owner, project, owners.url, list(webhooks.event_names()))
    webhooks.register(partner, helios, receiver.url, ["rnd.milestone"])
    assert take_into_rnd(idea, partner, author).status_code == 303
    login_as(partner)
    due = (utcnow() + timedelta(days=1)).date().isoformat()
    assert client.post(f"/ideas/{idea.id}/workspace/milestones", data={
        "title": f"{SECRET_WORD} prototype", "owner_id": str(partner.id), "due_on": due}).status_code == 303
    rnd.remind_due_milestones()
    webhooks.deliver_due()
    assert [p["event"] for p in receiver.payloads()] == ["rnd.milestone"]
    assert SECRET_WORD in receiver.payloads()[0]["subject"]["title"]
    assert owners.calls and SECRET_WORD not in json.dumps(owners.payloads())
    assert "rnd.milestone" not in {p["event"] for p in owners.payloads()}
    owners.server.shutdown()


def test_a_notice_queued_is_not_sent_once_the_hooks_owner_may_no_longer_see_it(
        app, make_user, make_org, make_project, make_idea, receiver):
    """A sponsor's team sees its confidential stages; once the organisation no longer sponsors the project, its
    hook's waiting deliveries fail instead of carrying the secret."""
    org = make_org()
    sponsor = make_user(organisation=org)
    project = make_project(owner=make_user(organisation=org), kind="sponsored", policy_spec="confidential")
    webhooks.register(sponsor, org, receiver.url, ["stage"])
    author = make_user()
    make_idea(project=project, author=author, title=f"{SECRET_WORD} speaker", stage=Stage.SPEC)
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 2
    project.organisation_id = None
    access.changed(project.id, "test: the sponsor left")
    db.session.commit()
    assert webhooks.deliver_due() == 2
    outcomes = [(d.status, d.last_error) for d in db.session.scalars(select(WebhookDelivery))]
    assert outcomes == [("failed", str(webhooks.UNSEEN))] * 2  # the idea now stands in its confidential stage
    assert receiver.calls == []
