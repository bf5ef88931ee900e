"""The specification stage: structured sections, amendments, restore, approvals and the readiness gate."""

import re

import pytest
from sqlalchemy import func, select

from crowdspirit.extensions import db
from crowdspirit.pipeline.models import Stage
from crowdspirit.rnd.models import Interest, Partnership
from crowdspirit.specs import services as specs
from crowdspirit.specs.models import SECTIONS, Amendment, SpecApproval

READY = {**{name: f"The {name.replace('_', ' ')}" for name in SECTIONS}, "open_questions": "- [x] Battery size"}


@pytest.fixture
def spec_world(make_user, make_org, make_project, make_idea, add_member):
    """An idea in the spec stage of a sponsored project: its author edits, a contributor amends."""
    org, partner = make_org("Helios Audio"), make_org("Partner Labs")
    owner = make_user(name="Olga Owner", organisation=org)
    project = make_project(owner=owner, kind="sponsored", rnd_partner_id=partner.id, spec_approvals_needed=2)
    author, contributor, other = make_user(name="Ann Author"), make_user(name="Carl Contributor"), make_user()
    for user in (author, contributor, other):
        add_member(project, user)
    idea = make_idea(project=project, author=author, title="Modular speaker", stage=Stage.SPEC)
    return {"idea": idea, "author": author, "contributor": contributor, "other": other, "owner": owner,
            "partner": make_user(name="Pia Partner", organisation=partner), "outsider": make_user()}


def page(client, idea) -> str:
    return client.get(f"/ideas/{idea.id}/spec").get_data(as_text=True)


def test_the_spec_has_every_structured_section(client, spec_world):
    html = page(client, spec_world["idea"])
    for label in ("Problem", "Target users", "Use cases", "Features", "Technical constraints",
                  "Bill of materials estimate", "Target price", "Open questions"):
        assert f"<h2>{label}" in html


def test_a_contributor_proposes_and_the_author_accepts_with_credit(client, login_as, spec_world):
    idea, contributor = spec_world["idea"], spec_world["contributor"]
    login_as(contributor)
    assert client.get(f"/ideas/{idea.id}/spec/edit").status_code == 403  # contributors amend, editors edit
    form = client.get(f"/ideas/{idea.id}/spec/amendments/new?section=use_cases").get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="use_cases"|<option[^>]*value="use_cases"[^>]*selected', form)
    response = client.post(f"/ideas/{idea.id}/spec/amendments/new",
                           data={"section": "use_cases", "text": "Commuting\nCamping", "reason": "Both came up"})
    assert response.status_code == 303
    html = page(client, idea)
    assert "Both came up" in html and "<ins>+ Commuting</ins>" in html and "pending" in html
    login_as(spec_world["author"])
    amendment = db.session.scalar(select(Amendment))
    accepted = client.post(f"/ideas/{idea.id}/spec/amendments/{amendment.id}/accept", data={"reason": "Good"},
                           follow_redirects=True).get_data(as_text=True)
    assert "it is now revision 2" in accepted
    current = specs.current_revision(idea)
    assert current.number == 2 and current.use_cases == "Commuting\nCamping" and current.problem
    assert "Amendment by Carl Contributor accepted." == current.note
    assert "Credits" in accepted and "Carl Contributor" in accepted and "1 accepted amendment" in accepted


def test_rejecting_needs_a_reason_and_the_author_reads_it(client, login_as, spec_world):
    idea = spec_world["idea"]
    amendment = specs.propose_amendment(idea, spec_world["contributor"], "target_price", "9 EUR", "Cheaper")
    login_as(spec_world["owner"])
    refused = client.post(f"/ideas/{idea.id}/spec/amendments/{amendment.id}/reject", data={"reason": ""})
    assert refused.status_code == 400 and "Say why you reject it" in refused.get_data(as_text=True)
    assert db.session.get(Amendment, amendment.id).status == "pending"
    client.post(f"/ideas/{idea.id}/spec/amendments/{amendment.id}/reject", data={"reason": "Below cost"})
    login_as(spec_world["contributor"])
    html = page(client, idea)
    assert "Rejected by Olga Owner." in html and "Below cost" in html
    assert specs.current_revision(idea).number == 1
    again = client.post(f"/ideas/{idea.id}/spec/amendments/{amendment.id}/accept", data={"reason": ""})
    assert again.status_code == 403  # contributors do not decide


