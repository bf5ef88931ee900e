"""Site-wide behaviour: pages and htmx fragments, error pages, security headers, Markdown, language."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import TEST_CONFIG
from sqlalchemy import func, select

from crowdspirit import create_app
from crowdspirit.extensions import db
from crowdspirit.pipeline.models import Idea

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "crowdspirit" / "translations"
FRENCH_PO = CATALOGS / "fr" / "LC_MESSAGES" / "messages.po"


@pytest.fixture
def extra_app(database_url):
    """Build an extra app on this test's database with some settings changed."""
    built = []

    def make(**settings):
        built.append(create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **settings}))
        return built[-1]

    yield make
    for app in built:
        with app.app_context():
            db.engine.dispose()


# --- One template, two uses -----------------------------------------------------------------
@pytest.mark.parametrize("path, fragment_id", [
    ("/ideas", "idea-list"), ("/projects", "project-list"), ("/projects/{slug}", "idea-list"),
])
def test_htmx_gets_the_fragment_of_the_same_url(client, make_idea, path, fragment_id):
    """A page load gets the whole page; htmx gets only the list fragment; caches are told so."""
    idea = make_idea(title="Hearing-safe earbuds")
    url = path.format(slug=idea.project.slug)
    page, fragment = client.get(url), client.get(url, headers={"HX-Request": "true"})
    assert page.status_code == fragment.status_code == 200
    assert "<html" in page.text and "<nav" in page.text
    assert "<html" not in fragment.text and "<nav class=\"container\"" not in fragment.text
    assert f'id="{fragment_id}"' in fragment.text
    assert ("Hearing-safe earbuds" if fragment_id == "idea-list" else idea.project.title) in fragment.text
    for response in (page, fragment):
        assert "HX-Request" in response.headers.get("Vary", "")


# --- Errors -----------------------------------------------------------------------------------
def test_unknown_url_is_404_in_the_site_look(client):
    """An unknown URL gets a 404 page with the site's navigation and a plain explanation."""
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "<nav" in response.text and "Projects" in response.text
    assert "This page does not exist, or you may not see it." in response.text


def test_htmx_404_is_an_alert_retargeted_to_messages(client):
    """For htmx a 404 is an alert fragment that htmx swaps into the message area."""
    response = client.get("/no/such/page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert "<html" not in response.text and 'role="alert"' in response.text
    assert "This page does not exist" in response.text
    assert response.headers["HX-Retarget"] == "#messages"


def test_get_on_a_post_only_route_is_405(client):
    """GET /logout is refused with 405 and a clear message."""
    response = client.get("/logout")
    assert response.status_code == 405
    assert "This address does not accept that kind of request." in response.text


def test_oversize_body_is_413_and_nothing_is_written(app, client, login_as, make_project):
    """An idea whose body exceeds MAX_CONTENT_LENGTH is refused with 413 and not stored."""
    project = make_project()
    login_as(project.owner)
    body = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024)
    response = client.post(f"/projects/{project.slug}/ideas/new",
                           data={"title": "Huge idea", "summary": "Too long", "body": body})
    assert response.status_code == 413
    assert "What you sent is too large." in response.text
    assert db.session.scalar(select(func.count(Idea.id))) == 0


def test_server_error_renders_the_apology_page(extra_app):
    """An unexpected exception gives a 500 apology page in the site's look, with no stack trace."""
    app = extra_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/test-only/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/test-only/boom")
    assert response.status_code == 500
    assert "An unexpected error happened on our side. It has been logged." in response.text
    assert "<nav" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text


# --- Security -------------------------------------------------------------------------------
def csp_of(response) -> dict[str, str]:
    """The response's Content-Security-Policy as {directive: sources}."""
    directives = (d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";"))
    return {name: sources for name, sources in directives}


