"""NDAs: the owner publishes versions, members accept them, and confidential stages open only then."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crowdspirit.audit.models import AuditEvent
from crowdspirit.database import utcnow
from crowdspirit.extensions import db
from crowdspirit.projects.models import NdaAcceptance, NdaVersion

NDA_TEXT = "Keep **everything** about the earbuds secret."


def text(response) -> str:
    """The response body with HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def words(response) -> str:
    """The visible text of a page: tags removed, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).replace(" :", ":").split())


def field_error(page: str, field: str) -> str:
    """The error text shown next to one form field ('' when there is none)."""
    found = re.search(rf'<small class="error" id="{field}-error">([^<]*)</small>', page)
    return found.group(1) if found else ""


def confidential_urls(idea) -> list[str]:
    """The pages that show an idea in the spec stage and its specification."""
    base = f"/ideas/{idea.id}"
    return [base, f"{base}/spec", f"{base}/spec/revisions", f"{base}/spec/diff?from=1&to=1"]


def statuses(client, idea) -> set[int]:
    """The statuses of every confidential page of the idea, for the signed-in client."""
    return {client.get(url).status_code for url in confidential_urls(idea)}


#: what a member without the NDA in force gets: the idea's page asks them to accept it, the rest is 404
KEPT_OUT = {403, 404}


def asked_to_accept(client, idea) -> bool:
    """The idea's page tells a member without the NDA in force to accept it (a 403 with the NDA's link, no title)."""
    page = client.get(f"/ideas/{idea.id}")
    return (page.status_code == 403 and f'href="/projects/{idea.project.slug}/nda"' in page.text
            and idea.title not in page.text)


def publish(client, login_as, project, body=NDA_TEXT) -> NdaVersion:
    """The owner publishes an NDA version through the form; returns the stored current version."""
    login_as(project.owner)
    assert client.post(f"/projects/{project.slug}/nda/edit", data={"text": body}).status_code == 303
    return db.session.scalar(select(NdaVersion).filter_by(project_id=project.id)
                             .order_by(NdaVersion.number.desc()).limit(1))


def accept(client, login_as, user, project, version: int):
    """The user accepts an NDA version through the form."""
    login_as(user)
    return client.post(f"/projects/{project.slug}/nda/accept", data={"version": version})


@pytest.fixture
def setup(make_user, make_project, make_idea, add_member):
    """A project with a confidential spec stage, an idea in spec, and a contributor (setup.member)."""

    class Setup:
        project = make_project(policy_spec="confidential")
        idea = make_idea(project=project, stage="spec")
        member = make_user(name="Mia Member")

    add_member(Setup.project, Setup.member)
    return Setup


def test_member_without_nda_is_kept_out(client, login_as, setup):
    """Once an NDA exists, a member who has not accepted it gets 404 on every confidential page but the idea's, which
    asks them to accept the NDA (and names nothing)."""
    publish(client, login_as, setup.project)
    login_as(setup.member)
    assert statuses(client, setup.idea) == KEPT_OUT and asked_to_accept(client, setup.idea)


def test_owner_publishes_version_one(client, login_as, setup):
    """The owner opens the NDA form and publishes version 1, which is audited."""
    login_as(setup.project.owner)
    assert client.get(f"/projects/{setup.project.slug}/nda/edit").status_code == 200
    version = publish(client, login_as, setup.project)
    assert (version.number, version.text, version.published_by_id) == (1, NDA_TEXT, setup.project.owner_id)
    assert db.session.scalar(select(AuditEvent.target).filter_by(action="nda.published")) == "NDA v1"


def test_member_reads_and_accepts(client, login_as, setup):
    """The member reads the NDA, accepts it (who, version, time, address stored) and sees the spec."""
    version = publish(client, login_as, setup.project)
    login_as(setup.member)
    page = client.get(f"/projects/{setup.project.slug}/nda")
    assert page.status_code == 200
    assert "version 1" in text(page) and "<strong>everything</strong>" in page.text
    assert "I have read and accept this NDA" in page.text
    before = utcnow()
    assert accept(client, login_as, setup.member, setup.project, 1).status_code == 303
    acceptance = db.session.scalar(select(NdaAcceptance))
    assert (acceptance.user_id, acceptance.nda_version_id, acceptance.ip_address) == (
        setup.member.id, version.id, "127.0.0.1")
    assert before - timedelta(seconds=5) <= acceptance.accepted_at <= utcnow() + timedelta(seconds=5)
    assert statuses(client, setup.idea) == {200}
    assert "You accepted this version." in text(client.get(f"/projects/{setup.project.slug}/nda"))


def test_new_version_closes_access_until_reaccepted(client, login_as, setup):
    """Publishing version 2 hides the spec from the member again until they accept version 2."""
    publish(client, login_as, setup.project)
    accept(client, login_as, setup.member, setup.project, 1)
    assert publish(client, login_as, setup.project, "Version two text").number == 2
    login_as(setup.member)
    assert statuses(client, setup.idea) == KEPT_OUT
    assert accept(client, login_as, setup.member, setup.project, 2).status_code == 303
    assert statuses(client, setup.idea) == {200}


def test_stale_version_is_409(client, login_as, setup):
    """Accepting the version read before a newer one was published is 409 and stores nothing."""
    publish(client, login_as, setup.project)
    publish(client, login_as, setup.project, "Version two text")
    response = accept(client, login_as, setup.member, setup.project, 1)
    assert response.status_code == 409
    assert "newer version" in text(response)
    assert db.session.scalar(select(func.count(NdaAcceptance.id))) == 0
    assert statuses(client, setup.idea) == KEPT_OUT


def test_accepting_twice_is_409(client, login_as, setup):
    """Accepting the same version again is 409 and stores one acceptance only."""
    publish(client, login_as, setup.project)
    accept(client, login_as, setup.member, setup.project, 1)
    assert accept(client, login_as, setup.member, setup.project, 1).status_code == 409
    assert db.session.scalar(select(func.count(NdaAcceptance.id))) == 1


@pytest.mark.parametrize("body", ["", "   \n  "], ids=["empty", "blank"])
def test_empty_nda_is_422_inline(client, login_as, setup, body):
    """An empty NDA text gives 422 with an error next to the field, and no version."""
    login_as(setup.project.owner)
    response = client.post(f"/projects/{setup.project.slug}/nda/edit", data={"text": body})
    assert response.status_code == 422
    assert field_error(response.text, "text")
    assert db.session.scalar(select(func.count(NdaVersion.id))) == 0


@pytest.mark.parametrize("method, path", [("get", "nda"), ("post", "nda/accept")])
def test_non_member_nda_is_403(client, login_as, make_user, setup, method, path):
    """A non-member who can see the project is told to join first (403) and cannot accept."""
    publish(client, login_as, setup.project)
    outsider = login_as(make_user())
    response = getattr(client, method)(f"/projects/{setup.project.slug}/{path}", data={"version": 1})
    assert response.status_code == 403
    assert "Only the project's members are asked to accept its NDA; join the project first." in text(response)
    assert db.session.scalar(select(func.count(NdaAcceptance.id)).filter_by(user_id=outsider.id)) == 0


@pytest.mark.parametrize("role", ["contributor", "moderator"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_non_owner_cannot_publish(client, login_as, make_user, make_project, add_member, role, method):
    """A member who is not the owner gets 403 on the NDA form and publishes nothing."""
    project = make_project(policy_spec="confidential")
    user = make_user()
    add_member(project, user, role=role)
    login_as(user)
    response = getattr(client, method)(f"/projects/{project.slug}/nda/edit", data={"text": NDA_TEXT})
    assert response.status_code == 403
    assert "Only the project owner can publish its NDA." in text(response)
    assert db.session.scalar(select(func.count(NdaVersion.id))) == 0


def test_sponsor_team_sees_without_nda(client, login_as, make_user, make_org, make_project, make_idea):
    """The sponsor's team sees a confidential spec without being members or accepting the NDA."""
    org = make_org("Helios Audio")
    project = make_project(owner=make_user(organisation=org), kind="sponsored", policy_spec="confidential")
    idea = make_idea(project=project, stage="spec")
    publish(client, login_as, project)
    login_as(make_user(organisation=org))
    assert statuses(client, idea) == {200}
    login_as(make_user(organisation=make_org("Rival Labs")))
    assert statuses(client, idea) == {404}


