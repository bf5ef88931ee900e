"""Partner R&D: scouting, interest -> selection -> partnership, the workspace and its work, public status updates."""

import io
from datetime import date

import pytest
from conftest import OFFER
from flask import g
from sqlalchemy import func, select

from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.pipeline.models import Stage, StageTransition
from crowdspirit.projects import nda
from crowdspirit.rnd import services as rnd
from crowdspirit.rnd.models import (
    Decision,
    DocumentVersion,
    Interest,
    Milestone,
    Partnership,
    StatusUpdate,
    Task,
    WorkspaceMember,
)
from crowdspirit.search import indexer
from crowdspirit.specs import services as specs
from crowdspirit.specs.models import SECTIONS

READY = {**{name: f"The {name}" for name in SECTIONS}, "open_questions": "- [x] Settled"}
PDF = b"%PDF-1.4 schematics"


@pytest.fixture
def rnd_world(make_user, make_org, make_project, make_idea, add_member):
    """A self-carried project open to all (no NDA) with a ready spec idea; two sponsors; a moderator; members."""
    helios, veloce = make_org("Helios Audio"), make_org("Veloce Mobility")
    owner = make_user(name="Olga Owner")
    project = make_project(owner=owner, spec_approvals_needed=0)
    author, moderator, member = make_user(name="Ann Author"), make_user(name="Mo Moderator"), make_user(name="Max")
    add_member(project, author)
    add_member(project, moderator, "moderator")
    add_member(project, member)
    idea = make_idea(project=project, author=author, title="Modular speaker", stage=Stage.SPEC)
    specs.save_revision(idea, author, 1, "ready", **READY)
    return {"project": project, "idea": idea, "owner": owner, "author": author, "moderator": moderator,
            "member": member, "outsider": make_user(name="Otto Outsider"),
            "helios": make_user(name="Hana Helios", organisation=helios),
            "veloce": make_user(name="Victor Veloce", organisation=veloce), "orgs": (helios, veloce)}


def text(response) -> str:
    return response.get_data(as_text=True)


def sign_out(client) -> None:
    g.pop("_login_user", None)
    with client.session_transaction() as session:
        session.clear()


def offer(client, login_as, idea, sponsor, **fields):
    login_as(sponsor)
    return client.post(f"/ideas/{idea.id}/partners", data={**OFFER, **fields})


def interest_of(idea, user) -> Interest:
    db.session.expire_all()
    return db.session.scalar(select(Interest).where(Interest.idea_id == idea.id,
                                                    Interest.organisation_id == user.organisation_id))


def partnered(w, take_into_rnd):
    """The world's idea taken into R&D with Helios; returns the partnership."""
    assert take_into_rnd(w["idea"], w["helios"], w["author"]).status_code == 303
    return rnd.partnership_of(w["idea"])


# --- Interest -> selection -> partnership --------------------------------------------------------
def test_two_offers_one_selection_and_the_partnership(client, login_as, rnd_world):
    w, idea = rnd_world, rnd_world["idea"]
    assert offer(client, login_as, idea, w["helios"], reward_pool="2500.50", ip_arrangement="licence",
                 terms="Tooling and **prototypes**").status_code == 303
    assert offer(client, login_as, idea, w["veloce"]).status_code == 303
    page = text(client.get(f"/ideas/{idea.id}/partners"))  # Veloce sees its own offer only
    assert "Veloce Mobility" in page and "Helios Audio" not in page
    login_as(w["author"])
    page = text(client.get(f"/ideas/{idea.id}/partners"))
    assert "Veloce Mobility" in page and "Helios Audio" in page and "€2,500.50" in page
    assert "<strong>prototypes</strong>" in page
    helios, veloce = interest_of(idea, w["helios"]), interest_of(idea, w["veloce"])
    assert client.post(f"/interests/{helios.id}/select").status_code == 303
    refused = client.post(f"/interests/{veloce.id}/select")
    assert refused.status_code == 409 and "Helios Audio is selected already" in text(refused)
    login_as(w["helios"])
    assert "Review and accept" in text(client.get(f"/ideas/{idea.id}/partners"))
    accepted = client.post(f"/interests/{helios.id}/accept", data={"message": "Let us build it"})
    assert accepted.status_code == 303 and accepted.location.endswith(f"/ideas/{idea.id}/workspace")
    db.session.expire_all()
    partnership = rnd.partnership_of(idea)
    assert (idea.stage, idea.partner_id) == (Stage.PARTNER_RND, helios.organisation_id)
    assert (partnership.terms, partnership.reward_pool_cents, partnership.currency, partnership.ip_arrangement) == (
        "Tooling and **prototypes**", 250050, "EUR", "licence")
    assert [i.status for i in (interest_of(idea, w["helios"]), interest_of(idea, w["veloce"]))] == [
        "accepted", "declined"]
    assert [m.user_id for m in partnership.members] == [w["author"].id]
    last = db.session.scalar(select(StageTransition).where(StageTransition.idea_id == idea.id)
                             .order_by(StageTransition.id.desc()).limit(1))
    assert (last.actor_id, last.to_stage, last.reason) == (w["helios"].id, "partner_rnd", "Let us build it")


