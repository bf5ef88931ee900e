"""Notices of partner R&D and of the specification, driven over HTTP: offers of partnership reach the idea's author
and the project's managers, a selection the sponsor's team, an acceptance the author and managers; an invitation into
a workspace names no more than the invitee may see (in the app and in its email at once); milestones due in two days
reach the workspace's participants once; amendments proposed reach the spec's editors, and their fate their author
with the editor's reason. Nobody else reads them, and who loses access loses them."""

import html
from datetime import timedelta

import pytest
from conftest import OFFER
from sqlalchemy import select

from crowdspirit.extensions import db
from crowdspirit.notifications.models import Notification
from crowdspirit.pipeline.models import Stage
from crowdspirit.projects import nda
from crowdspirit.projects import services as projects
from crowdspirit.rnd.models import Interest, Milestone
from crowdspirit.specs import services as specs
from crowdspirit.specs.models import SECTIONS, Amendment

READY = {**{name: f"The {name}" for name in SECTIONS}, "open_questions": "- [x] Settled"}
CONFIDENTIAL = {f"policy_{stage}": "confidential" for stage in ("idea", "vote", "spec", "partner_rnd")}


def notifications_page(client, login_as, user) -> str:
    """The user's notifications page as they read it (entities decoded)."""
    login_as(user)
    return html.unescape(client.get("/notifications").text)


