"""The member's personal home: what is new for them through the access policy, the votes closing soon, and the
newcomer's checklist; visitors keep the marketing home."""

from datetime import timedelta

import pytest
from flask import g
from test_accounts import SIGNUP
from test_contests import enter, opened, png
from test_contests import people as people  # a fixture: a sponsor who runs contests

from crowdspirit.clock import now
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.home import feed
from crowdspirit.pipeline import services as pipeline
from crowdspirit.pipeline.models import Stage
from crowdspirit.projects import services as projects
from crowdspirit.rnd import services as rnd

CONFIDENTIAL = {"policy_idea": "project", "policy_vote": "project", "policy_spec": "project",
                "policy_partner_rnd": "project"}


@pytest.fixture
def mia(make_user, login_as):
    """A signed-in member who just signed up."""
    return login_as(make_user(name="Mia Member"))


def home(client, path="/", **headers) -> str:
    """The home page as the client's member sees it (Flask-Login caches the user in the test's long-lived context,
    where the services just ran)."""
    g.pop("_login_user", None)
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_visitors_keep_the_marketing_home(app, make_idea):
    """A visitor gets what CrowdSpirit is, not a personal feed."""
    g.pop("_login_user", None)
    html = app.test_client().get("/").get_data(as_text=True)
    assert "Design the products you want" in html and "What's new for you" not in html


def test_signing_up_lands_on_the_checklist(app):
    """A new account's first page is its home with the first steps, not the marketing page."""
    g.pop("_login_user", None)
    response = app.test_client().post("/signup", data=SIGNUP, follow_redirects=True)
    assert response.request.path == "/" and "Get started" in response.text and "0 of 4 steps done" in response.text


def test_the_checklist_guides_a_newcomer_and_goes_once_done(client, mia, make_project, make_idea, add_member):
    """Each step links to where to take it, is ticked from stored facts, and the list disappears when all are."""
    html = home(client)
    assert "Get started" in html and "0 of 4 steps done" in html
    for href in ('href="/settings/profile"', 'href="/projects"', 'href="/ideas?stage=vote"'):
        assert href in html
    assert "Nothing new yet" in html  # the friendly empty state
    project = make_project()
    add_member(project, mia)
    pipeline.cast_vote(make_idea(project, stage=Stage.VOTE, title="Solar kettle"), mia)
    assert "2 of 4 steps done" in home(client)
    make_idea(project, author=mia, title="Pocket loom")
    mia.bio, mia.skills = "I repair radios.", "electronics"
    db.session.commit()
    assert "Get started" not in home(client)


def test_news_of_every_kind_with_relative_times_and_links(client, mia, make_user, make_org, make_project, make_idea,
                                                          add_member, people, login_as):
    """Replies, mentions, stage moves of ideas voted for, offers on one's ideas and contests entered, newest first."""
    project = make_project()
    add_member(project, mia)
    owner = project.owner
    voted = make_idea(project, stage=Stage.VOTE, title="Solar kettle")
    pipeline.cast_vote(voted, mia)
    pipeline._move(voted, Stage.SPEC, owner, "the community agreed")
    mine = make_idea(project, author=mia, stage=Stage.SPEC, title="Pocket loom")
    sponsor = make_user(name="Sam Sponsor", organisation=make_org("Loom Works"))
    offer = rnd.express_interest(mine, sponsor, "We can build it.", "Prototype in six months.", 100000, "EUR",
                                 "assignment")
    thread = forum.thread_of_idea(mine)
    first = forum.add_post(thread, mia, "Who wants to help?")
    reply = forum.add_post(thread, owner, "I do!", reply_to_id=first.id)
    forum.add_post(forum.thread_of_idea(voted), owner, "@Mia Member what do you think?")
    contest = opened(client, login_as, people["sponsor"])
    assert enter(client, login_as, contest, mia, files=[("logo.png", png())]).status_code == 303
    login_as(mia)
    html = home(client)
    assert f'href="/ideas/{voted.id}"' in html and "“Solar kettle” moved to the stage" in html
    assert f'href="/ideas/{mine.id}/partners#offer-{offer.id}"' in html and "Loom Works offers a partnership" in html
    assert f'#post-{reply.id}"' in html and "replied to you in" in html
    assert "mentioned you in" in html
    assert f'href="/contests/{contest.id}"' in html and "which you entered" in html
    assert html.count('<time datetime="') >= 5


def test_a_member_who_lost_access_no_longer_sees_its_news(client, mia, make_project, make_idea, add_member):
    """Removed from a confidential project, the member's home forgets its ideas, moves, mentions and votes."""
    project = make_project(**CONFIDENTIAL)
    add_member(project, mia)
    owner = project.owner
    secret = make_idea(project, author=owner, stage=Stage.VOTE, title="Secret battery")
    pipeline.cast_vote(secret, mia)
    secret.vote_closes_at = now() + timedelta(days=2)
    closing = make_idea(project, author=owner, stage=Stage.VOTE, title="Hidden hinge")
    closing.vote_closes_at = now() + timedelta(days=1)
    db.session.commit()
    pipeline._move(secret, Stage.SPEC, owner, "promoted")
    forum.add_post(forum.thread_of_idea(closing), owner, "@Mia Member look at this hinge")
    html = home(client)
    assert "Secret battery" in html and "Hidden hinge" in html and ">in 1 day</time>" in html
    projects.remove_member(project, mia.id, owner)
    html = home(client)
    assert "Secret battery" not in html and "Hidden hinge" not in html
    assert "Nothing new yet" in html


def test_the_news_is_capped_with_older_pages(client, mia, make_project, make_idea, add_member):
    """A page holds PER_PAGE items and a link to the older ones, which htmx loads as a fragment."""
    project = make_project()
    add_member(project, mia)
    thread = forum.thread_of_idea(make_idea(project, author=mia))
    first = forum.add_post(thread, mia, "Any ideas?")
    for n in range(feed.PER_PAGE + 2):
        forum.add_post(thread, project.owner, f"Answer {n}", reply_to_id=first.id)
    html = home(client)
    assert html.count("replied to you in") == feed.PER_PAGE and 'href="/?page=2"' in html
    fragment = home(client, "/?page=2", **{"HX-Request": "true"})
    assert fragment.count("replied to you in") == 2 and "<html" not in fragment and "?page=3" not in fragment
    assert "replied to you in" in home(client, "/?page=x")


def test_page_numbers_out_of_range_are_clear_answers(client, mia):
    """A page past the end shows the empty state; a number too large for the database is 404, never a 500."""
    assert "Nothing new yet" in home(client, "/?page=999999")
    g.pop("_login_user", None)
    assert client.get("/?page=99999999999999999999999").status_code == 404


def test_a_news_item_ages_although_it_is_remembered(client, mia, make_project, make_idea, add_member, clock):
    """Each item of the news is rendered once and remembered: a reply shown "just now" reads "3 hours ago" three hours
    later, not the words of its first drawing."""
    project = make_project()
    add_member(project, mia)
    thread = forum.thread_of_idea(make_idea(project, author=mia))
    first = forum.add_post(thread, mia, "Any ideas?")
    reply = forum.add_post(thread, project.owner, "One.", reply_to_id=first.id)
    clock.set_to(reply.created_at + timedelta(seconds=5))
    assert "just now</time>" in home(client)
    clock.advance(hours=3)
    html = home(client)
    assert ">3 hours ago</time>" in html and f"#post-{reply.id}" in html
