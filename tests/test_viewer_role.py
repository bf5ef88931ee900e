"""An organisation's viewers read what its team reads but never act for it: in contests (create, decide, pay), in
partner R&D (offer, accept, invite), in sponsored projects (promote) and through the API, each refusal a 403 that
says why."""

import pytest
from conftest import OFFER
from sqlalchemy import select
from test_contests import CONTEST, enter, entry_of
from test_rnd import READY

from crowdspirit.api import tokens
from crowdspirit.api.models import ApiToken
from crowdspirit.contests.models import Contest, Phase
from crowdspirit.extensions import db
from crowdspirit.pipeline.models import Stage
from crowdspirit.rnd.models import Interest
from crowdspirit.specs import services as specs


def refused(response) -> bool:
    """A 403 telling the viewer that their role is why."""
    return response.status_code == 403 and "you read what the team reads" in response.get_data(as_text=True)


@pytest.fixture
def team(make_org, make_user):
    """Helios Audio with a member who acts for it and a viewer."""
    org = make_org("Helios Audio")
    people = {role: make_user(name=f"{role.title()} Helios", organisation=org) for role in ("member", "viewer")}
    people["viewer"].organisation_role = "viewer"
    db.session.commit()
    return org, people


def test_a_viewer_neither_creates_nor_opens_a_contest_but_reads_it_and_its_private_entries(client, login_as, team,
                                                                                          make_user):
    org, people = team
    login_as(people["viewer"])
    assert refused(client.get("/contests/new"))
    assert refused(client.post("/contests/new", data=CONTEST))
    assert db.session.scalar(select(Contest.id)) is None
    login_as(people["member"])
    assert client.post("/contests/new", data=CONTEST).status_code == 303
    contest = db.session.scalar(select(Contest))
    login_as(people["viewer"])
    assert client.get(f"/contests/{contest.id}").status_code == 200  # the team's draft
    assert refused(client.post(f"/contests/{contest.id}/open"))  # opening puts the prize in escrow
    db.session.refresh(contest)
    assert contest.phase == Phase.DRAFT
    login_as(people["member"])
    assert client.post(f"/contests/{contest.id}/open").status_code == 303
    artist = make_user(name="Ann Artist")
    assert enter(client, login_as, contest, artist, "Sun logo").status_code == 303
    entry = entry_of(artist, "Sun logo")
    login_as(people["viewer"])
    assert "Sun logo" in client.get(f"/entries/{entry.id}").get_data(as_text=True)  # private: the team reads it
    assert refused(client.post(f"/contests/{contest.id}/advance"))
    assert refused(client.post(f"/entries/{entry.id}/adjustment", data={"text": "Bigger sun"}))
    db.session.refresh(contest)
    assert contest.phase == Phase.PRIVATE


def test_a_viewer_neither_offers_nor_accepts_a_partnership_nor_invites_into_its_workspace(
        client, login_as, team, make_user, make_project, make_idea, add_member):
    org, people = team
    author = make_user(name="Ann Author")
    project = make_project(spec_approvals_needed=0)
    add_member(project, author)
    idea = make_idea(project=project, author=author, title="Modular speaker", stage=Stage.SPEC)
    specs.save_revision(idea, author, 1, "ready", **READY)
    login_as(people["viewer"])
    assert refused(client.post(f"/ideas/{idea.id}/partners", data=OFFER))
    assert db.session.scalar(select(Interest.id)) is None
    login_as(people["member"])
    assert client.post(f"/ideas/{idea.id}/partners", data=OFFER).status_code == 303
    interest = db.session.scalar(select(Interest))
    login_as(author)
    assert client.post(f"/interests/{interest.id}/select").status_code == 303
    login_as(people["viewer"])
    assert "Our lab can build it." in client.get(f"/ideas/{idea.id}/partners").get_data(as_text=True)
    assert refused(client.post(f"/interests/{interest.id}/accept", data={"message": "Yes"}))
    assert refused(client.post(f"/interests/{interest.id}/withdraw"))
    login_as(people["member"])
    assert client.post(f"/interests/{interest.id}/accept", data={"message": "Yes"}).status_code == 303
    login_as(people["viewer"])
    assert client.get(f"/ideas/{idea.id}/workspace").status_code == 200  # the team's workspace: they read it
    assert refused(client.post(f"/ideas/{idea.id}/workspace/members", data={"who": author.email}))


def test_a_viewer_does_not_promote_for_the_sponsor_on_the_page_nor_through_the_api(client, login_as, team,
                                                                                    make_project, make_idea):
    org, people = team
    project = make_project(owner=people["member"], kind="sponsored", promotion_decider="sponsor")
    idea = make_idea(project=project, stage=Stage.VOTE)
    login_as(people["viewer"])
    assert client.get(f"/ideas/{idea.id}").status_code == 200
    assert refused(client.post(f"/ideas/{idea.id}/move/spec", data={"reason": "Good"}))
    token = tokens.create_token(people["viewer"], "bot", True, 30)[1]
    answer = client.post(f"/api/v1/ideas/{idea.id}/transitions", headers={"Authorization": f"Bearer {token}"},
                         json={"to": "spec"})
    assert answer.status_code == 403 and "you read what the team reads" in answer.get_json()["error"]["message"]
    db.session.refresh(idea)
    assert idea.stage == Stage.VOTE
    login_as(people["member"])
    assert client.post(f"/ideas/{idea.id}/move/spec", data={"reason": "Good"}).status_code == 303


def test_a_viewer_manages_no_organisation_token_but_reads_the_dashboard(client, login_as, team):
    org, people = team
    login_as(people["viewer"])
    page = client.post("/settings/tokens", data={"name": "PLM sync", "days": "90", "for_organisation": "y"})
    assert "you read what the team reads" in page.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken.id).where(ApiToken.organisation_id == org.id)) is None
    shared = tokens.create_token(people["member"], "PLM sync", False, 30, for_organisation=True)[0]
    assert "PLM sync" in client.get("/settings/tokens").get_data(as_text=True)  # the team's token: they see it
    assert refused(client.post(f"/settings/tokens/{shared.id}/revoke"))
    db.session.refresh(shared)
    assert shared.revoked_at is None
    assert client.get(f"/organisations/{org.slug}/dashboard").status_code == 200