@pytest.mark.parametrize("who, fields, status, message", [
    ("member", {}, 403, "Only sponsors&#39; R&amp;D teams express interest in ideas."),
    ("helios", {"pitch": ""}, 422, "This field is required."),
    ("helios", {"terms": " "}, 422, "This field is required."),
    ("helios", {"reward_pool": "-5"}, 422, "Number must be between 0"),
    ("helios", {"reward_pool": "lots"}, 422, "Not a valid decimal value"),
    ("helios", {"ip_arrangement": "mine"}, 422, "Not a valid choice"),
    ("helios", {"currency": "XXX"}, 422, "Not a valid choice"),
])
def test_bad_offers_are_refused_and_nothing_is_stored(client, login_as, rnd_world, who, fields, status, message):
    response = offer(client, login_as, rnd_world["idea"], rnd_world[who], **fields)
    assert response.status_code == status and message in text(response)
    assert db.session.scalar(select(func.count()).select_from(Interest)) == 0


def test_offers_need_an_idea_in_specification_and_come_once(client, login_as, rnd_world, make_idea):
    w = rnd_world
    voting = make_idea(project=w["project"], author=w["author"], stage=Stage.VOTE)
    refused = offer(client, login_as, voting, w["helios"])
    assert refused.status_code == 409 and "Only ideas in specification" in text(refused)
    assert offer(client, login_as, w["idea"], w["helios"]).status_code == 303
    again = offer(client, login_as, w["idea"], w["helios"], pitch="Again")
    assert again.status_code == 409 and "already offered" in text(again)
    assert interest_of(w["idea"], w["helios"]).pitch == OFFER["pitch"]


def test_a_fixed_rnd_partner_is_the_only_one_who_may_offer(client, login_as, rnd_world):
    w = rnd_world
    w["project"].rnd_partner_id = w["orgs"][1].id  # Veloce
    db.session.commit()
    refused = offer(client, login_as, w["idea"], w["helios"])
    assert refused.status_code == 409 and "Only Veloce Mobility may take" in text(refused)
    assert offer(client, login_as, w["idea"], w["veloce"]).status_code == 303


def test_decline_cancel_and_withdraw(client, login_as, rnd_world):
    w, idea = rnd_world, rnd_world["idea"]
    offer(client, login_as, idea, w["helios"])
    offer(client, login_as, idea, w["veloce"])
    helios, veloce = interest_of(idea, w["helios"]), interest_of(idea, w["veloce"])
    login_as(w["moderator"])  # a project moderator chooses too
    assert client.post(f"/interests/{helios.id}/select").status_code == 303
    assert client.post(f"/interests/{helios.id}/unselect").status_code == 303
    assert interest_of(idea, w["helios"]).status == "pending"
    assert client.post(f"/interests/{helios.id}/select").status_code == 303
    login_as(w["helios"])
    assert client.post(f"/interests/{helios.id}/decline").status_code == 303
    assert interest_of(idea, w["helios"]).status == "declined"
    assert client.post(f"/interests/{helios.id}/accept").status_code == 409  # too late
    login_as(w["veloce"])
    assert client.post(f"/interests/{veloce.id}/withdraw").status_code == 303
    login_as(w["author"])
    refused = client.post(f"/interests/{veloce.id}/select")
    assert refused.status_code == 409 and "no longer open" in text(refused)
    assert offer(client, login_as, idea, w["veloce"], pitch="We are back").status_code == 303  # offers again
    assert interest_of(idea, w["veloce"]).status == "pending"
    assert Stage(db.session.get(type(idea), idea.id).stage) == Stage.SPEC


