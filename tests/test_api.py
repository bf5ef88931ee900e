"""The JSON API: tokens, reads under the access policy (ideas, projects, threads, contests, R&D partnerships,
dashboards: the same answers as the pages), writes with the write scope, errors, the OpenAPI document."""

from datetime import timedelta

import jsonschema
import pytest
from sqlalchemy import func, select
from test_contests import png
from test_policy_matrix import CONTEST_TERMS

from crowdspirit.api import tokens
from crowdspirit.api.models import ApiCall, ApiToken
from crowdspirit.contests import services as contests
from crowdspirit.database import utcnow
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.pipeline import services as pipeline
from crowdspirit.pipeline.models import Idea, Stage
from crowdspirit.projects import nda
from crowdspirit.specs import services as specs
from crowdspirit.specs.models import SECTIONS

SECRET = "Quantumbrise"
READY = {**{name: f"The {name}" for name in SECTIONS}, "open_questions": "- [x] Settled"}


@pytest.fixture
def openapi(client):
    """The served OpenAPI document, checked against the OpenAPI 3.1 meta-schema's basics."""
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0" and document["paths"]
    return document


def check(openapi, response, schema_name=None):
    """Validate a JSON response against the schema the document gives for it."""
    schema = {"$ref": f"#/components/schemas/{schema_name}"} if schema_name else None
    resolver_root = {"components": openapi["components"], **(schema or {})}
    jsonschema.validate(response.get_json(), resolver_root if schema else {}, cls=jsonschema.Draft202012Validator)
    return response.get_json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def token_for(app):
    """A token for a user (write scope on request)."""
    def make(user, write=False, days=90):
        return tokens.create_token(user, "bot", write, days)[1]
    return make


# --- Tokens page -------------------------------------------------------------------------------------
def test_a_member_creates_a_token_sees_it_once_and_revokes_it(client, login_as, make_user):
    login_as(make_user())
    page = client.post("/settings/tokens", data={"name": "Lab dashboard", "days": "30"}).get_data(as_text=True)
    assert "Copy your new token now" in page
    plain = page.split('<code class="token-value">')[1].split("<")[0]
    stored = db.session.scalar(select(ApiToken))
    assert plain.startswith("cs_") and plain not in stored.token_hash and stored.scopes == "read"
    assert plain not in client.get("/settings/tokens").get_data(as_text=True)  # shown once
    assert client.get("/api/v1/projects", headers=bearer(plain)).status_code == 200
    revoked = client.post(f"/settings/tokens/{stored.id}/revoke", follow_redirects=True)
    assert "revoked: calls with it now fail" in revoked.get_data(as_text=True)
    refused = client.get("/api/v1/projects", headers=bearer(plain))
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "revoked_token"


def test_the_tokens_page_refuses_an_empty_name_and_other_peoples_tokens(client, login_as, make_user, token_for):
    other = make_user()
    token_for(other)
    login_as(make_user())
    response = client.post("/settings/tokens", data={"name": "", "days": "30"})
    assert response.status_code == 422 and "This field is required." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
    assert client.post("/settings/tokens/1/revoke").status_code == 404


# --- Reads follow the access policy -----------------------------------------------------------------------
@pytest.fixture
def secret_project(make_user, make_org, make_project, make_idea, add_member):
    """A project whose spec stage is confidential, with the secret word in a spec idea, its spec and a post."""
    org = make_org()
    owner = make_user(organisation=org)
    project = make_project(owner=owner, title="Helios", kind="sponsored", policy_spec="confidential")
    signer = make_user()
    add_member(project, signer)
    nda.publish(project, owner, "Keep it secret.")
    nda.accept(project, signer, 1)
    idea = make_idea(project=project, author=signer, title=f"{SECRET} amplifier", stage=Stage.SPEC)
    specs.save_revision(idea, signer, 1, "draft", problem=f"{SECRET} inside", target_users="", features="",
                        constraints="", target_price="")
    forum.add_post(forum.thread_of_idea(idea), signer, f"{SECRET} in the thread")
    open_idea = make_idea(project=project, title="Open amplifier", stage=Stage.VOTE)
    return {"project": project, "idea": idea, "open": open_idea, "signer": signer}