@pytest.mark.parametrize("who, data, status, message", [
    ("outsider", {"section": "problem", "text": "Mine"}, 403, "join the project first"),
    ("contributor", {"section": "problem", "text": ""}, 422, "This field is required."),
    ("contributor", {"section": "nowhere", "text": "x"}, 422, "Not a valid choice"),
    ("contributor", {"section": "problem", "text": "Details **here**."}, 422, "same as the current one"),
])
def test_bad_amendments_are_refused_and_nothing_is_stored(client, login_as, spec_world, who, data, status, message):
    login_as(spec_world[who])
    response = client.post(f"/ideas/{spec_world['idea'].id}/spec/amendments/new", data=data)
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Amendment)) == 0


def test_an_older_revision_can_be_restored(client, login_as, spec_world):
    idea = spec_world["idea"]
    specs.save_revision(idea, spec_world["author"], 1, "rewrite", problem="A worse problem statement")
    login_as(spec_world["author"])
    assert client.post(f"/ideas/{idea.id}/spec/restore/1").status_code == 303
    restored = specs.current_revision(idea)
    assert restored.number == 3 and restored.problem == specs.get_revision(idea, 1).problem
    assert restored.note == "Restored revision 1."


def test_partner_rnd_waits_for_the_readiness_checklist(client, login_as, spec_world, take_into_rnd):
    idea, partner = spec_world["idea"], spec_world["partner"]
    refused = take_into_rnd(idea, partner, spec_world["author"], "Let us build it")
    assert refused.status_code == 409 and "readiness checklist" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Partnership)) == 0
    assert db.session.scalar(select(Interest.status)) == "selected"  # the selection waits for the spec
    specs.save_revision(idea, spec_world["author"], 1, "complete", **{**READY, "open_questions": "- [ ] Battery"})
    readiness = specs.readiness(idea)
    assert readiness.empty_sections == [] and readiness.open_questions == 1 and not readiness.ready
    specs.save_revision(idea, spec_world["author"], 2, "settled", **READY)
    for member in ("contributor", "other"):
        login_as(spec_world[member])
        assert client.post(f"/ideas/{idea.id}/spec/approve").status_code == 303
        client.post(f"/ideas/{idea.id}/spec/approve")  # a double click counts once
    assert db.session.scalar(select(func.count()).select_from(SpecApproval)) == 2
    html = page(client, idea)
    assert "2 of 2 approvals of this revision" in html and ">Ready<" in html
    login_as(partner)
    interest_id = db.session.scalar(select(Interest.id))
    assert client.post(f"/interests/{interest_id}/accept", data={"message": "Let us build it"}).status_code == 303
    assert db.session.get(type(idea), idea.id).stage == Stage.PARTNER_RND


def test_a_new_revision_needs_fresh_approvals(client, login_as, spec_world):
    idea = spec_world["idea"]
    specs.save_revision(idea, spec_world["author"], 1, "complete", **READY)
    specs.approve(idea, spec_world["contributor"])
    assert specs.readiness(idea).approvals == 1
    specs.save_revision(idea, spec_world["author"], 2, "changed", target_price="59 EUR")
    assert specs.readiness(idea).approvals == 0
    login_as(spec_world["outsider"])
    refused = client.post(f"/ideas/{idea.id}/spec/approve")
    assert refused.status_code == 403 and "members approve the specification" in refused.get_data(as_text=True)


def test_members_rate_features_and_see_where_the_community_leans(client, login_as, make_user, spec_world):
    idea = spec_world["idea"]
    specs.save_revision(idea, spec_world["author"], 1, "features",
                        features="- Must: replaceable battery\n- Could: app\nNot a feature line")
    assert [(f.name, f.priority) for f in specs.features(idea)] == [("replaceable battery", "must"), ("app", "could")]
    for user in (spec_world["contributor"], spec_world["other"], make_user()):
        login_as(user)
        response = client.post(f"/ideas/{idea.id}/spec/features/rate", data={"feature": "app", "rating": "must"},
                               headers={"HX-Request": "true"})
        assert response.status_code == 200 and 'aria-pressed="true">Must</button>' in response.get_data(as_text=True)
    client.post(f"/ideas/{idea.id}/spec/features/rate", data={"feature": "app", "rating": "should"})  # changed mind
    app_feature = specs.features(idea)[1]
    assert app_feature.counts == {"must": 2, "should": 1} and app_feature.community_choice == "must"
    assert "The community leans to Must" in page(client, idea)


@pytest.mark.parametrize("data, status", [({"feature": "app", "rating": "maybe"}, 400),
                                          ({"feature": "teleporter", "rating": "must"}, 404)])
def test_bad_ratings_are_refused(client, login_as, spec_world, data, status):
    idea = spec_world["idea"]
    specs.save_revision(idea, spec_world["author"], 1, "features", features="- Could: app")
    login_as(spec_world["contributor"])
    assert client.post(f"/ideas/{idea.id}/spec/features/rate", data=data).status_code == status
    assert specs.features(idea)[0].counts == {}