@pytest.mark.parametrize("path", ["/", "/projects", "/no/such/page"])
def test_security_headers(client, path):
    """Every response, error pages included, carries the CSP, nosniff, referrer and framing headers; each page
    gets its own nonce, which every script tag and htmx's inline-script setting carry."""
    response = client.get(path)
    policy = csp_of(response)
    nonce = re.fullmatch(r"'self' 'nonce-([\w-]{24})'", policy["script-src"])[1]
    assert policy["style-src"] == f"'self' 'nonce-{nonce}'" and policy["frame-ancestors"] == "'none'"
    scripts = re.findall(r"<script[^>]*>", response.text)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert f'"inlineScriptNonce": "{nonce}"' in response.text
    assert csp_of(client.get(path))["script-src"] != policy["script-src"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_over_tls(client):
    """Behind TLS (as ProxyFix reports it) browsers are told to keep to HTTPS for a year."""
    response = client.get("/", base_url="https://crowdspirit.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_fragments_need_no_nonce(client):
    """An htmx fragment writes no script tag, so its CSP names no nonce (htmx applies the page's)."""
    response = client.get("/ideas", headers={"HX-Request": "true"})
    assert "<script" not in response.text and csp_of(response)["script-src"] == "'self'"


class _ActiveContent(HTMLParser):
    """Collects what a browser would execute: inline scripts, on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction") and value and \
                    value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")
        if tag == "script" and not dict(attrs).get("src"):
            self.found.append("inline <script>")


def test_markdown_is_sanitised(client, login_as, make_project):
    """Script tags, javascript: links and event handlers in an idea body never reach the page live."""
    project = make_project()
    login_as(project.owner)
    body = "<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n<img src=x onerror=alert(1)>\n\n**kept**"
    response = client.post(f"/projects/{project.slug}/ideas/new",
                           data={"title": "Tricky idea", "summary": "Has markup", "body": body, "tags": ""})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    assert "<strong>kept</strong>" in page
    assert "<script>alert" not in page and 'href="javascript:' not in page
    parser = _ActiveContent()
    parser.feed(page)
    assert parser.found == []


# --- Language -------------------------------------------------------------------------------
@pytest.fixture
def french_client(extra_app, tmp_path):
    """A client of an app whose catalogs are compiled from the committed .po files (as `make` does)."""
    target = tmp_path / "translations" / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with FRENCH_PO.open("rb") as po, (target / "messages.mo").open("wb") as mo:
        write_mo(mo, read_po(po))
    return extra_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "translations")).test_client()


def test_accept_language_french(french_client):
    """A browser that prefers French gets the interface in French."""
    page = french_client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}).text
    assert '<html lang="fr"' in page
    assert ">Projets</a>" in page


def test_language_switch_sticks(french_client):
    """Choosing French overrides the browser's language on every later request."""
    response = french_client.post("/language/fr", query_string={"next": "/projects"})
    assert response.status_code == 303 and response.headers["Location"] == "/projects"
    for path in ("/projects", "/ideas"):
        page = french_client.get(path, headers={"Accept-Language": "en"}).text
        assert '<html lang="fr"' in page


def test_unknown_language_is_ignored(french_client):
    """Asking for a language the site does not speak changes nothing."""
    french_client.post("/language/fr")
    assert french_client.post("/language/xx").status_code == 303
    with french_client.session_transaction() as session:
        assert session["lang"] == "fr"
    assert '<html lang="fr"' in french_client.get("/", headers={"Accept-Language": "en"}).text


def _french_catalog():
    with FRENCH_PO.open("rb") as po:
        return read_po(po)


def test_french_catalog_has_no_empty_or_fuzzy_entry():
    """Every entry of the French catalog is translated and none is marked fuzzy."""
    catalog = _french_catalog()
    messages = [m for m in catalog if m.id]
    assert messages
    untranslated = [m.id for m in messages
                    if not all(s.strip() for s in (m.string if m.pluralizable else [m.string]))]
    assert untranslated == []
    assert [m.id for m in messages if m.fuzzy] == []


def test_french_catalog_covers_every_message_in_the_code():
    """Every string the code and templates mark for translation is in the French catalog."""
    with (CATALOGS / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
    extracted = {message if isinstance(message, str) else message[0]
                 for _file, _line, message, _comments, _context
                 in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)}
    assert len(extracted) > 100  # the extraction really read the code and the templates
    catalog = _french_catalog()
    assert sorted(msgid for msgid in extracted if msgid not in catalog) == []