# the crowd backs offers in this project (the community decides at gate 3): members who see the idea read them
@pytest.mark.parametrize("who, status", [("veloce", 404), ("outsider", 403), ("member", 403), ("author", 403),
                                         ("moderator", 403)])
def test_only_the_selected_sponsor_accepts(client, login_as, rnd_world, who, status):
    w = rnd_world
    offer(client, login_as, w["idea"], w["helios"])
    helios = interest_of(w["idea"], w["helios"])
    login_as(w["author"])
    client.post(f"/interests/{helios.id}/select")
    login_as(w[who])
    assert client.post(f"/interests/{helios.id}/accept").status_code == status
    assert client.post(f"/interests/{helios.id}/withdraw").status_code == status
    assert db.session.scalar(select(func.count()).select_from(Partnership)) == 0


def test_the_partners_page_is_for_sponsors_and_choosers(client, login_as, rnd_world):
    w = rnd_world
    w["project"].partner_decider = "moderator"  # the crowd has no say: offers are the sponsors' and the jury's
    db.session.commit()
    login_as(w["member"])
    refused = client.get(f"/ideas/{w['idea'].id}/partners")
    assert refused.status_code == 403 and "Offers of partnership are seen by sponsors" in text(refused)
    assert "/partners" not in text(client.get(f"/ideas/{w['idea'].id}"))
    login_as(w["moderator"])
    assert f"/ideas/{w['idea'].id}/partners" in text(client.get(f"/ideas/{w['idea'].id}"))
    w["project"].partner_decider = "community"
    db.session.commit()
    login_as(w["author"])
    assert f"/ideas/{w['idea'].id}/partners" in text(client.get(f"/ideas/{w['idea'].id}"))


def test_the_dashboard_lists_offers_and_selections(client, login_as, rnd_world):
    w = rnd_world
    offer(client, login_as, w["idea"], w["helios"])
    login_as(w["author"])
    assert "Helios Audio offers a partnership for" in text(client.get("/dashboard"))
    client.post(f"/interests/{interest_of(w['idea'], w['helios']).id}/select")
    login_as(w["helios"])
    assert "Your organisation was selected" in text(client.get("/dashboard"))


# --- Scouting board ------------------------------------------------------------------------------
def test_scouting_board_filters(client, login_as, rnd_world, make_idea, make_project, make_user, add_member):
    w = rnd_world
    unready = make_idea(project=w["project"], author=w["member"], title="Solar lid", stage=Stage.SPEC)
    w["member"].skills = "acoustics, DSP"
    other = make_project(title="Closed lab", policy_spec="project")  # Helios may not see its specs
    hidden = make_idea(project=other, title="Secret widget", stage=Stage.SPEC)
    unready.vote_count = 7
    db.session.commit()
    login_as(w["helios"])
    board = text(client.get("/scouting"))
    assert "Modular speaker" in board and "Solar lid" in board and hidden.title not in board
    assert board.index("Solar lid") < board.index("Modular speaker")  # most voted first
    ready = text(client.get("/scouting?ready=1"))
    assert "Modular speaker" in ready and "Solar lid" not in ready
    assert "Modular speaker" not in text(client.get("/scouting?min_votes=5"))
    by_skill = text(client.get("/scouting?skill=dsp"))
    assert "Solar lid" in by_skill and "Modular speaker" not in by_skill and ">dsp<" in by_skill
    assert "Solar lid" not in text(client.get(f"/scouting?project={other.slug}"))
    assert "Modular speaker" in text(client.get("/scouting?min_votes=-3&sort=bogus"))  # nonsense is ignored
    fragment = client.get("/scouting?ready=1", headers={"HX-Request": "true"})
    assert "<html" not in text(fragment) and 'id="board"' in text(fragment)
    login_as(w["member"])
    refused = client.get("/scouting")
    assert refused.status_code == 403 and "for sponsors" in text(refused)


# --- The workspace -------------------------------------------------------------------------------
def test_who_enters_the_workspace(client, login_as, rnd_world, take_into_rnd):
    w = rnd_world
    partnered(w, take_into_rnd)
    url = f"/ideas/{w['idea'].id}/workspace"
    for who, status in [("helios", 200), ("author", 200), ("veloce", 404), ("member", 404), ("owner", 404),
                        ("outsider", 404)]:
        login_as(w[who])
        assert client.get(url).status_code == status, who
    sign_out(client)
    assert client.get(url).status_code in (302, 303)


