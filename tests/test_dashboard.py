"""A member's dashboard: their ideas, figures equal to counts in the database, and what waits for them."""

import re

import pytest
from sqlalchemy import func, select

from crowdspirit.accounts.models import User
from crowdspirit.extensions import db
from crowdspirit.forum.models import Post
from crowdspirit.pipeline.models import Idea, Vote
from crowdspirit.projects.models import JoinRequest, ProjectMembership
from crowdspirit.specs import services as specs
from crowdspirit.specs.models import Amendment, SpecApproval


def figures(html: str) -> dict[str, int]:
    return {key: int(value.replace(",", "")) for key, value in re.findall(r'data-figure="(\w+)">([\d,]+)<', html)}


@pytest.fixture
def seeded(app):
    assert app.test_cli_runner().invoke(args=["crowdspirit", "seed-demo"]).exit_code == 0


def test_figures_equal_counts_in_the_database_for_every_demo_member(client, login_as, seeded):
    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    for user in db.session.scalars(select(User)).all():
        login_as(user)
        html = client.get("/dashboard").get_data(as_text=True)
        assert figures(html) == {
            "ideas": count(Idea, Idea.author_id == user.id), "votes": count(Vote, Vote.user_id == user.id),
            "posts": count(Post, Post.author_id == user.id, Post.hidden_at.is_(None), Post.pending.is_(False)),
            "amendments": count(Amendment, Amendment.author_id == user.id),
            "accepted": count(Amendment, Amendment.author_id == user.id, Amendment.status == "accepted"),
            "approvals": count(SpecApproval, SpecApproval.user_id == user.id)}, user.email


def test_decisions_waiting_and_only_ideas_still_visible(client, login_as, make_user, make_project, make_idea,
                                                        add_member):
    owner, contributor, newcomer = make_user(), make_user(name="Carl Contributor"), make_user(name="Nina New")
    project = make_project(owner=owner, title="Kite lab", policy_spec="confidential")
    add_member(project, contributor)
    idea = make_idea(project=project, author=owner, title="Foil kite", stage="spec")
    specs.propose_amendment(idea, contributor, "use_cases", "Beach", "")
    db.session.add(JoinRequest(project_id=project.id, user_id=newcomer.id, message=""))
    db.session.commit()
    login_as(owner)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "An amendment by Carl Contributor" in html and "Nina New asks to join" in html and "Foil kite" in html
    login_as(contributor)
    assert "Nothing waits for your decision." in client.get("/dashboard").get_data(as_text=True)
    secret = make_idea(project=project, author=contributor, title="Hidden kite", stage="spec")
    db.session.execute(ProjectMembership.__table__.delete().where(ProjectMembership.user_id == contributor.id))
    db.session.commit()
    page = client.get("/dashboard").get_data(as_text=True)
    assert secret.title not in page and figures(page)["ideas"] == 1  # counted, but no longer shown


def test_visitors_are_sent_to_sign_in(client):
    assert client.get("/dashboard").status_code == 302
