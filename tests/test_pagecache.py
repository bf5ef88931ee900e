"""The micro-cache of anonymous pages: fast for visitors, never stale on access, never personal."""

import re

import pytest

from crowdspirit.extensions import db
from crowdspirit.projects import services as projects
from crowdspirit.projects.models import Visibility


@pytest.fixture
def cached(app):
    """The app with a long cache lifetime, so that only invalidation can refresh a page."""
    app.config["PAGE_CACHE_SECONDS"] = 600
    return app


def test_visitors_get_the_cached_page_and_members_a_fresh_one(cached, client, login_as, make_user, make_idea):
    """A change that touches no access rule reaches visitors after the cache lifetime, members at once."""
    idea = make_idea(title="Original title")
    assert "Original title" in client.get("/ideas").text
    idea.title = "Renamed title"
    db.session.commit()
    assert "Original title" in client.get("/ideas").text
    login_as(make_user())
    assert "Renamed title" in client.get("/ideas").text


def test_an_access_change_refreshes_every_cached_page_at_once(cached, client, make_project, make_idea):
    """When a stage turns confidential, visitors stop seeing its ideas on the very next request."""
    project = make_project()
    idea = make_idea(project=project, stage="vote", title="Soon secret")
    assert "Soon secret" in client.get("/ideas").text
    assert client.get(f"/ideas/{idea.id}").status_code == 200
    projects.update_settings(project, project.owner, policy_vote=Visibility.CONFIDENTIAL)
    assert "Soon secret" not in client.get("/ideas").text
    assert client.get(f"/ideas/{idea.id}").status_code == 404


def test_visitor_pages_set_no_cookie(cached, client, make_idea):
    """Anonymous list pages carry nothing personal: no session cookie, no CSRF token."""
    make_idea()
    response = client.get("/ideas?stage=vote")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "csrf" not in response.text.lower()


def test_a_cached_page_keeps_the_nonce_its_tags_carry(cached, client, make_idea):
    """The CSP header of a page served from the cache names the nonce written into that page."""
    make_idea()
    first, second = client.get("/ideas"), client.get("/ideas")
    assert first.text == second.text
    nonce = re.search(r'nonce="([^"]+)"', second.text)[1]
    assert f"'nonce-{nonce}'" in second.headers["Content-Security-Policy"]
