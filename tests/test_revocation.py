"""Revocation: when someone loses access, every surface denies them at once, and nothing lingers."""

import pytest

from crowdspirit.attachments import services as attachments
from crowdspirit.pipeline import services as pipeline
from crowdspirit.projects import nda
from crowdspirit.projects import services as projects
from crowdspirit.projects.models import Visibility

MARKER = "Obsidianwren"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture
def secret(make_user, make_project, make_idea, add_member):
    """A project whose spec stage is confidential under an NDA, an idea in spec with a file, and a signer."""
    project = make_project(title="Helios lab", policy_spec=Visibility.CONFIDENTIAL)
    idea = make_idea(project=project, stage="spec", title=f"{MARKER} earbuds")
    attachments.attach(idea, idea.author, "spec", "drawing.png", PNG)
    nda.publish(project, project.owner, "Keep it secret.")
    signer = make_user(name="Sigrid Signer")
    add_member(project, signer)
    nda.accept(project, signer, 1)
    return project, idea, signer


def surfaces(idea) -> list[str]:
    """Every page, fragment, list, feed and export that could show the idea or its content."""
    attachment = attachments.of_idea(idea, "spec")[0]
    return [f"/ideas/{idea.id}", f"/ideas/{idea.id}/spec", f"/ideas/{idea.id}/spec/revisions",
            f"/ideas/{idea.id}/spec/diff?from=1&to=1", f"/attachments/{attachment.id}/{attachment.filename}",
            "/ideas", "/ideas?stage=spec", f"/projects/{idea.project.slug}",
            f"/projects/{idea.project.slug}/ideas.csv", f"/users/{idea.author_id}"]


def reachable(client, idea) -> list[str]:
    """The surfaces that still show the idea to the signed-in client."""
    shown = []
    for url in surfaces(idea):
        response = client.get(url)
        if response.status_code == 200 and (url.startswith("/attachments") or MARKER in response.text):
            shown.append(url)
    return shown


def test_signer_sees_everything(client, login_as, secret):
    """Before any revocation the NDA signer reaches the idea on every surface."""
    project, idea, signer = secret
    login_as(signer)
    assert reachable(client, idea) == surfaces(idea)


def test_removed_member_loses_everything_at_once(client, login_as, secret):
    """Removing the member closes every surface on the next request."""
    project, idea, signer = secret
    login_as(signer)
    assert reachable(client, idea)
    projects.remove_member(project, signer.id, project.owner)
    assert reachable(client, idea) == []
    assert client.get(f"/ideas/{idea.id}").status_code == 404


def test_new_nda_version_needs_acceptance_again(client, login_as, secret):
    """Publishing a new NDA version closes confidential stages until the member accepts it."""
    project, idea, signer = secret
    login_as(signer)
    nda.publish(project, project.owner, "Keep it secret, version two.")
    assert reachable(client, idea) == []
    assert "have not accepted yet" in client.get(f"/projects/{project.slug}").text
    assert client.post(f"/projects/{project.slug}/nda/accept", data={"version": 2}).status_code == 303
    assert reachable(client, idea) == surfaces(idea)


def test_idea_disappears_when_its_stage_becomes_confidential(client, login_as, make_user, make_project,
                                                            make_idea):
    """An outsider sees a voted idea; the moment it is promoted into a confidential stage, it is gone."""
    project = make_project(policy_spec=Visibility.CONFIDENTIAL, promotion_decider="moderator")
    idea = make_idea(project=project, stage="vote", title=f"{MARKER} lamp")
    login_as(make_user(name="Otto Outsider"))
    assert MARKER in client.get("/ideas").text
    pipeline.transition(idea, "spec", make_user(admin=True), "selected")
    assert MARKER not in client.get("/ideas").text
    assert MARKER not in client.get(f"/projects/{project.slug}").text
    assert client.get(f"/ideas/{idea.id}").status_code == 404
    assert "0 ideas" in client.get(f"/projects/{project.slug}").text


def test_idea_appears_when_the_policy_opens(client, make_project, make_idea):
    """Opening the spec stage to the public shows its ideas to visitors at once."""
    project = make_project(policy_spec=Visibility.PROJECT)
    idea = make_idea(project=project, stage="spec", title=f"{MARKER} kettle")
    assert client.get(f"/ideas/{idea.id}").status_code == 404
    projects.update_settings(project, project.owner, policy_spec=Visibility.PUBLIC)
    assert client.get(f"/ideas/{idea.id}").status_code == 200
    assert MARKER in client.get("/ideas?stage=spec").text


def test_archived_idea_keeps_the_policy_of_its_last_stage(client, make_user, make_project, make_idea):
    """Archiving a confidential idea does not make it public."""
    project = make_project(policy_partner_rnd=Visibility.CONFIDENTIAL)
    idea = make_idea(project=project, stage="partner_rnd", title=f"{MARKER} bike")
    pipeline.transition(idea, "archived", make_user(admin=True), "Partner stopped")
    assert client.get(f"/ideas/{idea.id}").status_code == 404
    assert MARKER not in client.get("/ideas?stage=archived").text
