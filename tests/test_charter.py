"""The platform's charter: administrators publish versions in both languages; newcomers accept it at sign-up; members
accept each new version before taking part again; moderators' decisions link to it."""

from conftest import PASSWORD
from flask import g
from flask_babel import refresh
from sqlalchemy import select

from crowdspirit.accounts.models import CharterAcceptance, CharterVersion, User
from crowdspirit.extensions import db
from crowdspirit.forum import moderation
from crowdspirit.forum import services as forum

CHARTER = {"text_en": "## Be kind\nNo **harassment**.", "text_fr": "## Soyez bienveillants\nPas de **harcèlement**.",
           "note": ""}
SIGNUP = {"email": "ada@example.org", "display_name": "Ada Lovelace", "password": PASSWORD,
          "confirm": PASSWORD, "profile_kind": "student", "skills": ""}


def fresh(client):
    """The client, with the user and language that Flask-Login and Flask-Babel cached in the test's long-lived
    context forgotten (the next request finds them again, as a new request in production does)."""
    g.pop("_login_user", None)
    refresh()
    return client


def publish(client, login_as, admin, **changes):
    login_as(admin)
    response = client.post("/charter/edit", data={**CHARTER, **changes})
    assert response.status_code == 303, response.text[-500:]


def test_admins_publish_versions_that_read_in_both_languages(client, login_as, make_user):
    """Only admins publish (404 to others); both languages are required; readers get their own language."""
    login_as(make_user())
    assert client.get("/charter/edit").status_code == 404
    admin = make_user(admin=True)
    login_as(admin)
    refused = client.post("/charter/edit", data={**CHARTER, "text_fr": ""})
    assert refused.status_code == 422
    publish(client, login_as, admin)
    with client.session_transaction() as session:
        session.clear()
    page = fresh(client).get("/charter").text
    assert "Version 1" in page and "<strong>harassment</strong>" in page
    client.post("/language/fr")
    assert "<strong>harcèlement</strong>" in fresh(client).get("/charter").text
    assert 'href="/charter"' in client.get("/").text  # linked from every page's footer


def test_sign_up_requires_accepting_the_charter_in_force(client, login_as, make_user):
    """With a charter in force, joining without ticking it is refused beside the box; ticking it records the
    acceptance of that version."""
    publish(client, login_as, make_user(admin=True))
    with client.session_transaction() as session:
        session.clear()
    form = fresh(client).get("/signup").text
    assert 'name="charter"' in form and 'name="charter_version" type="hidden" value="1"' in form
    refused = fresh(client).post("/signup", data={**SIGNUP, "charter_version": "1"})
    assert refused.status_code == 422 and "Accept the charter to join." in refused.text
    assert db.session.scalar(select(User).where(User.email == SIGNUP["email"])) is None
    assert fresh(client).post("/signup", data={**SIGNUP, "charter": "y", "charter_version": "1"}).status_code == 303
    user = db.session.scalar(select(User).where(User.email == SIGNUP["email"]))
    [accepted] = db.session.scalars(select(CharterAcceptance).where(CharterAcceptance.user_id == user.id))
    assert db.session.get(CharterVersion, accepted.version_id).number == 1


def test_a_new_version_is_accepted_before_taking_part_again(client, login_as, make_user, make_project, make_idea):
    """Members who accepted version 1 read, but vote and post again only once they accepted version 2; accepting an
    outdated version is refused."""
    admin, member = make_user(admin=True), make_user(name="Mia")
    idea = make_idea(project=make_project(vote_threshold=100), stage="vote")
    publish(client, login_as, admin)
    login_as(member)
    assert "A new version of the platform" in client.get("/").text
    assert fresh(client).post("/charter/accept", data={"number": "1"}).status_code == 303
    assert fresh(client).post(f"/ideas/{idea.id}/vote").status_code == 303
    fresh(client).post(f"/ideas/{idea.id}/unvote")

    publish(client, login_as, admin, note="Clearer rules on self-promotion")
    login_as(member)
    refused = client.post(f"/ideas/{idea.id}/vote")
    assert refused.status_code == 403
    assert "A new version of the platform's charter is in force" in refused.text
    assert 'href="/charter"' in refused.text
    page = fresh(client).get("/charter").text
    assert "What changed: Clearer rules on self-promotion" in page and "I have read and accept" in page
    assert fresh(client).post("/charter/accept", data={"number": "1"}).status_code == 409
    # from the idea's page, the banner's link leads to the charter and, once accepted, back to that page
    banner = fresh(client).get(f"/ideas/{idea.id}").text
    link = f'href="/charter?next=/ideas/{idea.id}"'
    assert link in banner
    charter = fresh(client).get(f"/charter?next=/ideas/{idea.id}").text
    assert f'action="/charter/accept?next=/ideas/{idea.id}"' in charter
    accepted = fresh(client).post(f"/charter/accept?next=/ideas/{idea.id}", data={"number": "2"})
    assert accepted.status_code == 303 and accepted.location == f"/ideas/{idea.id}"
    assert "You accepted this version." in fresh(client).get("/charter").text
    assert fresh(client).post(f"/ideas/{idea.id}/vote").status_code == 303


def test_moderators_decisions_point_to_the_charter(client, login_as, make_user, make_idea):
    """A hidden post shows its author the reason with a link to the charter."""
    author, moderator = make_user(), make_user(moderator=True)
    post = forum.add_post(forum.thread_of_idea(make_idea()), author, "Buy my stuff")
    moderation.hide(post, moderator, "Self-promotion (charter, section 3)")
    login_as(author)
    page = client.get(f"/threads/{post.thread_id}", follow_redirects=True).text  # the idea's page, with its thread
    assert "Self-promotion (charter, section 3)" in page and 'href="/charter"' in page
