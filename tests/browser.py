"""Browser journeys' tools: a live server in a thread, Debian's Chromium through Playwright, sign-in, screenshots,
and the accessibility checks (a vendored axe-core, keyboard focus)."""

import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from conftest import TEST_CONFIG
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import WSGIRequestHandler, make_server

from crowdspirit import create_app
from crowdspirit.extensions import db

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
AXE = HERE / "vendor" / "axe-core-4.14.1" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
#: the live server is the app as deployed, with CSRF on (forms and htmx must send their tokens)
LIVE_CONFIG = {**TEST_CONFIG, "WTF_CSRF_ENABLED": True, "LOGIN_RATE_LIMIT": "1000 per minute",
               "POST_RATE_LIMIT": "1000 per minute"}
#: axe-core rules for labels and names, landmarks, colour contrast, and the page's language and title
AXE_RULES = ["label", "button-name", "link-name", "select-name", "input-button-name", "aria-input-field-name",
             "form-field-multiple-labels", "image-alt", "svg-img-alt", "landmark-one-main", "region",
             "landmark-unique", "landmark-no-duplicate-banner", "landmark-no-duplicate-contentinfo",
             "landmark-banner-is-top-level", "landmark-main-is-top-level", "landmark-contentinfo-is-top-level",
             "bypass", "color-contrast", "html-has-lang", "html-lang-valid", "document-title", "aria-valid-attr",
             "aria-valid-attr-value"]
#: all of axe-core's WCAG 2.0-2.2 A and AA rules (2.2's 24 px target size among them) and its best practices
AXE_WCAG = {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}
#: how an element looks (the properties a focus indicator changes), where it is, and what it is called
LOOK = """(el) => {
  const style = getComputedStyle(el), box = el.getBoundingClientRect();
  return {look: [style.outlineStyle, style.outlineWidth, style.outlineColor, style.boxShadow, style.backgroundColor,
                 style.borderColor, style.color, style.textDecorationLine].join("|"),
          onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0 && box.left < innerWidth
                    && box.top < innerHeight && style.visibility !== "hidden",
          name: (el.getAttribute("aria-label") || el.innerText || el.value || el.name || el.tagName).trim()};
}"""


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without its line per request (hundreds per journey)."""

    def log_request(self, *args, **kwargs):
        """Say nothing (errors are still logged)."""


class LiveServer:
    """The application served by werkzeug in a thread on a free port (HTTP and Socket.IO in threading mode)."""

    def __init__(self, app: Flask):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)
        with self.app.app_context():
            db.engine.dispose()


def serve_copy(template: Path, workdir: Path) -> LiveServer:
    """A live server on a private copy of a prepared world (its SQLite file, search index and instance files)."""
    shutil.copy(template / "world.db", workdir / "world.db")
    shutil.copytree(template / "search", workdir / "search", symlinks=True)
    shutil.copytree(template / "instance", workdir / "instance")
    app = create_app({**LIVE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'world.db'}",
                      "SEARCH_INDEX_DIR": str(workdir / "search")})
    app.instance_path = str(workdir / "instance")
    return LiveServer(app)


def launch(playwright) -> Browser:
    """Debian's Chromium, headless (no browser download)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@dataclass