@pytest.mark.parametrize("policy, shown", [("confidential", True), ("project", False)])
def test_project_page_shows_confidential_stage(client, login_as, make_project, policy, shown):
    """The project's access panel marks a confidential spec stage as Confidential."""
    project = make_project(policy_spec=policy)
    login_as(project.owner)
    page = client.get(f"/projects/{project.slug}").text
    assert ('<span class="access-level access-confidential">Confidential</span>' in page) == shown


def test_idea_page_counts_nda_signatories(client, login_as, setup, make_user, add_member):
    """The idea page says how many NDA signatories may see it (the owner counts; others once accepted)."""
    add_member(setup.project, make_user())  # a member who never accepts
    publish(client, login_as, setup.project)
    login_as(setup.project.owner)
    assert "Confidential: visible to 1 NDA signatory" in words(client.get(f"/ideas/{setup.idea.id}"))
    accept(client, login_as, setup.member, setup.project, 1)
    login_as(setup.project.owner)
    assert "Confidential: visible to 2 NDA signatories" in words(client.get(f"/ideas/{setup.idea.id}"))


def test_project_page_nda_banner(client, login_as, make_user, setup):
    """Members who have not accepted the NDA see a banner linking to it; it goes once accepted."""
    banner = "that you have not accepted yet"
    publish(client, login_as, setup.project)
    login_as(setup.member)
    page = text(client.get(f"/projects/{setup.project.slug}"))
    assert banner in page and f'href="/projects/{setup.project.slug}/nda"' in page
    accept(client, login_as, setup.member, setup.project, 1)
    assert banner not in text(client.get(f"/projects/{setup.project.slug}"))
    login_as(make_user())
    assert banner not in text(client.get(f"/projects/{setup.project.slug}"))


