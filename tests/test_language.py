"""The member's language on their account: set at sign-up from the page's, changed by the switcher (a form, for a
signed-in member) or in the profile, followed on every browser they sign in from, and spoken by their emails."""

import email
from pathlib import Path

from flask import g
from sqlalchemy import select

from crowdspirit.accounts.models import User
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum

PASSWORD = "correct horse battery"
SIGNUP = {"email": "ada@example.org", "display_name": "Ada Lovelace", "password": PASSWORD, "confirm": PASSWORD,
          "profile_kind": "student", "skills": "electronics"}


def _language(email_address: str) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(User.language).where(User.email == email_address))


def test_signing_up_in_french_keeps_french_on_the_account(client):
    """A visitor who reads the site in French and signs up gets French on their account."""
    assert client.get("/language/fr?next=/signup").status_code == 303
    assert client.post("/signup", data=SIGNUP).status_code == 303
    assert _language("ada@example.org") == "fr"


def test_the_switcher_keeps_a_members_choice_for_every_browser(app, client, login_as, make_user):
    """A member switches to French with the footer's form: their account keeps it, and a browser they sign in from
    later reads French without choosing; the switcher's GET link (a visitor's) writes nothing."""
    member = login_as(make_user(name="Mia"))
    page = client.get("/").text
    assert '<form method="post" action="/language/fr?next=' in page and 'href="/language/fr' not in page
    assert client.get("/language/fr").status_code == 303 and _language(member.email) is None  # a GET: no write
    assert client.post("/language/fr", data={}).status_code == 303
    assert _language(member.email) == "fr"
    other = app.test_client()
    g.pop("_login_user", None)  # the test's long-lived context keeps the last request's user and language
    g.pop("_flask_babel", None)
    response = other.post("/login", data={"email": member.email, "password": "correct horse battery"})
    assert response.status_code == 303
    assert '<html lang="fr"' in other.get("/").text


def test_the_profile_changes_the_language(client, login_as, make_user):
    """The profile form offers the language; saving English there switches the pages at once."""
    member = login_as(make_user(name="Mia"))
    client.post("/language/fr")
    form = client.get("/settings/profile").text
    assert 'name="language"' in form and '<option selected value="fr">Français</option>' in form
    data = {"display_name": "Mia", "profile_kind": "amateur", "skills": "", "bio": "", "language": "en"}
    assert client.post("/settings/profile", data=data).status_code == 303
    g.pop("_flask_babel", None)
    assert _language(member.email) == "en" and '<html lang="en"' in client.get("/").text
    bad = client.post("/settings/profile", data={**data, "language": "de"})
    assert bad.status_code == 422 and _language(member.email) == "en"


def test_the_digest_speaks_the_members_language(app, tmp_path, client, login_as, make_user, make_idea):
    """A French member's digest is in French, an English member's in English."""
    app.config.update(MAIL_BACKEND="file", MAIL_FILE_DIR=str(tmp_path / "mail"))
    thread = forum.thread_of_idea(make_idea())
    ana, bob = make_user(name="Ana"), make_user(name="Bob")
    login_as(ana)
    client.post("/language/fr")
    forum.add_post(thread, make_user(name="Ben"), "@Ana @Bob see this")
    assert "Digests sent: 2." in app.test_cli_runner().invoke(args=["crowdspirit", "send-digests"]).output
    texts = {}
    for path in Path(tmp_path / "mail").iterdir():
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        texts[message["To"]] = (message["Subject"], message.get_body(("plain",)).get_content())
    subject, text = texts[ana.email]
    assert subject == "CrowdSpirit : votre résumé du jour" and "Bonjour Ana," in text and "Ben vous a mentionné" in text
    subject, text = texts[bob.email]
    assert subject == "CrowdSpirit: your daily digest" and "Hello Bob," in text and "Ben mentioned you" in text



def test_templates_translate_as_jinja_newstyle_gettext_does(app):
    """Templates' _() and ngettext() speak the request's language, escape their variables in HTML but not in plain
    text (emails), and read "%%" as "%" even without variables: Jinja's "newstyle" contract, which the app's own
    translation functions keep."""
    source = ('{{ _("Hello %(name)s,", name=who) }}|{{ _("%(percent)s%%", percent=5) }}|'
              '{{ ngettext("%(num)d vote", "%(num)d votes", 3) }}|{{ _("Skip to content") }}|{{ _("100%%") }}')
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert app.jinja_env.from_string(source).render(who="Tom & <Jerry>") == (
            "Bonjour Tom &amp; &lt;Jerry&gt;,|5\N{NO-BREAK SPACE}%|3 votes|Aller au contenu|100%")
        plain = app.jinja_env.overlay(autoescape=False).from_string(source)
        assert plain.render(who="Tom & <Jerry>") == (
            "Bonjour Tom & <Jerry>,|5\N{NO-BREAK SPACE}%|3 votes|Aller au contenu|100%")
    g.pop("_flask_babel", None)  # the test's long-lived context keeps the last request's language
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert app.jinja_env.from_string(source).render(who="Ada") == (
            "Hello Ada,|5%|3 votes|Skip to content|100%")