def test_an_invited_contributor_needs_the_nda(client, login_as, rnd_world, take_into_rnd):
    w = rnd_world
    partnered(w, take_into_rnd)
    nda.publish(w["project"], w["owner"], "Keep it to yourself.")
    login_as(w["helios"])
    assert client.post(f"/ideas/{w['idea'].id}/workspace/members", data={"who": "Max"}).status_code == 303
    page = text(client.get(f"/ideas/{w['idea'].id}/workspace"))
    assert "Max" in page and "NDA to enter" in page
    for who in ("member", "author"):  # the author is bound by the new NDA as well
        login_as(w[who])
        refused = client.get(f"/ideas/{w['idea'].id}/workspace")
        assert refused.status_code == 403 and "current NDA to enter this R&amp;D workspace" in text(refused)
        assert "You are invited into an R&D workspace" in text(client.get("/dashboard"))
    nda.accept(w["project"], w["member"], 1)
    login_as(w["member"])
    assert client.get(f"/ideas/{w['idea'].id}/workspace").status_code == 200


@pytest.mark.parametrize("who, status, message", [
    ("", 422, "This field is required."),
    ("nobody@example.org", 422, "No member has this email or name."),
    ("Ann Author", 422, "Ann Author is in this workspace already."),
    ("Hana Helios", 422, "Hana Helios is in this workspace already."),
])
def test_bad_invitations(client, login_as, rnd_world, take_into_rnd, who, status, message):
    w = rnd_world
    partnered(w, take_into_rnd)
    login_as(w["helios"])
    response = client.post(f"/ideas/{w['idea'].id}/workspace/members", data={"who": who})
    assert response.status_code == status and message in text(response)
    assert db.session.scalar(select(func.count()).select_from(WorkspaceMember)) == 1


def test_removing_an_invitee_closes_the_workspace_to_them(client, login_as, rnd_world, take_into_rnd):
    w = rnd_world
    partnered(w, take_into_rnd)
    login_as(w["helios"])
    client.post(f"/ideas/{w['idea'].id}/workspace/members", data={"who": w["member"].email})
    refused = client.post(f"/ideas/{w['idea'].id}/workspace/members/{w['author'].id}/remove")
    assert refused.status_code == 409 and "always takes part" in text(refused)
    assert client.post(f"/ideas/{w['idea'].id}/workspace/members/{w['member'].id}/remove").status_code == 303
    login_as(w["member"])
    assert client.get(f"/ideas/{w['idea'].id}/workspace").status_code == 404
    login_as(w["author"])  # invitees do not invite
    assert client.post(f"/ideas/{w['idea'].id}/workspace/members", data={"who": "Max"}).status_code == 403


def test_milestone_lifecycle(client, login_as, rnd_world, take_into_rnd):
    w = rnd_world
    partnered(w, take_into_rnd)
    base = f"/ideas/{w['idea'].id}/workspace"
    login_as(w["author"])
    for data, message in [({"title": "Prototype", "owner_id": "0", "due_on": "2030-01-31"},
                           "Every milestone needs an owner."),
                          ({"title": "Prototype", "owner_id": str(w["member"].id), "due_on": "2030-01-31"},
                           "owner among the workspace"),
                          ({"title": "Prototype", "owner_id": str(w["author"].id), "due_on": ""},
                           "Give the milestone a due date."),
                          ({"title": "", "owner_id": str(w["author"].id), "due_on": "2030-01-31"},
                           "This field is required.")]:
        response = client.post(f"{base}/milestones", data=data)
        assert response.status_code == 422 and message in text(response), message
        assert f'value="{data["title"]}"' in text(response)  # what was typed stays in the form
    assert db.session.scalar(select(func.count()).select_from(Milestone)) == 0
    assert client.post(f"{base}/milestones", data={"title": "Prototype", "owner_id": str(w["helios"].id),
                                                   "due_on": "2030-01-31"}).status_code == 303
    milestone = db.session.scalar(select(Milestone))
    assert (milestone.owner_id, milestone.due_on) == (w["helios"].id, date(2030, 1, 31))
    for task in ("PCB", "Case"):
        assert client.post(f"/milestones/{milestone.id}/tasks", data={"text": task}).status_code == 303
    assert client.post(f"/milestones/{milestone.id}/tasks", data={"text": ""}).status_code == 400
    pcb, case = db.session.scalars(select(Task).order_by(Task.id)).all()
    assert client.post(f"/milestones/{milestone.id}/tasks/{pcb.id}/toggle").status_code == 303
    refused = client.post(f"/milestones/{milestone.id}/complete")
    assert refused.status_code == 409 and "1 task of this milestone is still open" in text(refused)
    client.post(f"/milestones/{milestone.id}/tasks/{case.id}/toggle")
    page = text(client.get(base))
    assert "Prototype" in page and "tasks done: 2 of 2" in page and "Owner: Hana Helios" in page
    assert client.post(f"/milestones/{milestone.id}/complete").status_code == 303
    db.session.expire_all()
    assert milestone.done_at is not None and {t.done_by_id for t in milestone.tasks} == {w["author"].id}
    assert client.post(f"/milestones/{milestone.id}/tasks", data={"text": "Late"}).status_code == 409
    assert client.post(f"/milestones/{milestone.id}/complete").status_code == 409
    assert client.post(f"/milestones/{milestone.id}/reopen").status_code == 303
    assert client.post(f"/milestones/{milestone.id}/tasks/{case.id}/toggle").status_code == 303
    db.session.expire_all()
    assert milestone.done_at is None and case.done_at is None
    login_as(w["member"])  # not a participant: the milestone does not exist for them
    assert client.post(f"/milestones/{milestone.id}/complete").status_code == 404