# --- Comparing versions ---------------------------------------------------------------------------
NDA_V2 = "Keep **everything** about the earbuds and their case secret for two years."
NDA_V3 = "Keep **everything** about the earbuds and their case secret for three years."


def rendered_diff_of(response) -> str:
    """The marked text of a diff page (what sits in its rendered diff)."""
    found = re.search(r'<div class="prose rendered-diff nda-text">(.*?)</div>', response.get_data(as_text=True), re.S)
    return found.group(1) if found else ""


def test_diff_defaults_to_previous_against_current(client, login_as, setup):
    """With several versions, the diff page compares the previous and the current one by default: the new text as it
    reads (rendered, not Markdown) with the added words in <ins> and the dropped ones in <del>."""
    publish(client, login_as, setup.project)
    publish(client, login_as, setup.project, NDA_V2)
    publish(client, login_as, setup.project, NDA_V3)
    accept(client, login_as, setup.member, setup.project, 3)
    page = client.get(f"/projects/{setup.project.slug}/nda/diff")
    assert page.status_code == 200 and "NDA changes from version 2 to version 3" in text(page)
    marked = rendered_diff_of(page)
    assert "<del>two</del>" in marked and "<ins>three</ins>" in marked and "<strong>everything</strong>" in marked
    assert "**" not in marked