def told(kind: str) -> set[int]:
    """The ids of the members who received a notification of this kind."""
    return set(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


@pytest.fixture
def world(make_user, make_org, make_project, make_idea, add_member):
    """A self-carried project ("Quiet lab", open to all, no NDA) with a ready spec idea by Ann; its owner, a
    moderator and a contributor; two members of Helios and one of Veloce (sponsors); an outsider."""
    helios, veloce = make_org("Helios Audio"), make_org("Veloce Mobility")
    owner = make_user(name="Olga Owner")
    project = make_project(owner=owner, title="Quiet lab", spec_approvals_needed=0)
    people = {"owner": owner, "author": make_user(name="Ann Author"), "moderator": make_user(name="Mo Moderator"),
              "member": make_user(name="Max Member"), "outsider": make_user(name="Otto Outsider"),
              "hana": make_user(name="Hana Helios", organisation=helios),
              "hugo": make_user(name="Hugo Helios", organisation=helios),
              "victor": make_user(name="Victor Veloce", organisation=veloce)}
    add_member(project, people["author"])
    add_member(project, people["moderator"], "moderator")
    add_member(project, people["member"])
    idea = make_idea(project=project, author=people["author"], title="Modular speaker", stage=Stage.SPEC)
    specs.save_revision(idea, people["author"], 1, "ready", **READY)
    return {**people, "project": project, "idea": idea}


def offer(client, login_as, idea, sponsor) -> Interest:
    """The sponsor offers a partnership through the partners page; returns its interest."""
    login_as(sponsor)
    assert client.post(f"/ideas/{idea.id}/partners", data=OFFER).status_code == 303
    return db.session.scalar(select(Interest).where(Interest.idea_id == idea.id,
                                                    Interest.organisation_id == sponsor.organisation_id))


def partnered(w, take_into_rnd) -> None:
    """The world's idea taken into R&D with Helios (Hana offers, Ann selects, Hana accepts with a message)."""
    assert take_into_rnd(w["idea"], w["hana"], w["author"], message="Let us build it").status_code == 303


def invite(client, login_as, w, who) -> None:
    """Hana invites a member into the workspace by their name."""
    login_as(w["hana"])
    response = client.post(f"/ideas/{w['idea'].id}/workspace/members", data={"who": who.display_name})
    assert response.status_code == 303, response.text[-600:]


# --- Offers, selection, acceptance ---------------------------------------------------------------
def test_an_offer_is_told_to_the_author_and_the_project_managers(client, login_as, world):
    """Hana's offer reaches Ann (the idea's author), Olga (the owner) and Mo (a moderator), with her pitch; not the
    contributor, an outsider, her own teammate or another sponsor, and not Hana herself."""
    w = world
    offer(client, login_as, w["idea"], w["hana"])
    assert told("rnd.offer") == {w["author"].id, w["owner"].id, w["moderator"].id}
    for who in ("author", "owner", "moderator"):
        page = notifications_page(client, login_as, w[who])
        assert "Hana Helios offered a partnership on “Modular speaker”" in page, who
        assert OFFER["pitch"] in page
    for who in ("member", "outsider", "hugo", "victor", "hana"):
        assert "offered a partnership" not in notifications_page(client, login_as, w[who]), who


def test_a_selection_is_told_to_the_sponsors_team_and_leads_to_the_offers(client, login_as, world):
    """Ann selects Helios among two offers: Hana and Hugo (Helios) are told to answer, Veloce and the choosers are
    not; opening the notification leads to the idea's offers."""
    w = world
    helios = offer(client, login_as, w["idea"], w["hana"])
    offer(client, login_as, w["idea"], w["victor"])
    login_as(w["author"])
    assert client.post(f"/interests/{helios.id}/select").status_code == 303
    assert told("rnd.selected") == {w["hana"].id, w["hugo"].id}
    for who in ("hana", "hugo"):
        page = notifications_page(client, login_as, w[who])
        assert "Ann Author chose your organisation's offer on “Modular speaker”: accept or decline it" in page, who
    for who in ("victor", "author", "owner", "moderator", "member"):
        assert "chose your organisation's offer" not in notifications_page(client, login_as, w[who]), who
    notifications_page(client, login_as, w["hugo"])
    notification = db.session.scalar(select(Notification).where(Notification.kind == "rnd.selected",
                                                                 Notification.user_id == w["hugo"].id))
    opened = client.post(f"/notifications/{notification.id}/open")
    assert opened.status_code == 303 and opened.location.endswith(f"/ideas/{w['idea'].id}/partners")
    assert client.get(opened.location).status_code == 200


def test_an_acceptance_is_told_to_the_author_and_the_project_managers(client, login_as, world, take_into_rnd):
    """Hana accepts the selection with a message: Ann, Olga and Mo read it (the idea is now in partner R&D); the
    contributor, Hugo and Hana do not."""
    w = world
    partnered(w, take_into_rnd)
    assert told("rnd.accepted") == {w["author"].id, w["owner"].id, w["moderator"].id}
    for who in ("author", "owner", "moderator"):
        page = notifications_page(client, login_as, w[who])
        assert "Hana Helios accepted the partnership on “Modular speaker”: it moves to partner R&D" in page, who
        assert "Let us build it" in page
    for who in ("member", "hugo", "hana", "outsider"):
        assert "accepted the partnership" not in notifications_page(client, login_as, w[who]), who


def test_an_offer_is_not_told_to_a_manager_who_may_not_see_the_idea(client, login_as, make_user, make_org,
                                                                     make_project, make_idea, add_member):
    """In a project Helios sponsors, whose specifications are confidential under an NDA: Hana's offer reaches the
    owner and the author, who accepted the NDA, not the moderator who did not (checked at delivery)."""
    helios = make_org("Helios Audio")
    owner = make_user(name="Olga Owner", organisation=helios)
    project = make_project(owner=owner, title="Quiet lab", kind="sponsored", policy_spec="confidential")
    author, moderator = make_user(name="Ann Author"), make_user(name="Mo Moderator")
    add_member(project, author)
    add_member(project, moderator, "moderator")
    idea = make_idea(project=project, author=author, title="Modular speaker", stage=Stage.SPEC)
    nda.publish(project, owner, "Keep it to yourself.")
    nda.accept(project, author, 1)
    offer(client, login_as, idea, make_user(name="Hana Helios", organisation=helios))
    assert told("rnd.offer") == {owner.id, author.id}
    assert "Modular speaker" not in notifications_page(client, login_as, moderator)


def test_a_notice_of_an_offer_goes_with_the_idea_out_of_sight(client, login_as, world, take_into_rnd):
    """The project closes its stages under an NDA after the partnership: the moderator, who has not accepted it,
    loses the offer's and the acceptance's notices (the owner, bound by right, keeps them)."""
    w = world
    partnered(w, take_into_rnd)
    assert "Modular speaker" in notifications_page(client, login_as, w["moderator"])
    nda.publish(w["project"], w["owner"], "Keep it to yourself.")
    projects.update_settings(w["project"], w["owner"], **CONFIDENTIAL)
    page = notifications_page(client, login_as, w["moderator"])
    assert "Modular speaker" not in page and "offered a partnership" not in page and "accepted the" not in page
    page = notifications_page(client, login_as, w["owner"])
    assert "offered a partnership on “Modular speaker”" in page and "accepted the partnership" in page


# --- Workspace invitations -----------------------------------------------------------------------
@pytest.fixture
def closed(world, take_into_rnd):
    """The world's idea in R&D with Helios, then every stage of the project confidential under an NDA nobody but
    the owner is bound by."""
    w = world
    partnered(w, take_into_rnd)
    nda.publish(w["project"], w["owner"], "Keep it to yourself.")
    projects.update_settings(w["project"], w["owner"], **CONFIDENTIAL)
    return w


def test_an_invitation_names_only_what_the_invitee_may_see(client, login_as, closed, add_member):
    """Otto, outside the closed project, is told of his invitation by the partner's name alone (neither the idea's
    nor the project's title), kept for him alone; once he joins and accepts the NDA, it names the idea and leads
    into the workspace. Nobody else is told."""
    w = closed
    invite(client, login_as, w, w["outsider"])
    assert told("rnd.invited") == {w["outsider"].id}
    stored = db.session.scalar(select(Notification).where(Notification.kind == "rnd.invited"))
    assert (stored.project_id, stored.idea_id, stored.thread_id) == (None, None, None)
    page = notifications_page(client, login_as, w["outsider"])
    assert "Hana Helios invited you into the R&D workspace of “Helios Audio”" in page
    assert "Modular speaker" not in page and "Quiet lab" not in page
    add_member(w["project"], w["outsider"])
    nda.accept(w["project"], w["outsider"], 1)
    page = notifications_page(client, login_as, w["outsider"])
    assert "Hana Helios invited you into the R&D workspace of “Modular speaker”" in page
    opened = client.post(f"/notifications/{stored.id}/open")
    assert opened.status_code == 303 and opened.location.endswith(f"/ideas/{w['idea'].id}/workspace")
    assert client.get(opened.location).status_code == 200
    for who in ("hana", "hugo", "author", "owner", "member"):
        assert "invited you" not in notifications_page(client, login_as, w[who]), who


def test_an_invitation_is_kept_by_the_project_while_the_invitee_sees_it(client, login_as, closed):
    """Max, a member who has not accepted the NDA, sees the project but not the idea: his invitation names the
    project, kept by it; removed from the project, he no longer sees the project and loses the notice."""
    w = closed
    invite(client, login_as, w, w["member"])
    stored = db.session.scalar(select(Notification).where(Notification.kind == "rnd.invited"))
    assert stored.project_id == w["project"].id
    page = notifications_page(client, login_as, w["member"])
    assert "Hana Helios invited you into the R&D workspace of “Quiet lab”" in page and "Modular speaker" not in page
    login_as(w["owner"])
    assert client.post(f"/projects/{w['project'].slug}/members/{w['member'].id}/remove").status_code == 303
    page = notifications_page(client, login_as, w["member"])
    assert "invited you" not in page and "Quiet lab" not in page


def test_an_invitation_is_emailed_at_once_without_the_confidential_title(client, login_as, closed, smtp_mailbox):
    """An invitation is a notice sent by email at once: Otto's reaches the SMTP server with the partner's name and
    the workspace's address in both parts, never the idea's or the project's title."""
    w = closed
    invite(client, login_as, w, w["outsider"])
    [message] = [m for m in smtp_mailbox.messages if m["To"] == w["outsider"].email]
    assert message["Subject"] == "CrowdSpirit: Hana Helios invited you into the R&D workspace of “Helios Audio”"
    assert message["List-Unsubscribe"].startswith("<https://crowdspirit.example/unsubscribe/")  # one piece
    text, page = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
    assert "Hana Helios invited you into the R&D workspace of “Helios Audio”" in text
    assert f"https://crowdspirit.example/ideas/{w['idea'].id}/workspace" in text
    assert "Helios Audio" in html.unescape(page) and f"/ideas/{w['idea'].id}/workspace" in page
    for part in (text, page, message["Subject"]):
        assert "Modular speaker" not in part and "Quiet lab" not in part


# --- Milestones ------------------------------------------------------------------------------------
def plan(client, login_as, w, title: str, due) -> Milestone:
    """Ann plans a milestone owned by Hana, due on that date."""
    login_as(w["author"])
    response = client.post(f"/ideas/{w['idea'].id}/workspace/milestones",
                           data={"title": title, "owner_id": str(w["hana"].id), "due_on": due.isoformat()})
    assert response.status_code == 303, response.text[-600:]
    return db.session.scalar(select(Milestone).where(Milestone.title == title))


def remind(app) -> str:
    return app.test_cli_runner().invoke(args=["crowdspirit", "remind-milestones"]).output


def test_milestones_due_in_two_days_are_told_once_to_the_participants(app, client, login_as, world, take_into_rnd,
                                                                      clock):
    """The daily pass tells the workspace's participants (Helios's team, Ann, and Max invited) of the milestone due
    in two days, once however often it runs, and not of the one due later (until its turn comes) nor of the one
    done; the owner and an outsider hear nothing. Max, taken out of the workspace, loses the notice."""
    w = world
    partnered(w, take_into_rnd)
    invite(client, login_as, w, w["member"])
    today = clock.now().date()
    plan(client, login_as, w, "Prototype", today + timedelta(days=2))
    plan(client, login_as, w, "Tooling", today + timedelta(days=5))
    done = plan(client, login_as, w, "Sketches", today + timedelta(days=1))
    assert client.post(f"/milestones/{done.id}/complete").status_code == 303
    assert "1 milestone(s) due soon" in remind(app)
    assert "0 milestone(s) due soon" in remind(app)
    participants = {w[who].id for who in ("hana", "hugo", "author", "member")}
    assert told("rnd.milestone") == participants
    assert len(db.session.scalars(select(Notification).where(Notification.kind == "rnd.milestone")).all()) == 4
    for who in ("hana", "hugo", "author", "member"):
        page = notifications_page(client, login_as, w[who])
        assert "A milestone of your R&D workspace is due soon: “Prototype”, due on" in page, who
        assert "Tooling" not in page and "Sketches" not in page
    for who in ("owner", "outsider", "victor"):
        assert "milestone" not in notifications_page(client, login_as, w[who]).lower(), who
    clock.advance(days=3)
    assert "1 milestone(s) due soon" in remind(app)
    assert "“Tooling”, due on" in notifications_page(client, login_as, w["author"])
    login_as(w["hana"])
    assert client.post(f"/ideas/{w['idea'].id}/workspace/members/{w['member'].id}/remove").status_code == 303
    assert "Prototype" not in notifications_page(client, login_as, w["member"])


def test_a_participant_not_bound_by_the_nda_is_not_told_of_milestones(app, client, login_as, world,
                                                                       take_into_rnd, clock):
    """Under a new NDA that Ann accepted and Max did not, only Ann (and Helios's team) hear of the milestone due."""
    w = world
    partnered(w, take_into_rnd)
    invite(client, login_as, w, w["member"])
    nda.publish(w["project"], w["owner"], "Keep it to yourself.")
    nda.accept(w["project"], w["author"], 1)
    plan(client, login_as, w, "Prototype", clock.now().date() + timedelta(days=1))
    assert "1 milestone(s) due soon" in remind(app)
    assert told("rnd.milestone") == {w["hana"].id, w["hugo"].id, w["author"].id}
    assert "Prototype" not in notifications_page(client, login_as, w["member"])


# --- Amendments ------------------------------------------------------------------------------------
@pytest.fixture
def spec_world(make_user, make_org, make_project, make_idea, add_member):
    """A project sponsored by Helios (Olga, its owner, and Sam of Helios), with a moderator, two contributors (Max
    amends) and an outsider; an idea by Ann in the specification stage."""
    helios = make_org("Helios Audio")
    owner = make_user(name="Olga Owner", organisation=helios)
    project = make_project(owner=owner, title="Quiet lab", kind="sponsored")
    people = {"owner": owner, "sponsor": make_user(name="Sam Sponsor", organisation=helios),
              "author": make_user(name="Ann Author"), "moderator": make_user(name="Mo Moderator"),
              "member": make_user(name="Max Member"), "other": make_user(name="Mia Member"),
              "outsider": make_user(name="Otto Outsider")}
    add_member(project, people["author"])
    add_member(project, people["moderator"], "moderator")
    add_member(project, people["member"])
    add_member(project, people["other"])
    idea = make_idea(project=project, author=people["author"], title="Solar lamp", stage=Stage.SPEC)
    return {**people, "project": project, "idea": idea}


def amend(client, login_as, w, text: str, reason: str) -> Amendment:
    """Max proposes new text for the target users, with a reason."""
    login_as(w["member"])
    response = client.post(f"/ideas/{w['idea'].id}/spec/amendments/new",
                           data={"section": "target_users", "text": text, "reason": reason})
    assert response.status_code == 303, response.text[-600:]
    return db.session.scalar(select(Amendment).where(Amendment.text == text))


def test_an_amendment_is_told_to_the_specs_editors(client, login_as, spec_world):
    """Max's amendment reaches the spec's editors (Ann, Olga, Mo and Sam of the sponsor) with his reason, and leads
    to the spec's amendments; the other contributor and the outsider are not told, nor Max himself."""
    w = spec_world
    amend(client, login_as, w, "Cyclists and runners", "Runners too")
    assert told("amendment.proposed") == {w[who].id for who in ("author", "owner", "moderator", "sponsor")}
    for who in ("author", "owner", "moderator", "sponsor"):
        page = notifications_page(client, login_as, w[who])
        assert ("Max Member proposed an amendment to the section “Target users” of the specification of "
                "“Solar lamp”") in page, who
        assert "Runners too" in page
    for who in ("other", "outsider", "member"):
        assert "proposed an amendment" not in notifications_page(client, login_as, w[who]), who
    notifications_page(client, login_as, w["sponsor"])
    notification = db.session.scalar(select(Notification).where(Notification.kind == "amendment.proposed",
                                                                 Notification.user_id == w["sponsor"].id))
    opened = client.post(f"/notifications/{notification.id}/open")
    assert opened.status_code == 303 and opened.location.endswith(f"/ideas/{w['idea'].id}/spec#amendments")


def test_amendments_decided_are_told_to_their_author_with_the_reason(client, login_as, spec_world):
    """Ann refuses one of Max's amendments with a reason and accepts the other with one: Max reads both decisions
    and both reasons; nobody else is told."""
    w = spec_world
    refused = amend(client, login_as, w, "Everyone", "Wider market")
    accepted = amend(client, login_as, w, "Urban cyclists", "Our survey")
    login_as(w["author"])
    base = f"/ideas/{w['idea'].id}/spec/amendments"
    assert client.post(f"{base}/{refused.id}/reject", data={"reason": "Too vague to design for"}).status_code == 303
    assert client.post(f"{base}/{accepted.id}/accept", data={"reason": "The survey convinced me"}).status_code == 303
    assert told("amendment.decided") == {w["member"].id}
    page = notifications_page(client, login_as, w["member"])
    rejected_at = page.index("Your amendment to the specification of “Solar lamp” was rejected by Ann Author")
    accepted_at = page.index("Your amendment to the specification of “Solar lamp” was accepted by Ann Author")
    assert accepted_at < page.index("The survey convinced me") < rejected_at < page.index("Too vague to design for")
    for who in ("author", "owner", "moderator", "sponsor", "other", "outsider"):
        assert "Your amendment" not in notifications_page(client, login_as, w[who]), who


def test_an_author_who_leaves_a_closed_spec_loses_its_notices(client, login_as, spec_world):
    """The spec is open to the project's members only: Max, told that his amendment was refused, leaves the project
    and loses the notice; an amendment refused by then is not delivered to him at all."""
    w = spec_world
    projects.update_settings(w["project"], w["owner"], policy_spec="project")
    first = amend(client, login_as, w, "Everyone", "Wider market")
    second = amend(client, login_as, w, "Nobody", "A test")
    login_as(w["author"])
    base = f"/ideas/{w['idea'].id}/spec/amendments"
    assert client.post(f"{base}/{first.id}/reject", data={"reason": "Too vague"}).status_code == 303
    assert "was rejected by Ann Author" in notifications_page(client, login_as, w["member"])
    assert client.post(f"/projects/{w['project'].slug}/leave").status_code == 303
    page = notifications_page(client, login_as, w["member"])
    assert "Solar lamp" not in page and "Too vague" not in page
    specs.decide_amendment(w["idea"], second, w["author"], False, "Not needed")
    assert db.session.scalar(select(Notification.id).where(Notification.note == "Not needed")) is None


def test_what_asks_for_an_answer_is_emailed_at_once(app):
    """Offers, selections and invitations wait for someone's answer: emailed at once; the rest comes in the daily
    digest."""
    from crowdspirit import notices

    names = ("rnd.offer", "rnd.selected", "rnd.accepted", "rnd.invited", "rnd.milestone", "amendment.proposed",
             "amendment.decided")
    assert {name: notices.KINDS[name].default for name in names} == {
        "rnd.offer": "now", "rnd.selected": "now", "rnd.accepted": "daily", "rnd.invited": "now",
        "rnd.milestone": "daily", "amendment.proposed": "daily", "amendment.decided": "daily"}
