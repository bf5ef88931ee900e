"""Proposing, editing and listing ideas, as members and visitors see them."""

import re
from urllib.parse import parse_qsl

import pytest
from conftest import without_nonces
from sqlalchemy import func, select

from crowdspirit.extensions import db
from crowdspirit.pipeline.models import Idea, Tag, Vote
from crowdspirit.projects.models import ProjectMembership

VALID = {"title": "Solar bike light", "summary": "Charges while you ride.",
         "body": "It **glows**.", "tags": "bike, solar"}
HTMX = {"HX-Request": "true"}


def html(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def count(model) -> int:
    """How many rows a table holds."""
    return db.session.scalar(select(func.count()).select_from(model))


def titles_in_order(page: str, titles) -> list[str]:
    """The given titles that appear in the page, in the order they appear."""
    return sorted((t for t in titles if t in page), key=page.index)


# --- Proposing --------------------------------------------------------------------------------
def test_propose_stores_idea_and_lists_it(client, login_as, make_user, make_project):
    """A proposed idea is stored, its author joins the project, and both lists show it."""
    project = make_project()
    author = login_as(make_user(name="Ada Lovelace"))
    response = client.post(f"/projects/{project.slug}/ideas/new", data=VALID)
    idea = db.session.scalar(select(Idea))
    assert response.status_code == 303 and response.location.endswith(f"/ideas/{idea.id}")
    assert (idea.title, idea.summary, idea.author_id, idea.stage, idea.tag_names) == (
        "Solar bike light", "Charges while you ride.", author.id, "idea", "bike, solar")
    role = db.session.scalar(select(ProjectMembership.role).where(
        ProjectMembership.project_id == project.id, ProjectMembership.user_id == author.id))
    assert role is None  # proposing is no way into the project's restricted stages
    for url in (f"/projects/{project.slug}", "/ideas"):
        assert "Solar bike light" in html(client.get(url)), url


BAD_INPUT = [
    ("missing title", {"title": ""}, "This field is required."),
    ("title too short", {"title": "ab"}, "between 3 and 120 characters"),
    ("title too long", {"title": "x" * 121}, "between 3 and 120 characters"),
    ("summary too long", {"summary": "x" * 301}, "longer than 300 characters"),
    ("body too long", {"body": "x" * 20001}, "longer than 20000 characters"),
    ("malformed tag", {"tags": "audio, bad tag!"}, "Tags use letters, digits and dashes"),
    ("punctuation tag", {"tags": "réparabilité, ?!…"}, "Tags use letters, digits and dashes (30 at most): ?!…"),
    ("nine tags", {"tags": ", ".join(f"tag{i}" for i in range(9))}, "At most 8 tags."),
]


@pytest.mark.parametrize("change, message", [case[1:] for case in BAD_INPUT],
                         ids=[case[0] for case in BAD_INPUT])
def test_propose_refuses_bad_input(client, login_as, make_user, make_project, change, message):
    """Bad input is answered 422 with the reason beside the field, and nothing is written."""
    project = make_project()
    login_as(make_user())
    response = client.post(f"/projects/{project.slug}/ideas/new", data={**VALID, **change})
    assert response.status_code == 422
    assert message in html(response)
    assert count(Idea) == 0 and count(Tag) == 0


def test_tags_accept_letters_of_any_script_case_folded(client, login_as, make_user, make_project):
    """French (and any script's) letters make tags; two spellings differing only by case are one tag, which the
    list's tag filter finds however it is typed."""
    project = make_project()
    login_as(make_user())
    for title, tags in (("Réparer son grille-pain", "Réparabilité, éco-conception"),
                        ("Pièces détachées imprimées", "réparabilité, 日本")):
        response = client.post(f"/projects/{project.slug}/ideas/new", data={**VALID, "title": title, "tags": tags})
        assert response.status_code == 303, html(response)
    assert sorted(db.session.scalars(select(Tag.name))) == ["réparabilité", "éco-conception", "日本"]
    page = html(client.get("/ideas", query_string={"tag": "RÉPARABILITÉ"}))
    assert "Réparer son grille-pain" in page and "Pièces détachées imprimées" in page
    assert 'href="/ideas?tag=r%C3%A9parabilit%C3%A9"' in html(client.get("/ideas"))


def test_propose_in_unknown_project_is_404(client, login_as, make_user):
    """Proposing in a project that does not exist is a 404 and writes nothing."""
    login_as(make_user())
    response = client.post("/projects/no-such-project/ideas/new", data=VALID)
    assert response.status_code == 404
    assert "This page does not exist" in html(response)
    assert count(Idea) == 0


def test_htmx_propose_with_errors_returns_form_fragment(client, login_as, make_user, make_project):
    """An htmx post with errors gets the form fragment alone, with 422 and the messages."""
    project = make_project()
    login_as(make_user())
    response = client.post(f"/projects/{project.slug}/ideas/new", data={**VALID, "title": "ab"},
                           headers=HTMX)
    page = html(response)
    assert response.status_code == 422
    assert page.lstrip().startswith("<form") and "<html" not in page
    assert "between 3 and 120 characters" in page
    assert count(Idea) == 0


# --- Editing ----------------------------------------------------------------------------------
def test_author_edits_own_idea(client, login_as, make_idea):
    """The author changes title, summary, body and tags; the idea page shows the new text."""
    idea = make_idea()
    login_as(idea.author)
    data = {"title": "Open-ear earbuds", "summary": "Hear the street.", "body": "v2", "tags": "audio, safety"}
    response = client.post(f"/ideas/{idea.id}/edit", data=data)
    assert response.status_code == 303
    db.session.refresh(idea)
    assert (idea.title, idea.summary, idea.body, idea.tag_names) == (
        "Open-ear earbuds", "Hear the street.", "v2", "audio, safety")
    assert "Open-ear earbuds" in html(client.get(f"/ideas/{idea.id}"))


def test_edit_without_a_tags_field_keeps_the_tags(client, login_as, make_idea):
    """A client that leaves the tags field out (found by the fuzz test: it was a 500) keeps the idea's tags."""
    idea = make_idea(tags="audio, safety")
    login_as(idea.author)
    response = client.post(f"/ideas/{idea.id}/edit", data={"title": "Open-ear earbuds", "summary": "Hear it."})
    assert response.status_code == 303
    db.session.refresh(idea)
    assert (idea.title, idea.tag_names) == ("Open-ear earbuds", "audio, safety")


@pytest.mark.parametrize("method", ["get", "post"])
def test_other_member_may_not_edit(client, login_as, make_user, make_idea, add_member, method):
    """Another project member is refused with 403 and an explanation; the idea is unchanged."""
    idea = make_idea()
    other = make_user()
    login_as(other)
    add_member(idea.project, other)
    response = getattr(client, method)(f"/ideas/{idea.id}/edit", data={**VALID})
    assert response.status_code == 403
    assert "Only the author can edit this idea." in html(response)
    db.session.refresh(idea)
    assert idea.title == "Bone-conduction earbuds"


@pytest.mark.parametrize("method", ["get", "post"])
def test_edit_after_voting_opened_is_409(client, login_as, make_idea, method):
    """Once voting is open the author can no longer edit: 409 with the reason."""
    idea = make_idea(stage="vote")
    login_as(idea.author)
    response = getattr(client, method)(f"/ideas/{idea.id}/edit", data={**VALID})
    assert response.status_code == 409
    assert "An idea can only be edited before voting opens." in html(response)
    db.session.refresh(idea)
    assert idea.title == "Bone-conduction earbuds"


# --- Lists ------------------------------------------------------------------------------------
@pytest.fixture
def catalogue(make_project, make_user, make_idea):
    """Four ideas of one project in different stages and with different tags."""
    project, author = make_project(), make_user()
    for title, stage, tags in [("Alpha lamp", "idea", "light"), ("Beta speaker", "vote", "audio"),
                               ("Gamma watch", "spec", "audio, wearable"),
                               ("Delta drone", "archived", "air")]:
        make_idea(project=project, author=author, stage=stage, title=title, tags=tags)
    return project


ALL_TITLES = ["Alpha lamp", "Beta speaker", "Gamma watch", "Delta drone"]


@pytest.mark.parametrize("where", ["/ideas", "project"])
@pytest.mark.parametrize("query, shown", [
    ("", {"Alpha lamp", "Beta speaker", "Gamma watch"}),
    ("?stage=vote", {"Beta speaker"}),
    ("?tag=audio", {"Beta speaker", "Gamma watch"}),
    ("?stage=spec&tag=audio", {"Gamma watch"}),
    ("?stage=archived", {"Delta drone"}),
    ("?tag=nothing", set()),
])
def test_list_filters(client, catalogue, where, query, shown):
    """Stage and tag filters show exactly the matching ideas; archived ones only on request."""
    base = "/ideas" if where == "/ideas" else f"/projects/{catalogue.slug}"
    page = html(client.get(base + query))
    assert {t for t in ALL_TITLES if t in page} == shown
    assert ("No idea matches these filters." in page) == (not shown)


def idea_list(page: str) -> str:
    """The idea list section of a page or fragment, its nonces blanked."""
    return without_nonces(re.search(r'<section id="idea-list".*?</section>', page, re.S)[0])


@pytest.mark.parametrize("page_cache", [0, 600], ids=["fresh", "cached"])
@pytest.mark.parametrize("query", ["?stage=vote&tag=&sort=newest", "?stage=&tag=audio&sort=votes", ""])
def test_filtered_fragment_and_page_agree(app, client, catalogue, clock, page_cache, query):
    """The URL a filter change pushes (the plain form's query string) shows the same list in the full page as in the
    htmx fragment, with the form set to those filters; Back's history restore gets the page, even from the cache."""
    app.config["PAGE_CACHE_SECONDS"] = page_cache
    fragment = html(client.get("/ideas" + query, headers=HTMX))
    page = html(client.get("/ideas" + query))
    assert "<html" not in fragment and 'class="filters"' not in fragment
    assert idea_list(fragment) == idea_list(page)
    filters = re.search(r'<form class="filters".*?</form>', page, re.S)[0]
    for name, value in parse_qsl(query.lstrip("?")):
        if name != "tag":
            assert re.search(rf'<option value="{value}" selected>', filters), (name, value)
    restored = html(client.get("/ideas" + query, headers={**HTMX, "HX-History-Restore-Request": "true"}))
    assert without_nonces(restored) == without_nonces(page)


@pytest.fixture
def voted_ideas(make_project, make_user, make_idea):
    """Three ideas in the vote stage, oldest first, with 1, 2 and 0 votes (stored directly)."""
    project = make_project(vote_threshold=100)
    ideas = [make_idea(project=project, stage="vote", title=t)
             for t in ("Old one-vote", "Mid two-votes", "New no-vote")]
    for idea, votes in zip(ideas, (1, 2, 0), strict=True):
        db.session.add_all(Vote(idea_id=idea.id, user_id=make_user().id) for _ in range(votes))
        idea.vote_count = votes
    db.session.commit()
    return ideas


@pytest.mark.parametrize("sort, order", [
    ("votes", ["Mid two-votes", "Old one-vote", "New no-vote"]),
    ("newest", ["New no-vote", "Mid two-votes", "Old one-vote"]),
])
def test_list_sorts(client, voted_ideas, sort, order):
    """Sorting by votes puts the higher count first; newest puts the latest proposal first."""
    page = html(client.get(f"/ideas?sort={sort}"))
    assert titles_in_order(page, order) == order


@pytest.mark.parametrize("page_number, shown", [
    (1, ["Lamp three", "Lamp two"]),
    (2, ["Lamp one"]),
    (99, []),
])
def test_pagination(app, client, make_project, make_user, make_idea, page_number, shown):
    """Pages follow each other; a page past the end answers 200 with an empty state."""
    app.config["PER_PAGE"] = 2
    project, author = make_project(), make_user()
    for title in ("Lamp one", "Lamp two", "Lamp three"):
        make_idea(project=project, author=author, title=title)
    response = client.get(f"/ideas?sort=newest&page={page_number}")
    page = html(response)
    assert response.status_code == 200
    assert titles_in_order(page, ["Lamp one", "Lamp two", "Lamp three"]) == shown
    assert ('class="empty"' in page) == (not shown)


def test_tag_link_filters_the_list(client, catalogue):
    """Following a tag chip from an idea page lists only the ideas with that tag."""
    gamma = db.session.scalar(select(Idea).where(Idea.title == "Gamma watch"))
    link = re.search(r'href="([^"]*tag=wearable[^"]*)"', html(client.get(f"/ideas/{gamma.id}")))
    assert link, "the idea page links its tags"
    page = html(client.get(link.group(1).replace("&amp;", "&")))
    assert {t for t in ALL_TITLES if t in page} == {"Gamma watch"}


def test_tag_chip_in_list_filters_the_list(client, catalogue):
    """The tag chip in a list links to the same list filtered by that tag."""
    page = html(client.get(f"/projects/{catalogue.slug}"))
    link = re.search(r'href="([^"]*tag=audio[^"]*)"', page)
    assert link
    filtered = html(client.get(link.group(1).replace("&amp;", "&")))
    assert {t for t in ALL_TITLES if t in filtered} == {"Beta speaker", "Gamma watch"}