def test_outsiders_read_the_open_content_and_never_the_confidential(client, openapi, make_user, token_for,
                                                                   secret_project):
    idea = secret_project["idea"]
    outsider = bearer(token_for(make_user()))
    for headers in ({}, outsider):
        listing = client.get("/api/v1/ideas?limit=100", headers=headers)
        assert [i["title"] for i in check(openapi, listing, None)["items"]] == ["Open amplifier"]
        for url in (f"/api/v1/ideas/{idea.id}", f"/api/v1/ideas/{idea.id}/spec",
                    f"/api/v1/threads/{forum.thread_of_idea(idea).id}/posts", f"/api/v1/search?q={SECRET}"):
            response = client.get(url, headers=headers)
            assert SECRET not in response.get_data(as_text=True).replace(f"q={SECRET}", "")
            assert response.status_code in (200, 404)
        missing = client.get(f"/api/v1/ideas/{idea.id}", headers=headers)
        assert missing.status_code == 404 and check(openapi, missing, "Error")["error"]["code"] == "not_found"


def test_a_signer_reads_it_all_with_a_token(client, openapi, token_for, secret_project):
    headers, idea = bearer(token_for(secret_project["signer"])), secret_project["idea"]
    detail = check(openapi, client.get(f"/api/v1/ideas/{idea.id}", headers=headers), "IdeaDetail")
    assert detail["title"] == f"{SECRET} amplifier" and [h["to"] for h in detail["history"]] == ["idea", "vote", "spec"]
    spec = check(openapi, client.get(f"/api/v1/ideas/{idea.id}/spec", headers=headers), "Spec")
    assert spec["sections"]["problem"] == f"{SECRET} inside" and spec["revision"] == 2
    first = check(openapi, client.get(f"/api/v1/ideas/{idea.id}/spec?revision=1", headers=headers), "Spec")
    assert first["revision"] == 1 and SECRET not in first["sections"]["problem"]
    listed = client.get(f"/api/v1/ideas/{idea.id}/spec/revisions", headers=headers).get_json()
    assert [r["revision"] for r in listed] == [2, 1]
    thread = check(openapi, client.get(f"/api/v1/threads/{forum.thread_of_idea(idea).id}", headers=headers), "Thread")
    assert thread["idea"] == idea.id and thread["posts"] == 1
    posts = client.get(f"/api/v1/threads/{forum.thread_of_idea(idea).id}/posts", headers=headers).get_json()
    assert [p["body"] for p in posts["items"]] == [f"{SECRET} in the thread"]
    project = check(openapi, client.get(f"/api/v1/projects/{secret_project['project'].slug}", headers=headers),
                    "Project")
    assert project["title"] == "Helios"
    assert project["gates"] == {"open_voting": {"decider": "community", "threshold": 5},
                                "promotion": {"decider": "community", "threshold": 10},
                                "partner": {"decider": "community", "threshold": 5}}
    assert db.session.scalar(select(func.count()).select_from(ApiCall)) == 7  # every call logged with its token