def test_documents_keep_their_versions_and_stay_private(client, login_as, rnd_world, take_into_rnd):
    w = rnd_world
    partnered(w, take_into_rnd)
    base = f"/ideas/{w['idea'].id}/workspace"
    login_as(w["helios"])
    for body, note in ((PDF, "first"), (PDF + b" v2", "thicker walls")):
        response = client.post(f"{base}/documents", data={"title": "Schematics", "note": note,
                                                          "file": (io.BytesIO(body), "schematics.pdf")})
        assert response.status_code == 303
    bad = client.post(f"{base}/documents", data={"title": "Virus", "file": (io.BytesIO(b"MZ\x90"), "a.exe")})
    assert bad.status_code == 422 and "Only PDF, PNG" in text(bad)
    missing = client.post(f"{base}/documents", data={"title": "Nothing"})
    assert missing.status_code == 422 and "Choose a file to upload." in text(missing)
    versions = db.session.scalars(select(DocumentVersion).order_by(DocumentVersion.number)).all()
    assert [(v.number, v.note) for v in versions] == [(1, "first"), (2, "thicker walls")]
    page = text(client.get(base))
    assert "Schematics" in page and "version 2" in page and "Earlier versions" in page
    latest = f"/attachments/{versions[1].attachment_id}/schematics.pdf"
    assert client.get(latest).data == PDF + b" v2"
    for who in ("member", "owner"):  # they see the idea, not its workspace
        login_as(w[who])
        assert client.get(latest).status_code == 404
        assert "schematics" not in text(client.get(f"/ideas/{w['idea'].id}")).lower()
    login_as(w["member"])  # the idea's own upload form cannot put files into the workspace
    sneaky = client.post(f"/ideas/{w['idea'].id}/attachments",
                         data={"part": "rnd", "file": (io.BytesIO(PDF), "x.pdf")})
    assert sneaky.status_code == 400 and db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 2


def test_decisions_log(client, login_as, rnd_world, take_into_rnd):
    w = rnd_world
    partnered(w, take_into_rnd)
    login_as(w["author"])
    base = f"/ideas/{w['idea'].id}/workspace"
    assert client.post(f"{base}/decisions", data={"title": "", "rationale": "x"}).status_code == 422
    assert client.post(f"{base}/decisions", data={"title": "LiFePO4 cells",
                                                  "rationale": "Safer, *longer-lived*"}).status_code == 303
    decision = db.session.scalar(select(Decision))
    assert (decision.title, decision.author_id) == ("LiFePO4 cells", w["author"].id)
    assert "<em>longer-lived</em>" in text(client.get(base))


