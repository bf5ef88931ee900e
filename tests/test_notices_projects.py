"""The projects' and the pipeline's notices, driven over HTTP as members do: a request to join decided (told to its
requester), an invitation (told to the invitee, naming no more than the invitation page), a new NDA version (told to
the members it holds out until they accept it, by email at once), and an idea at its vote threshold (told to those
who decide); each reaches only its people, and only while they may see what it names."""

import re

import pytest
from sqlalchemy import select

from crowdspirit.extensions import db
from crowdspirit.notifications.models import Notification
from crowdspirit.pipeline.models import Stage
from crowdspirit.projects import services as projects
from crowdspirit.projects.models import Invitation, JoinRequest

#: stages closed to everyone outside the project: outsiders may not know it exists
CLOSED = {"policy_idea": "project", "policy_vote": "project", "policy_spec": "confidential",
          "policy_partner_rnd": "confidential"}


def _page(client, login_as, user) -> str:
    """The user's notifications page, as they read it."""
    login_as(user)
    return client.get("/notifications").text


def _opened(client, page: str) -> str:
    """Where opening the first notification of the page leads."""
    first = re.search(r'action="/notifications/(\d+)/open"', page)[1]
    return client.post(f"/notifications/{first}/open").headers["Location"]


def _told(kind: str) -> list[int]:
    """The ids of the members given a notification of this kind, one per notification, sorted."""
    return sorted(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def _ask_to_join(client, login_as, user, project) -> JoinRequest:
    """The user asks to join through the form; returns the stored request."""
    login_as(user)
    assert client.post(f"/projects/{project.slug}/join", data={"message": "I build lamps"}).status_code == 303
    return db.session.scalar(select(JoinRequest).filter_by(project_id=project.id, user_id=user.id))


def _decide(client, login_as, project, join_request, decision: str) -> None:
    """The owner approves or refuses a request on the members page."""
    login_as(project.owner)
    assert client.post(f"/projects/{project.slug}/requests/{join_request.id}/{decision}").status_code == 303


# --- Requests to join decided ------------------------------------------------------------------
def test_the_requester_is_told_their_request_was_accepted_or_refused(client, login_as, make_user, make_project):
    """The owner accepts Ann's request and refuses Ben's: each reads their own answer, linking to the project; the
    owner who decided and a stranger read neither."""
    project = make_project(owner=make_user(name="Olga Owner"), title="Quiet bike")
    ann, ben, stranger = make_user(name="Ann"), make_user(name="Ben"), make_user(name="Stan")
    accepted, refused = (_ask_to_join(client, login_as, person, project) for person in (ann, ben))
    _decide(client, login_as, project, accepted, "approve")
    _decide(client, login_as, project, refused, "refuse")
    page = _page(client, login_as, ann)
    assert "Your request to join “Quiet bike” was accepted: welcome!" in page and "was refused" not in page
    assert _opened(client, page).endswith(f"/projects/{project.slug}")
    page = _page(client, login_as, ben)
    assert "Your request to join “Quiet bike” was refused by its managers" in page and "welcome" not in page
    assert "Quiet bike" not in _page(client, login_as, project.owner) + _page(client, login_as, stranger)
    assert _told("project.request") == sorted([ann.id, ben.id])


def test_a_refusal_is_not_told_to_someone_who_may_no_longer_see_the_project(client, login_as, make_user,
                                                                            make_project):
    """Ann asked while the project was open; it closed to outsiders before the owner refused: she may not know it
    exists any more, so she is not told (the access check at delivery)."""
    project = make_project(owner=make_user(name="Olga Owner"), title="Quiet bike")
    ann = make_user(name="Ann")
    join_request = _ask_to_join(client, login_as, ann, project)
    projects.update_settings(project, project.owner, **CLOSED)  # the settings form is tested in test_projects
    _decide(client, login_as, project, join_request, "refuse")
    assert _told("project.request") == []
    assert "Quiet bike" not in _page(client, login_as, ann)


# --- Invitations -------------------------------------------------------------------------------
def test_an_invitation_to_a_hidden_project_names_only_what_its_page_shows(client, login_as, make_user,
                                                                          make_project):
    """Ivy may not see the closed project yet: she is told she is invited (its title, as the invitation page says),
    not who invited her; the notice opens the invitation, whose page she may read; an invitation link or an unknown
    address tells nobody, and nobody else reads hers."""
    owner = make_user(name="Olga Owner")
    project = make_project(owner=owner, title="Secret lab", **CLOSED)
    ivy, stranger = make_user(name="Ivy"), make_user(name="Stan")
    login_as(owner)
    for email in (ivy.email, "nobody@example.org", ""):
        assert client.post(f"/projects/{project.slug}/invitations", data={"email": email}).status_code == 303
    login_as(ivy)
    assert client.get(f"/projects/{project.slug}").status_code == 404
    page = client.get("/notifications").text
    assert "You are invited to join “Secret lab”" in page and "Olga Owner" not in page
    invitation = db.session.scalar(select(Invitation).filter_by(project_id=project.id, user_id=ivy.id))
    assert _opened(client, page).endswith(f"/invitations/{invitation.token}")
    assert "You are invited to join Secret lab" in client.get(f"/invitations/{invitation.token}").text
    assert _told("project.invitation") == [ivy.id]
    assert "Secret lab" not in _page(client, login_as, stranger) + _page(client, login_as, owner)


# --- New NDA versions --------------------------------------------------------------------------
@pytest.fixture
def nda_project(client, login_as, make_user, make_org, make_project, add_member):
    """A sponsored project closed to outsiders, with two contributors, a sponsor's teammate who is a member too, and
    an NDA version 1 that Ann accepted (Ben did not)."""
    helios = make_org("Helios Audio")
    project = make_project(owner=make_user(name="Olga Owner", organisation=helios), title="Secret lab",
                           kind="sponsored", **CLOSED)
    people = {"ann": make_user(name="Ann"), "ben": make_user(name="Ben"),
              "sam": make_user(name="Sam Sponsor", organisation=helios), "stranger": make_user(name="Stan")}
    for name in ("ann", "ben", "sam"):
        add_member(project, people[name])
    _publish(client, login_as, project, "Version one: keep it secret.")
    login_as(people["ann"])
    assert client.post(f"/projects/{project.slug}/nda/accept", data={"version": 1}).status_code == 303
    return project, people


def _publish(client, login_as, project, text: str) -> None:
    """The owner publishes a new NDA version through its form."""
    login_as(project.owner)
    assert client.post(f"/projects/{project.slug}/nda/edit", data={"text": text}).status_code == 303


def test_a_new_nda_version_tells_the_members_it_holds_out(client, login_as, nda_project):
    """Version 1 held out both contributors (all of them saw the confidential stages without an NDA); version 2
    holds out Ann alone (Ben never accepted version 1). Neither the owner nor the sponsor's teammate (who see
    everything whatever the NDA) nor a stranger is told; the notice names the project, not the NDA's text."""
    project, people = nda_project
    _publish(client, login_as, project, "Version two: keep it very secret.")
    assert _told("project.nda") == sorted([people["ann"].id, people["ben"].id, people["ann"].id])
    page = _page(client, login_as, people["ann"])
    assert "Accept version 2 of the NDA of “Secret lab” to see its confidential stages again" in page
    assert "Accept version 1 of the NDA" in page and "keep it" not in page
    page = _page(client, login_as, people["ben"])
    assert "Accept version 1 of the NDA of “Secret lab”" in page and "version 2" not in page
    for quiet in (project.owner, people["sam"], people["stranger"]):
        assert "Secret lab" not in _page(client, login_as, quiet)


def test_a_member_removed_from_the_project_loses_its_nda_notices(client, login_as, nda_project):
    """Ben reads his NDA notice while he is a member; once the owner removes him from the closed project, it is gone
    from his page and his unread count (the re-check at display)."""
    project, people = nda_project
    assert "NDA of “Secret lab”" in _page(client, login_as, people["ben"])
    login_as(project.owner)
    assert client.post(f"/projects/{project.slug}/members/{people['ben'].id}/remove").status_code == 303
    page = _page(client, login_as, people["ben"])
    assert "Secret lab" not in page and 'aria-label="Notifications"' in page


def test_a_new_nda_version_is_emailed_at_once(client, login_as, smtp_mailbox, nda_project):
    """Asking to accept an NDA is "email at once" by default: Ann receives version 2's notice through the SMTP server,
    in both parts, with the NDA page's address."""
    project, people = nda_project
    _publish(client, login_as, project, "Version two: keep it very secret.")
    sentence = "Accept version 2 of the NDA of “Secret lab” to see its confidential stages again"
    [message] = [m for m in smtp_mailbox.messages if m["To"] == people["ann"].email and "version 2" in m["Subject"]]
    assert sentence in message["Subject"]
    plain, html = (message.get_body((part,)).get_content() for part in ("plain", "html"))
    address = f"https://crowdspirit.example/projects/{project.slug}/nda"
    assert sentence in plain and address in plain
    assert sentence in html and f'href="{address}"' in html and "keep it" not in plain + html


# --- Ideas at their vote threshold -------------------------------------------------------------
def _vote(client, login_as, voters, idea) -> None:
    """Each voter votes for the idea through its page's form."""
    for voter in voters:
        login_as(voter)
        assert client.post(f"/ideas/{idea.id}/vote").status_code in (200, 303)


@pytest.mark.parametrize(("decider", "asks"), [
    ("sponsor", "it waits for your decision to promote it"),
    ("shortlist", "it joins the shortlist you choose from"),
    ("veto", "it moves to specification unless you veto it in time"),
])
def test_the_sponsors_team_is_told_when_an_idea_reaches_its_threshold(client, login_as, make_user, make_org,
                                                                      make_project, make_idea, decider, asks):
    """Where the sponsor decides (or picks from the shortlist, or may veto), the vote that reaches the threshold
    tells the sponsor's team once (a later vote does not); the author, the voters and a stranger are not told."""
    helios = make_org("Helios Audio")
    owner = make_user(name="Olga Owner", organisation=helios)
    project = make_project(owner=owner, kind="sponsored", vote_threshold=2, promotion_decider=decider)
    sponsor, author = make_user(name="Sam Sponsor", organisation=helios), make_user(name="Ann Author")
    voters = [make_user(name=f"Voter {n}") for n in range(3)]
    idea = make_idea(project=project, author=author, stage=Stage.VOTE, title="Solar lamp")
    _vote(client, login_as, voters[:1], idea)
    assert _told("idea.threshold") == []
    _vote(client, login_as, voters[1:2], idea)
    if decider != "veto":  # under the veto the idea moved on: nobody votes any more
        _vote(client, login_as, voters[2:], idea)
    assert _told("idea.threshold") == sorted([owner.id, sponsor.id])
    for person in (owner, sponsor):
        assert f"“Solar lamp” reached its vote threshold: {asks}" in _page(client, login_as, person)
    for person in (author, *voters, make_user(name="Stan")):
        assert "reached its vote threshold" not in _page(client, login_as, person)


def test_the_jury_is_told_when_an_idea_reaches_its_threshold(client, login_as, make_user, make_project, make_idea,
                                                             add_member):
    """Where the project's managers decide, its owner and project moderators are told, not its contributors."""
    owner, moderator, contributor = make_user(name="Olga Owner"), make_user(name="Mo"), make_user(name="Cora")
    project = make_project(owner=owner, vote_threshold=2, promotion_decider="moderator")
    add_member(project, moderator, role="moderator")
    add_member(project, contributor)
    idea = make_idea(project=project, author=contributor, stage=Stage.VOTE, title="Solar lamp")
    _vote(client, login_as, [make_user(), make_user()], idea)
    assert _told("idea.threshold") == sorted([owner.id, moderator.id])
    assert "“Solar lamp” reached its vote threshold: it waits for your decision to promote it" in _page(
        client, login_as, moderator)
    assert "reached its vote threshold" not in _page(client, login_as, contributor)


def test_nobody_is_asked_to_decide_where_the_crowd_promotes(client, login_as, make_user, make_project, make_idea):
    """Under the community's decision the threshold promotes the idea by itself: its moves are told (to its author),
    no decision is asked of anyone."""
    project = make_project(owner=make_user(name="Olga Owner"), vote_threshold=2)
    idea = make_idea(project=project, stage=Stage.VOTE, title="Solar lamp")
    _vote(client, login_as, [make_user(), make_user()], idea)
    assert _told("idea.threshold") == [] and idea.author_id in _told("stage")
