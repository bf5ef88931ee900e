"""Intermediation models: who decides promotion to specification (crowd, sponsor, jury, crowd shortlist then
sponsor pick, crowd under the sponsor's veto), stated on the project page before anyone contributes."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crowdspirit.extensions import db
from crowdspirit.pipeline.models import Idea, Stage, StageTransition


@pytest.fixture
def model_world(make_user, make_org, make_project, make_idea, add_member):
    """A sponsored project (threshold 2) with an idea in the vote stage; voters, the sponsor, a moderator."""
    helios = make_org("Helios Audio")
    owner = make_user(name="Olga Owner", organisation=helios)
    project = make_project(owner=owner, kind="sponsored", vote_threshold=2)
    people = {"owner": owner, "sponsor": make_user(name="Sam Sponsor", organisation=helios),
              "author": make_user(name="Ann Author"), "moderator": make_user(name="Mo Moderator"),
              "voters": [make_user(name=f"Voter {n}") for n in range(2)]}
    add_member(project, people["moderator"], "moderator")
    idea = make_idea(project=project, author=people["author"], stage=Stage.VOTE)
    return project, idea, people


def text(response) -> str:
    return response.get_data(as_text=True)


def use(project, decider, **settings):
    project.promotion_decider = decider
    for name, value in settings.items():
        setattr(project, name, value)
    db.session.commit()


def vote(client, login_as, idea, voters):
    for voter in voters:
        login_as(voter)
        assert client.post(f"/ideas/{idea.id}/vote").status_code in (200, 303)


def stage_of(idea) -> str:
    db.session.expire_all()
    return db.session.get(Idea, idea.id).stage


def test_crowd_shortlist_then_sponsor_pick(client, login_as, model_world):
    project, idea, people = model_world
    use(project, "shortlist")
    login_as(people["sponsor"])
    early = client.post(f"/ideas/{idea.id}/move/spec", data={"reason": "We like it"})
    assert early.status_code == 409 and "needs 2 votes to be promoted; it has 0" in text(early)
    vote(client, login_as, idea, people["voters"])
    assert stage_of(idea) == Stage.VOTE  # the crowd shortlists; it does not promote
    for who in ("author", "moderator"):
        login_as(people[who])
        assert client.post(f"/ideas/{idea.id}/move/spec", data={"reason": "x"}).status_code == 403
    login_as(people["sponsor"])
    assert client.post(f"/ideas/{idea.id}/move/spec", data={"reason": "Our pick"}).status_code == 303
    assert stage_of(idea) == Stage.SPEC


def test_crowd_decides_under_the_sponsors_veto(client, login_as, model_world):
    project, idea, people = model_world
    use(project, "veto", veto_days=5)
    vote(client, login_as, idea, people["voters"])
    assert stage_of(idea) == Stage.SPEC  # promoted by the crowd at once
    login_as(people["author"])
    assert "Veto" not in text(client.get(f"/ideas/{idea.id}"))
    assert client.post(f"/ideas/{idea.id}/veto", data={"reason": "no"}).status_code == 403
    login_as(people["sponsor"])
    page = text(client.get(f"/ideas/{idea.id}"))
    assert "The crowd promoted this idea" in page and f'action="/ideas/{idea.id}/veto"' in page
    silent = client.post(f"/ideas/{idea.id}/veto", data={"reason": "  "})
    assert silent.status_code == 409 and "Say why the sponsor vetoes this idea." in text(silent)
    assert client.post(f"/ideas/{idea.id}/veto", data={"reason": "Too close to our patent"}).status_code == 303
    assert stage_of(idea) == Stage.ARCHIVED
    last = db.session.scalar(select(StageTransition).order_by(StageTransition.id.desc()).limit(1))
    assert (last.actor_id, last.from_stage, last.reason) == (
        people["sponsor"].id, "spec", "Vetoed by the sponsor: Too close to our patent")
    assert "Vetoed by the sponsor: Too close to our patent" in text(client.get(f"/ideas/{idea.id}"))


def test_the_veto_window_closes(client, login_as, model_world):
    project, idea, people = model_world
    use(project, "veto", veto_days=5)
    vote(client, login_as, idea, people["voters"])
    promotion = db.session.scalar(select(StageTransition).where(StageTransition.to_stage == "spec"))
    promotion.created_at -= timedelta(days=6)
    db.session.commit()
    login_as(people["sponsor"])
    assert "The crowd promoted this idea" not in text(client.get(f"/ideas/{idea.id}"))
    late = client.post(f"/ideas/{idea.id}/veto", data={"reason": "Second thoughts"})
    assert late.status_code == 409 and "The veto window closed on" in text(late)
    assert stage_of(idea) == Stage.SPEC


def test_only_a_crowd_promotion_can_be_vetoed(client, login_as, model_world):
    project, idea, people = model_world
    use(project, "veto")
    vote(client, login_as, idea, people["voters"][:1])
    login_as(people["moderator"])  # under the veto model, those in charge may still promote at the threshold
    use(project, "veto", vote_threshold=1)
    assert client.post(f"/ideas/{idea.id}/move/spec", data={"reason": "Ready"}).status_code == 303
    login_as(people["sponsor"])
    refused = client.post(f"/ideas/{idea.id}/veto", data={"reason": "No"})
    assert refused.status_code == 409 and "Only an idea the crowd has just moved on" in text(refused)


@pytest.mark.parametrize("decider", ["sponsor", "shortlist", "veto"])
def test_a_self_carried_project_cannot_give_a_sponsor_a_say(client, login_as, make_project, make_user, decider):
    owner = make_user()
    project = make_project(owner=owner)
    login_as(owner)
    form = {"summary": "A field", "description": "", "vote_decider": "community", "support_threshold": "5",
            "vote_threshold": "5", "voting_days": "14", "promotion_decider": decider, "partner_decider": "community",
            "backing_threshold": "5", "veto_days": "7", "rnd_partner_id": "0",
            **{f"policy_{stage}": "public" for stage in ("idea", "vote", "spec", "partner_rnd")}}
    response = client.post(f"/projects/{project.slug}/settings", data=form)
    assert response.status_code == 422 and "Only a project sponsored by an organisation" in text(response)
    db.session.expire_all()
    assert project.promotion_decider == "community"
    assert client.post(f"/projects/{project.slug}/settings",
                       data={**form, "promotion_decider": "moderator"}).status_code == 303


@pytest.mark.parametrize("decider, says", [
    ("community", "The community decides: an idea with 2 votes goes to specification."),
    ("sponsor", "The sponsor decides which voted ideas go to specification."),
    ("moderator", "as a jury, decide which voted ideas go to specification."),
    ("shortlist", "The community shortlists: an idea needs 2 votes; then the sponsor picks"),
    ("veto", "unless the sponsor vetoes it within 7 days, saying why."),
])
def test_the_rules_are_stated_before_anyone_contributes(client, login_as, model_world, decider, says):
    project, _idea, people = model_world
    use(project, decider)
    assert says in text(client.get(f"/projects/{project.slug}"))
    login_as(people["author"])
    assert says in text(client.get(f"/projects/{project.slug}/ideas/new"))


def test_the_rules_follow_a_change_of_settings(client, model_world):
    """The rules are drawn once per settings: after a change of decider and threshold, the page says the new ones."""
    project, _idea, _people = model_world
    use(project, "community")
    assert "an idea with 2 votes goes to specification." in text(client.get(f"/projects/{project.slug}"))
    project.vote_threshold = 3
    db.session.commit()
    assert "an idea with 3 votes goes to specification." in text(client.get(f"/projects/{project.slug}"))
    use(project, "moderator")
    page = text(client.get(f"/projects/{project.slug}"))
    assert "as a jury, decide which voted ideas go to specification." in page and "3 votes" not in page
