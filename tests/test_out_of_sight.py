"""Those who lost sight of an idea: who took part in it (its author, a voter, someone who wrote in its discussion) and
may no longer see it is told that it moved on, with the way in when there is one; a project member without the
current NDA is asked to accept it; everyone else still gets the 404 that says nothing."""

import html

from flask import g

from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.pipeline import services as pipeline
from crowdspirit.pipeline.models import Stage
from crowdspirit.projects import nda

MOVED = "“Crank radio” has moved on to a stage of “Closed lab” that you may not see."
NOT_FOUND = "This page does not exist, or you may not see it."


def fresh(client):
    g.pop("_login_user", None)  # Flask-Login caches the user in the test's long-lived context
    return client


def test_who_took_part_is_told_where_the_idea_went_and_nobody_else(client, login_as, make_user, make_project,
                                                                    make_idea):
    """The idea is open while voting, then its specification is for the project's members only: its author, a voter
    and someone who wrote in its discussion get a 403 naming the idea they knew, with a way to ask to join; a
    stranger gets the 404, which names nothing; the project's members see the idea."""
    owner, author, voter, poster, stranger = (make_user(name=name) for name in (
        "Olga Owner", "Ana Author", "Vic Voter", "Pia Poster", "Sam Stranger"))
    project = make_project(owner, "Closed lab", vote_threshold=100, policy_spec="project")
    idea = make_idea(project=project, author=author, stage=Stage.VOTE, title="Crank radio")
    pipeline.cast_vote(idea, voter)
    forum.add_post(forum.thread_of_idea(idea), poster, "Count me in.")
    pipeline._move(idea, Stage.SPEC, owner, "promoted")

    for person in (author, voter, poster):
        login_as(person)
        page = fresh(client).get(f"/ideas/{idea.id}")
        assert page.status_code == 403, person.display_name
        assert MOVED in html.unescape(page.text) and f'href="/projects/{project.slug}/join"' in page.text
        assert "Hear without blocking" not in page.text  # nothing newer than the title they knew
    login_as(stranger)
    page = fresh(client).get(f"/ideas/{idea.id}")
    assert page.status_code == 404 and NOT_FOUND in page.text and "Crank radio" not in page.text
    login_as(owner)
    assert fresh(client).get(f"/ideas/{idea.id}").status_code == 200


def test_a_member_without_the_current_nda_is_asked_to_accept_it(client, login_as, make_user, make_project,
                                                                 make_idea, add_member):
    """A confidential specification: a project member who has not accepted the NDA in force gets a 403 with the
    link to the NDA (not the idea's title); once accepted, the idea opens."""
    owner, member = make_user(name="Olga Owner"), make_user(name="Mia Member")
    project = make_project(owner, "Closed lab", policy_spec="confidential")
    add_member(project, member)
    nda.publish(project, owner, "What you see here stays here.")
    idea = make_idea(project=project, stage=Stage.SPEC, title="Crank radio")
    login_as(member)
    page = client.get(f"/ideas/{idea.id}")
    assert page.status_code == 403 and "covered by the project's NDA" in html.unescape(page.text)
    assert f'href="/projects/{project.slug}/nda"' in page.text and "Crank radio" not in page.text
    nda.accept(project, member, 1)
    db.session.expire_all()
    assert fresh(client).get(f"/ideas/{idea.id}").status_code == 200