def test_cursor_pagination_walks_every_idea_once(client, make_project, make_idea):
    project = make_project()
    for n in range(7):
        make_idea(project=project, title=f"Idea {n}")
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/ideas", query_string={"limit": 3, "sort": "newest",
                                                          **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [i["title"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Idea {n}" for n in range(6, -1, -1)]


def test_posts_are_paged_with_the_cursor_the_api_gives(client, make_user, make_idea):
    idea, author = make_idea(), make_user()
    thread = forum.thread_of_idea(idea)
    for n in range(5):
        forum.add_post(thread, author, f"Post {n}")
    seen, cursor = [], None
    while True:
        page = client.get(f"/api/v1/threads/{thread.id}/posts", query_string={
            "limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [p["body"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Post {n}" for n in range(5)]
    for url in ("/api/v1/search?page=²", f"/api/v1/ideas/{idea.id}/spec?revision=²"):
        assert client.get(url).status_code == 400


def test_etags_answer_unchanged_reads_with_304(client, make_idea):
    idea = make_idea()
    first = client.get(f"/api/v1/ideas/{idea.id}")
    assert first.headers["ETag"] and "Authorization" in first.headers["Vary"]
    again = client.get(f"/api/v1/ideas/{idea.id}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=abc", "limit"), ("limit=101", "limit"), ("limit=²", "limit"),
    ("cursor=%%%", "cursor"),
    ("cursor=WzFd", "cursor"), ("stage=nowhere", "stage"), ("sort=random", "sort"),
])
def test_bad_parameters_get_an_error_object_naming_the_field(client, openapi, query, field):
    response = client.get(f"/api/v1/ideas?{query}")
    assert response.status_code == 400 and check(openapi, response, "Error")["error"]["field"] == field


def test_unknown_expired_or_malformed_tokens_are_refused(client, openapi, make_user, token_for):
    user = make_user()
    expired = token_for(user)
    db.session.scalar(select(ApiToken)).expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    for header, code in ((bearer(expired), "expired_token"), (bearer("cs_nonsense"), "invalid_token"),
                         ({"Authorization": "Basic abc"}, "invalid_token")):
        response = client.get("/api/v1/projects", headers=header)
        assert response.status_code == 401 and check(openapi, response, "Error")["error"]["code"] == code
    assert client.get("/api/v1/notifications").status_code == 401


# --- Writes need the write scope ------------------------------------------------------------------------
def test_a_bot_proposes_an_idea_and_votes_with_a_write_token(client, openapi, make_user, make_project, make_idea,
                                                              token_for):
    project, user = make_project(), make_user()
    headers = bearer(token_for(user, write=True))
    created = client.post(f"/api/v1/projects/{project.slug}/ideas", headers=headers,
                          json={"title": "Bot idea", "summary": "Proposed by a bot.", "tags": "bots"})
    assert created.status_code == 201 and created.headers["Location"].endswith(f"/ideas/{created.get_json()['id']}")
    assert check(openapi, created, "IdeaDetail")["tags"] == ["bots"]
    voting = make_idea(project=project, stage=Stage.VOTE)
    voted = client.post(f"/api/v1/ideas/{voting.id}/vote", headers=headers)
    assert check(openapi, voted, "Vote") == {"idea": voting.id, "votes": 1, "voted": True}
    again = client.post(f"/api/v1/ideas/{voting.id}/vote", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"


def test_a_bot_tags_in_french_and_a_tag_of_punctuation_is_refused(client, openapi, make_user, make_project,
                                                                     token_for):
    project, headers = make_project(), bearer(token_for(make_user(), write=True))
    created = client.post(f"/api/v1/projects/{project.slug}/ideas", headers=headers,
                          json={"title": "Réparable", "summary": "Se répare.", "tags": "Réparabilité, réparabilité"})
    assert created.status_code == 201 and check(openapi, created, "IdeaDetail")["tags"] == ["réparabilité"]
    refused = client.post(f"/api/v1/projects/{project.slug}/ideas", headers=headers,
                          json={"title": "Bruit", "summary": "Rien.", "tags": "--, !!"})
    error = check(openapi, refused, "Error")["error"]
    assert refused.status_code == 422 and error["field"] == "tags"
    assert error["message"] == "Tags use letters, digits and dashes (30 at most): --, !!"
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 1


def test_tags_come_as_an_array_too(client, openapi, make_user, make_project, token_for):
    """The API takes tags as an array of strings as well as one comma-separated string; an array holding a comma or
    a number is a 422 that stores nothing."""
    project, headers = make_project(), bearer(token_for(make_user(), write=True))
    created = client.post(f"/api/v1/projects/{project.slug}/ideas", headers=headers,
                          json={"title": "Lampe", "summary": "Solaire.", "tags": ["solaire", "Réparabilité"]})
    assert created.status_code == 201 and check(openapi, created, "IdeaDetail")["tags"] == ["réparabilité", "solaire"]
    for tags in (["a, b"], ["ok", 3]):
        refused = client.post(f"/api/v1/projects/{project.slug}/ideas", headers=headers,
                              json={"title": "Bruit", "summary": "Rien.", "tags": tags})
        assert refused.status_code == 422 and check(openapi, refused, "Error")["error"]["field"] == "tags"
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 1


@pytest.mark.parametrize("body, status, field", [
    ({"title": "Fine", "summary": "Fine.", "colour": "red"}, 400, "colour"),
    ({"title": 12, "summary": "Fine."}, 422, "title"),
    ({"title": "", "summary": "Fine."}, 422, "title"),
    (["not", "an", "object"], 400, "body"),
])
def test_bad_bodies_are_refused_and_nothing_is_written(client, openapi, make_user, make_project, token_for,
                                                       body, status, field):
    project, headers = make_project(), bearer(token_for(make_user(), write=True))
    response = client.post(f"/api/v1/projects/{project.slug}/ideas", headers=headers, json=body)
    assert response.status_code == status and check(openapi, response, "Error")["error"]["field"] == field
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 0


def test_an_oversize_body_gets_an_error_object_and_nothing_is_written(app, client, make_user, make_project,
                                                                     token_for):
    project, headers = make_project(), bearer(token_for(make_user(), write=True))
    response = client.post(f"/api/v1/projects/{project.slug}/ideas", headers=headers,
                           json={"title": "Big", "summary": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 0


def test_writes_need_a_token_with_the_write_scope(client, login_as, make_user, make_project, token_for):
    project, user = make_project(), make_user()
    body = {"title": "Sneaky", "summary": "No."}
    read_only = client.post(f"/api/v1/projects/{project.slug}/ideas", headers=bearer(token_for(user)), json=body)
    assert read_only.status_code == 403 and read_only.get_json()["error"]["code"] == "insufficient_scope"
    login_as(user)  # a browser session (cookie) never writes through the API
    session = client.post(f"/api/v1/projects/{project.slug}/ideas", json=body)
    assert session.status_code == 401 and session.get_json()["error"]["code"] == "token_required"
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 0


def test_a_bot_replies_in_a_thread_and_moves_a_stage_under_the_same_rules(client, openapi, make_user, make_project,
                                                                          make_idea, token_for):
    author, stranger = make_user(), make_user()
    project = make_project()
    idea = make_idea(project=project, author=author)
    thread = forum.thread_of_idea(idea)
    posted = client.post(f"/api/v1/threads/{thread.id}/posts", headers=bearer(token_for(stranger, write=True)),
                         json={"body": "Have you tried **graphene**?"})
    assert posted.status_code == 201 and check(openapi, posted, "Post")["body"] == "Have you tried **graphene**?"
    refused = client.post(f"/api/v1/ideas/{idea.id}/transitions", headers=bearer(token_for(stranger, write=True)),
                          json={"to": "vote"})
    assert refused.status_code == 403 and "opening voting" in refused.get_json()["error"]["message"]
    moved = client.post(f"/api/v1/ideas/{idea.id}/transitions", headers=bearer(token_for(author, write=True)),
                        json={"to": "vote", "reason": "Ready"})
    assert check(openapi, moved, "IdeaDetail")["stage"] == "vote"
    again = client.post(f"/api/v1/ideas/{idea.id}/transitions", headers=bearer(token_for(author, write=True)),
                        json={"to": "nowhere"})
    assert again.status_code in (404, 409) and check(openapi, again, "Error")
    empty = client.post(f"/api/v1/threads/{thread.id}/posts", headers=bearer(token_for(stranger, write=True)),
                        json={"body": ""})
    assert empty.status_code == 422 and empty.get_json()["error"]["field"] == "body"


def test_an_organisation_token_is_shared_by_its_members_and_dies_with_its_creators_membership(
        client, login_as, make_user, make_org):
    org = make_org()
    creator, colleague = make_user(organisation=org), make_user(organisation=org)
    login_as(creator)
    page = client.post("/settings/tokens", data={"name": "PLM sync", "days": "90", "for_organisation": "y"})
    plain = page.get_data(as_text=True).split('<code class="token-value">')[1].split("<")[0]
    login_as(colleague)
    assert "PLM sync" in client.get("/settings/tokens").get_data(as_text=True)
    assert client.get("/api/v1/projects", headers=bearer(plain)).status_code == 200
    creator.organisation_id = None
    db.session.commit()
    assert client.get("/api/v1/projects", headers=bearer(plain)).status_code == 401
    token = db.session.scalar(select(ApiToken))
    assert client.post(f"/settings/tokens/{token.id}/revoke").status_code == 303


def test_wrong_tokens_are_rate_limited_by_address(app, client):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    statuses = [client.get("/api/v1/projects", headers=bearer("cs_wrong")).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_an_organisation_token_reads_with_the_organisations_rights_not_its_creators(
        client, login_as, make_user, make_org, make_project, make_idea, add_member):
    """The creator signed a rival project's NDA and moderates the platform; the shared token carries neither."""
    org = make_org("Helios Audio")
    creator = make_user(organisation=org, moderator=True)
    rival = make_project(title="Rival lab", policy_spec="confidential")
    add_member(rival, creator)
    secret = make_idea(project=rival, title="Rival secret", stage=Stage.SPEC)
    login_as(creator)
    page = client.post("/settings/tokens", data={"name": "PLM", "days": "30", "for_organisation": "y", "write": "y"})
    plain = page.get_data(as_text=True).split('<code class="token-value">')[1].split("<")[0]
    assert db.session.scalar(select(ApiToken)).scopes == "read"  # organisation tokens never write
    assert client.get(f"/api/v1/ideas/{secret.id}", headers=bearer(plain)).status_code == 404
    assert client.get("/api/v1/notifications", headers=bearer(plain)).status_code == 401
    own = make_project(owner=creator, title="Helios lab", kind="sponsored", policy_spec="confidential")
    mine = make_idea(project=own, title="Helios secret", stage=Stage.SPEC)
    assert client.get(f"/api/v1/ideas/{mine.id}", headers=bearer(plain)).status_code == 200  # the sponsor's team


def test_rate_limits_count_per_token(app, client, make_user, token_for):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    first, second = bearer(token_for(make_user())), bearer(token_for(make_user()))
    statuses = [client.get("/api/v1/projects", headers=first).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/projects", headers=first).get_json()
    assert limited["error"]["code"] == "rate_limited"
    assert client.get("/api/v1/projects", headers=second).status_code == 200


# --- Contests ------------------------------------------------------------------------------------------------
@pytest.fixture
def contest_people(make_user, make_org):
    helios = make_org("Helios Audio")
    return {"sponsor": make_user(name="Sam Sponsor", organisation=helios),
            "hana": make_user(name="Hana Helios", organisation=helios), "ann": make_user(name="Ann Artist"),
            "bob": make_user(name="Bob Builder"), "voter": make_user(name="Vic Voter"), "outsider": make_user()}


def running(sponsor, entrants=(), **terms):
    """A contest opened by the sponsor's team, with an entry (and its image) by each entrant."""
    contest = contests.create_contest(sponsor, **{**CONTEST_TERMS, "title": "A logo for Helios", **terms})
    contests.open_contest(contest, sponsor)
    for user, title in entrants:
        contests.submit_entry(contest, user, title, "A round **sun**.", [contests.Upload("logo.png", png())], True,
                              contest.terms_version)
    return contest


def test_contests_and_their_entries_show_what_the_contest_page_shows(app, client, openapi, contest_people, clock,
                                                                    token_for):
    """Private entries are their author's and the sponsor's team's until the public phase; drafts the team's."""
    people = contest_people
    contest = running(people["sponsor"], [(people["ann"], f"{SECRET} sun"), (people["bob"], f"{SECRET} wave")])
    contests.create_contest(people["sponsor"], **{**CONTEST_TERMS, "title": "Next year's draft"})
    headers = {who: bearer(token_for(people[who])) for who in ("ann", "hana", "voter")}
    listing = check(openapi, client.get("/api/v1/contests", headers=headers["voter"]), None)
    assert [c["title"] for c in listing["items"]] == ["A logo for Helios"] and listing["items"][0]["entries"] == 0
    team = client.get("/api/v1/contests", headers=headers["hana"]).get_json()["items"]
    assert [(c["title"], c["phase"], c["entries"]) for c in team] == [("Next year's draft", "draft", 0),
                                                                      ("A logo for Helios", "private", 2)]
    assert client.get("/api/v1/contests?phase=draft", headers=headers["voter"]).get_json()["items"] == []
    detail = check(openapi, client.get(f"/api/v1/contests/{contest.id}", headers=headers["voter"]), "ContestDetail")
    assert (detail["phase"], detail["prize_cents"], detail["currency"], detail["entries"]) == (
        "private", CONTEST_TERMS["prize_cents"], CONTEST_TERMS["currency"], 0)
    assert [row["phase"] for row in detail["schedule"]][:2] == ["private", "public"]
    assert detail["schedule"][0]["ends_at"] == detail["phase_ends_at"] and detail["winner"] is None
    url = f"/api/v1/contests/{contest.id}/entries"
    seen = {who: [e["title"] for e in check(openapi, client.get(url, headers=headers[who]), "EntryPage")["items"]]
            for who in ("ann", "hana", "voter")}
    assert seen == {"ann": [f"{SECRET} sun"], "hana": [f"{SECRET} wave", f"{SECRET} sun"], "voter": []}
    assert SECRET not in app.test_client().get(url).get_data(as_text=True)  # visitors see none, as on the page
    bobs = client.get(url, headers=headers["hana"]).get_json()["items"][0]
    assert client.get(f"/api/v1/entries/{bobs['id']}", headers=headers["ann"]).status_code == 404
    clock.advance(hours=72)
    contests.catch_up_all()
    public = client.get(url, headers=headers["voter"]).get_json()["items"]
    assert sorted(e["title"] for e in public) == [f"{SECRET} sun", f"{SECRET} wave"]
    entry = check(openapi, client.get(f"/api/v1/entries/{bobs['id']}", headers=headers["voter"]), "Entry")
    assert entry["files"][0]["thumbnail"].endswith("/thumbnail.png") and entry["author"] == "Bob Builder"


@pytest.mark.parametrize("query, field", [("phase=nowhere", "phase"), ("limit=0", "limit")])
def test_bad_contest_parameters_name_the_field(client, openapi, query, field):
    response = client.get(f"/api/v1/contests?{query}")
    assert response.status_code == 400 and check(openapi, response, "Error")["error"]["field"] == field


def test_a_contest_in_a_closed_project_is_not_found_by_outsiders(client, contest_people, make_project, token_for):
    people = contest_people
    project = make_project(owner=people["sponsor"], kind="sponsored", policy_idea="project", policy_vote="project",
                           policy_spec="project", policy_partner_rnd="project")
    contest = running(people["sponsor"], project_id=project.id, title=f"{SECRET} contest")
    outsider = bearer(token_for(people["outsider"]))
    for url in (f"/api/v1/contests/{contest.id}", f"/api/v1/contests/{contest.id}/entries"):
        assert client.get(url, headers=outsider).status_code == 404
    assert SECRET not in client.get("/api/v1/contests", headers=outsider).get_data(as_text=True)
    assert client.get(f"/api/v1/contests/{contest.id}", headers=bearer(token_for(people["hana"]))).status_code == 200


# --- R&D partnerships ----------------------------------------------------------------------------------------
@pytest.fixture
def rnd_workspace(client, login_as, make_user, make_org, make_project, make_idea, take_into_rnd):
    """An idea taken into R&D by Helios, with a milestone and its task, a decision and a public update."""
    helios = make_org("Helios Audio")
    owner, author = make_user(name="Olga Owner"), make_user(name="Ann Author")
    partner = make_user(name="Hana Helios", organisation=helios)
    project = make_project(owner=owner, spec_approvals_needed=0)
    idea = make_idea(project=project, author=author, title="Modular speaker", stage=Stage.SPEC)
    specs.save_revision(idea, author, 1, "ready", **READY)
    assert take_into_rnd(idea, partner, author).status_code == 303
    base = f"/ideas/{idea.id}/workspace"
    login_as(partner)
    assert client.post(f"{base}/milestones", data={"title": f"{SECRET} prototype", "owner_id": str(partner.id),
                                                   "due_on": "2030-01-31"}).status_code == 303
    milestone_id = int(client.get(base).get_data(as_text=True).split('id="milestone-')[1].split('"')[0])
    assert client.post(f"/milestones/{milestone_id}/tasks", data={"text": "Order cells"}).status_code == 303
    assert client.post(f"{base}/decisions", data={"title": "LiFePO4 cells", "rationale": "Safer"}).status_code == 303
    assert client.post(f"{base}/updates", data={"headline": "Prototype started", "body": "Soon."}).status_code == 303
    return {"idea": idea, "owner": owner, "author": author, "partner": partner, "outsider": make_user()}


def test_a_partnership_is_read_by_its_workspace_and_nobody_else(app, client, openapi, login_as, rnd_workspace,
                                                                token_for):
    w = rnd_workspace
    url = f"/api/v1/ideas/{w['idea'].id}/partnership"
    read = check(openapi, client.get(url, headers=bearer(token_for(w["partner"]))), "Partnership")
    assert read["organisation"] == "Helios Audio" and read["title"] == "Modular speaker"
    assert [(m["title"], [t["text"] for t in m["tasks"]]) for m in read["milestones"]] == [
        (f"{SECRET} prototype", ["Order cells"])]
    assert [d["title"] for d in read["decisions"]] == ["LiFePO4 cells"]
    assert [u["headline"] for u in read["updates"]] == ["Prototype started"]
    assert "Hana Helios" in [p["name"] for p in read["participants"]]
    mine = client.get("/api/v1/partnerships", headers=bearer(token_for(w["partner"])))
    assert [p["idea"] for p in check(openapi, mine, None)] == [w["idea"].id]
    for who in ("owner", "outsider"):
        login_as(w[who])
        page = client.get(f"/ideas/{w['idea'].id}/workspace").status_code
        answer = client.get(url, headers=bearer(token_for(w[who])))
        assert page == answer.status_code == 404 and SECRET not in answer.get_data(as_text=True), who
        assert client.get("/api/v1/partnerships", headers=bearer(token_for(w[who]))).get_json() == []
    visitor = app.test_client()
    assert visitor.get(url).status_code == 404  # a visitor may not know the workspace exists either
    assert visitor.get("/api/v1/partnerships").status_code == 401


# --- Dashboards ----------------------------------------------------------------------------------------------
def test_the_members_dashboard_counts_their_own_ideas_and_contributions(client, openapi, make_user, make_project,
                                                                        make_idea, make_org, token_for):
    author = make_user()
    project = make_project()
    make_idea(project=project, author=author, title="First")
    voting = make_idea(project=project, author=author, title="Second", stage=Stage.VOTE)
    pipeline.cast_vote(make_idea(project=project, stage=Stage.VOTE), author)
    board = check(openapi, client.get("/api/v1/dashboard", headers=bearer(token_for(author))), "Dashboard")
    assert board["stages"] == {"idea": 1, "vote": 1} and [i["title"] for i in board["ideas"]] == ["Second", "First"]
    assert board["contributions"]["ideas"] == 2 and board["contributions"]["votes"] == 1
    assert board["ideas"][0]["id"] == voting.id and board["waiting"]["offers"] == 0
    assert client.get("/api/v1/dashboard").status_code == 401
    org = make_org()
    organisation_token = tokens.create_token(make_user(organisation=org), "PLM", False, 30, for_organisation=True)[1]
    assert client.get("/api/v1/dashboard", headers=bearer(organisation_token)).status_code == 401


def test_the_sponsor_dashboard_is_its_teams_alone(client, openapi, make_user, make_org, make_project, make_idea,
                                                  token_for):
    helios, rival = make_org("Helios Audio"), make_org("Rival")
    member = make_user(organisation=helios)
    project = make_project(owner=member, title="Helios lab", kind="sponsored")
    make_idea(project=project, title="Open speaker", stage=Stage.VOTE)
    url = f"/api/v1/organisations/{helios.slug}/dashboard"
    board = check(openapi, client.get(f"{url}?weeks=4", headers=bearer(token_for(member))), "SponsorDashboard")
    assert board["weeks"] == 4 and board["projects"] == [project.slug] and board["figures"]["in_pipeline"] == 1
    assert set(board["charts"]) == {"pipeline", "funnel", "stage-time", "participation", "contributors"}
    assert len(board["charts"]["pipeline"]["rows"]) == 4 and board["charts"]["pipeline"]["rows"][-1]["values"][
        "vote"] == 1
    for headers in (bearer(token_for(make_user(organisation=rival))), bearer(token_for(make_user()))):
        refused = client.get(url, headers=headers)
        assert refused.status_code == 404 and "Helios lab" not in refused.get_data(as_text=True)
    wrong = client.get(f"{url}?weeks=0", headers=bearer(token_for(member)))
    assert wrong.status_code == 400 and check(openapi, wrong, "Error")["error"]["field"] == "weeks"
    assert client.get(url).status_code == 404  # nor do visitors learn which organisations exist
    shared = tokens.create_token(member, "PLM", False, 30, for_organisation=True)[1]  # the team's tools read it too
    assert client.get(url, headers=bearer(shared)).get_json()["projects"] == [project.slug]


# --- The document and its reference page ----------------------------------------------------------------
def test_the_openapi_document_lists_every_api_route_and_its_schemas_are_valid(app, openapi):
    documented = {(method.upper(), "/api/v1" + path) for path, methods in openapi["paths"].items()
                  for method in methods}
    routes = {(method, rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}"))
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              and rule.endpoint not in ("api.openapi", "api.reference")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routes
    for schema in openapi["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_the_reference_page_reads_the_document(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/ideas/{idea_id}" in page and "Propose an idea (write scope)" in page
