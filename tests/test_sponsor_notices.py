"""What waits for sponsors: a veto window closing within a day (told once per idea, by `remind-sponsors`), an idea
back at its threshold after a withdrawn vote (not told twice), and the weekly summary of their organisation's
projects, emailed in their language with a one-click stop (`send-sponsor-summaries`)."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from crowdspirit.database import utcnow
from crowdspirit.extensions import db
from crowdspirit.notifications.models import Notification, NotificationPreference
from crowdspirit.pipeline.models import Stage, StageTransition


def _told(kind: str) -> list[int]:
    return sorted(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def _cli(app, *args) -> str:
    return app.test_cli_runner().invoke(args=["crowdspirit", *args]).output


@pytest.fixture
def helios(make_user, make_org, make_project):
    """A sponsored project of Helios under its veto (threshold 2, three days to veto), its owner and a teammate."""
    org = make_org("Helios Audio")
    owner = make_user(name="Olga Owner", organisation=org)
    project = make_project(owner=owner, kind="sponsored", vote_threshold=2, promotion_decider="veto")
    project.veto_days = 3
    db.session.commit()
    return org, project, owner, make_user(name="Sam Sponsor", organisation=org)


def _vote(client, login_as, voter, idea, withdraw=False):
    login_as(voter)
    response = client.post(f"/ideas/{idea.id}/{'unvote' if withdraw else 'vote'}")
    assert response.status_code in (200, 303), response.text


def test_a_closing_veto_window_is_told_once_to_the_sponsors_team(app, client, login_as, make_user, make_idea,
                                                                 helios):
    """Two votes promote the idea under the veto; a day before the window closes `remind-sponsors` tells the
    sponsor's team (by email at once, in the app), and running it again tells nobody twice."""
    _org, project, owner, sponsor = helios
    idea = make_idea(project=project, stage=Stage.VOTE, title="Solar lamp")
    for voter in (make_user(name="Vi"), make_user(name="Vo")):
        _vote(client, login_as, voter, idea)
    db.session.refresh(idea)
    assert idea.stage == Stage.SPEC
    assert "Ideas reminded of: 0." in _cli(app, "remind-sponsors")  # three days left: too early
    promotion = db.session.scalar(select(StageTransition).where(StageTransition.idea_id == idea.id,
                                                                StageTransition.to_stage == Stage.SPEC))
    promotion.created_at = utcnow() - timedelta(days=2, hours=1)  # the window closes in 23 hours
    db.session.commit()
    assert "Ideas reminded of: 1." in _cli(app, "remind-sponsors")
    assert _told("idea.veto_closing") == sorted([owner.id, sponsor.id])
    _cli(app, "remind-sponsors")
    assert _told("idea.veto_closing") == sorted([owner.id, sponsor.id])  # once
    login_as(sponsor)
    page = client.get("/notifications").text
    assert "The crowd promoted “Solar lamp”: your veto window closes within a day" in page


def test_an_idea_back_at_its_threshold_is_not_told_twice(client, login_as, make_user, make_project, make_org,
                                                         make_idea):
    """A voter withdraws and votes again at the threshold: the sponsor heard of it once."""
    org = make_org("Helios Audio")
    owner = make_user(name="Olga Owner", organisation=org)
    project = make_project(owner=owner, kind="sponsored", vote_threshold=2, promotion_decider="sponsor")
    idea = make_idea(project=project, stage=Stage.VOTE, title="Solar lamp")
    first, second = make_user(name="Vi"), make_user(name="Vo")
    _vote(client, login_as, first, idea)
    _vote(client, login_as, second, idea)
    _vote(client, login_as, second, idea, withdraw=True)
    _vote(client, login_as, second, idea)
    assert _told("idea.threshold") == [owner.id]


def test_the_weekly_summary_reaches_the_sponsors_in_their_language(app, client, login_as, smtp_mailbox, make_user,
                                                                   make_idea, helios):
    """The week's ideas and votes and the decisions waiting reach each member of the team, in their language, with a
    link to the dashboard and a one-click stop; a member outside any organisation gets none and is not offered it."""
    org, project, owner, sponsor = helios
    sponsor.language = "fr"
    db.session.commit()
    idea = make_idea(project=project, stage=Stage.VOTE, title="Solar lamp")
    _vote(client, login_as, make_user(name="Vi"), idea)
    assert "Summaries sent: 2." in _cli(app, "send-sponsor-summaries")
    mails = {message["To"]: message for message in smtp_mailbox.messages}
    english = mails[owner.email].get_body(("plain",)).get_content()
    assert mails[owner.email]["Subject"] == "CrowdSpirit: the week of Helios Audio"
    assert "Ideas proposed: 1" in english and "Votes: 1" in english
    assert f"/organisations/{org.slug}/dashboard" in english
    assert "Ideas proposed: 1" in mails[owner.email].get_body(("html",)).get_content()
    french = mails[sponsor.email].get_body(("plain",)).get_content()
    assert "Idées proposées\u00a0: 1" in french and "Bonjour Sam Sponsor" in french
    link = re.fullmatch(r"<([^>]+)>", mails[sponsor.email]["List-Unsubscribe"])[1]
    assert client.post(urlsplit(link).path).status_code == 200
    assert db.session.scalar(select(NotificationPreference.channel).where(
        NotificationPreference.user_id == sponsor.id, NotificationPreference.kind == "sponsor.summary")) == "off"
    assert "Summaries sent: 1." in _cli(app, "send-sponsor-summaries")
    login_as(make_user(name="Mia Member"))
    assert 'name="sponsor.summary"' not in client.get("/settings/notifications").text
    login_as(owner)
    assert 'name="sponsor.summary"' in client.get("/settings/notifications").text