def test_the_private_thread_reaches_participants_only(client, login_as, rnd_world, take_into_rnd):
    w = rnd_world
    partnership = partnered(w, take_into_rnd)
    thread = forum.thread_of_partnership(partnership)
    login_as(w["author"])
    assert client.post(f"/threads/{thread.id}/posts", data={"body": "Quixotrine tolerances"}).status_code in (
        200, 303)
    indexer.drain()
    assert "Quixotrine" in text(client.get(f"/threads/{thread.id}"))
    assert "Quixotrine" in text(client.get("/search?q=quixotrine"))
    for who in ("member", "owner", "outsider", "veloce"):
        login_as(w[who])
        assert client.get(f"/threads/{thread.id}").status_code == 404, who
        assert "Quixotrine" not in text(client.get("/search?q=quixotrine")), who
        assert "Quixotrine" not in text(client.get(f"/api/v1/threads/{thread.id}/posts")), who
    sign_out(client)
    assert "Quixotrine" not in text(client.get("/search?q=quixotrine"))


def test_status_updates_reach_the_community_without_the_confidential_idea(client, login_as, rnd_world,
                                                                          take_into_rnd):
    w = rnd_world
    partnered(w, take_into_rnd)
    w["project"].policy_partner_rnd = "confidential"
    db.session.commit()
    login_as(w["author"])  # invitees work; only the partner's team speaks for the partnership
    refused = client.post(f"/ideas/{w['idea'].id}/workspace/updates", data={"headline": "x", "body": "y"})
    assert refused.status_code == 403
    login_as(w["helios"])
    empty = client.post(f"/ideas/{w['idea'].id}/workspace/updates", data={"headline": "", "body": ""})
    assert empty.status_code == 422 and db.session.scalar(select(func.count()).select_from(StatusUpdate)) == 0
    assert client.post(f"/ideas/{w['idea'].id}/workspace/updates",
                       data={"headline": "A speaker ships in 2031", "body": "Thanks, community."}).status_code == 303
    login_as(w["outsider"])
    assert client.get(f"/ideas/{w['idea'].id}").status_code == 404
    project_page = text(client.get(f"/projects/{w['project'].slug}"))
    assert "A speaker ships in 2031" in project_page and "Modular speaker" not in project_page
    sign_out(client)
    assert "A speaker ships in 2031" in text(client.get(f"/projects/{w['project'].slug}"))
    login_as(w["helios"])
    assert "A speaker ships in 2031" in text(client.get(f"/ideas/{w['idea'].id}"))


def test_the_partner_sees_the_idea_it_partners_and_nothing_else(client, login_as, rnd_world, take_into_rnd,
                                                                  make_idea):
    w = rnd_world
    partnered(w, take_into_rnd)
    other = make_idea(project=w["project"], author=w["author"], title="Unrelated secret", stage=Stage.SPEC)
    for stage in ("idea", "vote", "spec", "partner_rnd"):
        setattr(w["project"], f"policy_{stage}", "confidential")
    db.session.commit()
    login_as(w["helios"])  # Helios is not the project's sponsor, only the partner of one idea
    idea_page = client.get(f"/ideas/{w['idea'].id}")
    assert idea_page.status_code == 200 and client.get(f"/ideas/{w['idea'].id}/spec").status_code == 200
    assert client.get(f"/projects/{w['project'].slug}").status_code == 200
    assert client.get(f"/ideas/{other.id}").status_code == 404
    listing = text(client.get(f"/projects/{w['project'].slug}"))
    assert "Modular speaker" in listing and "Unrelated secret" not in listing
    login_as(w["veloce"])
    assert client.get(f"/ideas/{w['idea'].id}").status_code == 404
    assert client.get(f"/projects/{w['project'].slug}").status_code == 404


def test_an_unready_spec_offers_no_accept_button(client, login_as, rnd_world):
    """The selected sponsor reviewing the terms of a spec that is not ready reads why and gets no button that would
    only be refused; once it is ready again, the button is there."""
    w = rnd_world
    offer(client, login_as, w["idea"], w["helios"])
    helios = interest_of(w["idea"], w["helios"])
    login_as(w["author"])
    client.post(f"/interests/{helios.id}/select")
    specs.save_revision(w["idea"], w["author"], 2, "reopened", **{**READY, "open_questions": "- [ ] Battery size"})
    login_as(w["helios"])
    page = client.get(f"/interests/{helios.id}/accept").text
    assert "is not ready for partner R&D yet" in page and "Accept and start partner R&D" not in page
    specs.save_revision(w["idea"], w["author"], 3, "settled", **READY)
    assert "Accept and start partner R&D" in client.get(f"/interests/{helios.id}/accept").text