class Visitor:
    """One person's browser tab: its own cookies, JavaScript on or off; it accepts confirmation dialogs and
    records the page's errors: a script error, a CSP violation (both show in the console), a style, script or image
    that failed to load (a page itself may answer 404: the journeys check those)."""

    page: Page
    journey: str
    js: bool
    errors: list[str] = field(default_factory=list)
    shots: int = 0

    def go(self, path: str) -> int:
        """Open a path of the live site, wait for it to load, and return the HTTP status of the page shown."""
        return self.page.goto(path).status

    def main(self):
        """The page's main landmark (where every page puts its content)."""
        return self.page.get_by_role("main")

    def sign_in(self, email: str, password: str, name: str) -> None:
        """Sign in through the form, as a person does; the header then names them."""
        self.go("/login")
        self.main().get_by_label("Email").fill(email)
        self.main().get_by_label("Password").fill(password)
        self.main().get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_role("navigation", name="Main").get_by_role("link", name=name)).to_be_visible()

    def shot(self, step: str) -> Path:
        """Save a full-page screenshot under tests/artifacts/<journey>/ (git-ignored)."""
        self.shots += 1
        folder = ARTIFACTS / self.journey
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.shots:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower())}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_accessibility(self, step: str) -> None:
        """Screenshot the page, then run axe-core's rules for labels, landmarks and contrast: no violation."""
        self.shot(step)
        violations = axe_violations(self.page) if self.js else self._audit_copy()
        assert not violations, f"{step}: accessibility violations\n" + "\n".join(violations)

    def _audit_copy(self) -> list[str]:
        """axe needs JavaScript (its checks run on timers), which this tab has off: audit the same HTML in a tab
        with JavaScript on that serves it as the document and refuses the page's own scripts, so the DOM checked is
        exactly the one this visitor sees (styles and images load from the live server as usual)."""
        html = self.page.content()
        context = self.page.context.browser.new_context(viewport=self.page.viewport_size, locale="en-GB")
        try:
            auditor = context.new_page()
            auditor.route("**/*", lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8")
                          if route.request.resource_type == "document" else
                          route.abort() if route.request.resource_type == "script" else route.continue_())
            auditor.goto(self.page.url)
            return axe_violations(auditor)
        finally:
            context.close()

    def tab_to(self, target, press: bool = False) -> None:
        """Reach target with the Tab key alone from the top of the page; it must be on screen and look different
        while it has the focus (a visible focus indicator). press=True then activates it with Enter."""
        self.page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
        seen = []
        for _ in range(150):
            self.page.keyboard.press("Tab")
            if target.evaluate("(el) => el === document.activeElement"):
                focused = target.evaluate(LOOK)
                target.evaluate("(el) => el.blur()")
                blurred = target.evaluate(LOOK)
                target.focus()  # back to the focus, still keyboard-driven for :focus-visible
                assert focused["onScreen"], f"{focused['name']!r} has the focus off screen"
                assert focused["look"] != blurred["look"], f"{focused['name']!r} does not show it has the focus"
                if press:
                    self.page.keyboard.press("Enter")
                return
            seen.append(self.page.evaluate(f"() => ({LOOK})(document.activeElement).name"))
        raise AssertionError(f"Tab never reached the element; it went through {seen[:40]}")

    def assert_no_page_errors(self) -> None:
        """No script error and no Content-Security-Policy violation happened on this visitor's pages."""
        assert not self.errors, f"errors in the browser: {self.errors}"


def open_visitor(browser: Browser, base_url: str, journey: str, js: bool) -> Visitor:
    """A new browser context (its own cookies) in English, JavaScript on or off; it asks for reduced motion, so
    that focus styles apply at once (Pico then turns its transitions off) and tab_to reads the settled look."""
    context = browser.new_context(base_url=base_url, java_script_enabled=js, locale="en-GB",
                                  viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    context.set_default_timeout(10_000)
    page = context.new_page()
    visitor = Visitor(page, f"{journey}-{'js' if js else 'nojs'}", js)
    page.on("dialog", lambda dialog: dialog.accept())
    page.on("pageerror", lambda error: visitor.errors.append(str(error)))
    page.on("console", lambda message: visitor.errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("response", lambda response: visitor.errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document" else None)
    return visitor


def axe_violations(page: Page, run_only: dict | None = None, impacts: set[str] | None = None) -> list[str]:
    """axe-core's violations on the page (of AXE_RULES unless run_only names other rules or tags; of any impact
    unless impacts lists some), one line each with the offending elements.

    axe is evaluated through the DevTools protocol (page.evaluate), which the page's CSP (`script-src 'self'`)
    does not govern: no `bypass_csp`, so the page is checked under its real policy."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("(runOnly) => axe.run(document, {runOnly, resultTypes: ['violations']})",
                            run_only or {"type": "rule", "values": AXE_RULES})
    return [f"- {v['id']} ({v['impact']}): {v['help']}: "
            + "; ".join(f"{' '.join(n['target'])} [{n['failureSummary'].splitlines()[-1].strip()}]"
                        for n in v["nodes"][:5])
            for v in results["violations"] if impacts is None or v["impact"] in impacts]