def test_diff_of_two_chosen_versions(client, login_as, setup):
    """The member picks any two versions (the form on the NDA page sends them); words are marked in place."""
    publish(client, login_as, setup.project)
    publish(client, login_as, setup.project, NDA_V2)
    publish(client, login_as, setup.project, NDA_V3)
    login_as(setup.member)
    nda_page = client.get(f"/projects/{setup.project.slug}/nda").get_data(as_text=True)
    assert f'action="/projects/{setup.project.slug}/nda/diff"' in nda_page
    assert re.search(r'<select name="from">.*<option value="2" selected>', nda_page, re.S)
    page = client.get(f"/projects/{setup.project.slug}/nda/diff?from=1&to=3")
    assert "NDA changes from version 1 to version 3" in text(page)
    marked = rendered_diff_of(page)
    assert "<del>secret.</del><ins>and their case secret for three years.</ins>" in marked
    same = client.get(f"/projects/{setup.project.slug}/nda/diff?from=2&to=2")
    assert same.status_code == 200 and "These two versions are identical." in text(same)


@pytest.mark.parametrize("query, status, message", [
    ("from=7&to=2", 404, "The NDA has no version 7: its versions run from 1 to 2."),
    ("from=1&to=0", 404, "The NDA has no version 0: its versions run from 1 to 2."),
    ("from=1&to=99999999999999999999", 404, "The NDA has no version 99999999999999999999"),
    ("from=one&to=2", 400, "Choose the versions to compare by their number."),
    ("from=-1", 400, "Choose the versions to compare by their number."),
])
def test_unknown_versions_are_a_clear_4xx(client, login_as, setup, query, status, message):
    """A version the project never published is 404 naming the versions it has; a malformed one is 400."""
    publish(client, login_as, setup.project)
    publish(client, login_as, setup.project, NDA_V2)
    login_as(setup.member)
    response = client.get(f"/projects/{setup.project.slug}/nda/diff?{query}")
    assert response.status_code == status and message in text(response)


def test_single_version_and_no_nda(client, login_as, setup, make_project):
    """With a single version there is nothing to compare (said plainly, no picker); without an NDA the page is 404."""
    login_as(setup.project.owner)
    assert client.get(f"/projects/{setup.project.slug}/nda/diff").status_code == 404
    publish(client, login_as, setup.project)
    login_as(setup.member)
    page = client.get(f"/projects/{setup.project.slug}/nda/diff")
    assert page.status_code == 200 and "a single version: there is nothing to compare yet" in text(page)
    assert "nda-compare" not in client.get(f"/projects/{setup.project.slug}/nda").get_data(as_text=True)


def test_diff_only_for_those_who_read_the_nda(client, login_as, make_user, setup):
    """The diff follows the NDA page's rule: a non-member is told to join (403) and reads nothing of it (the policy
    matrix checks every other role)."""
    publish(client, login_as, setup.project)
    publish(client, login_as, setup.project, NDA_V2)
    login_as(make_user())
    response = client.get(f"/projects/{setup.project.slug}/nda/diff")
    assert response.status_code == 403 and "secret" not in text(response)


def test_member_asked_again_sees_what_changed(client, login_as, setup):
    """A member who accepted version 1 and is asked to accept version 3 gets a link to what changed since the version
    they accepted; once they accept, the link goes."""
    publish(client, login_as, setup.project)
    accept(client, login_as, setup.member, setup.project, 1)
    publish(client, login_as, setup.project, NDA_V2)
    publish(client, login_as, setup.project, NDA_V3)
    login_as(setup.member)
    page = client.get(f"/projects/{setup.project.slug}/nda")
    assert "This version replaces version 1, which you accepted." in text(page)
    link = f'href="/projects/{setup.project.slug}/nda/diff?to=3&amp;from=1"'
    assert link in page.get_data(as_text=True)
    assert "NDA changes from version 1 to version 3" in text(client.get(html.unescape(link[6:-1])))
    accept(client, login_as, setup.member, setup.project, 3)
    assert "See what changed" not in text(client.get(f"/projects/{setup.project.slug}/nda"))
