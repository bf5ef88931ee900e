"""Every page at a phone's and a desktop's size, for every demo role: each GET route of the URL map that the role can
open (its URL parameters filled from the demo's data), checked as a person sees it in Debian's Chromium: nothing
scrolls sideways, the header leaves the phone's screen to the page, the page's heading is on the first screen, and
axe-core finds nothing serious or critical. A screenshot of each page lands in tests/artifacts/<size>/<role>/."""

import re
from itertools import product
from urllib.parse import urlsplit

import pytest
from browser import ARTIFACTS, AXE, AXE_WCAG, axe_violations, open_visitor
from playwright.sync_api import expect
from sqlalchemy import case, select

from crowdspirit import demo
from crowdspirit.accounts.models import CharterVersion, Organisation, User
from crowdspirit.contests.models import Contest, Entry
from crowdspirit.extensions import db
from crowdspirit.forum.models import Post, Thread
from crowdspirit.karma.models import InviteLink
from crowdspirit.pipeline.models import Idea, Stage
from crowdspirit.projects.models import Project
from crowdspirit.rnd.models import Interest

pytestmark = pytest.mark.browser
#: the demo accounts (email local part, display name) of each role; a visitor is not signed in
ROLES = {"visitor": None, "member": ("member", "Mia Member"), "sponsor": ("sponsor", "Sam Sponsor"),
         "moderator": ("moderator", "Maud Moderator"), "admin": ("admin", "Ada Admin")}
SIZES = {"390x844": {"width": 390, "height": 844}, "1366x900": {"width": 1366, "height": 900}}
#: the share of a phone's screen the header may take
PHONE_HEADER_SHARE = 0.2
#: a desktop's header is one row of links: at most this high (two rows measure about 130 px)
DESKTOP_HEADER_HEIGHT = 90
#: GET routes that are not pages a person opens, or whose parameters the demo cannot give, and why
SKIPPED = {
    "static": "stylesheets, scripts and images",
    "attachments.download": "a file download",
    "contests.original": "a file download",
    "contests.thumbnail": "an image",
    "sponsors.export": "a CSV download",
    "specs.export_file": "a Markdown or PDF download",
    "ledger.export": "a CSV download",
    "accounts.verify_email": "its signed token exists only in an email (test_email_verification opens the page)",
    "accounts.confirm_email_change": "its signed token exists only in an email (test_email_verification)",
    "accounts.reset_password": "its signed token exists only in an email (test_account_security opens the page)",
    "members.accept": "the demo holds no pending project invitation (test_memberships opens the page)",
    "notifications.unsubscribe": "its signed token exists only in a digest (test_notification_preferences opens it)",
    "web.language": "switches the language and redirects back to the page it came from",
    "forum.idea_thread": "redirects to the idea's thread, which forum.thread opens",
    "accounts.organisation_invitation": "its signed token exists only in an email (test_organisation_console opens "
                                        "the page)",
    "console.warning": "the demo holds no warning (test_moderation_console opens the page)",
    "pipeline.similar": "the list the propose form asks for as the title is typed (htmx; without JavaScript the form's "
                        "own button shows it on the propose page)",
}
#: what a touch target is: links and controls (a link inside a sentence is exempt, as WCAG 2.5.8 says; a disabled
#: control, such as a task list's checkbox, is no target; a control's label is part of its target)
CONTROLS = ("a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], "
            "[tabindex]:not([tabindex='-1'])")
#: what a page shows of its layout: sideways overflow (and the widest culprits), header height, first heading's box,
#: the touch targets smaller than 24x24 px
LAYOUT = """() => {
  const header = document.querySelector("body > header"), heading = document.querySelector("main h1");
  const culprits = [...document.querySelectorAll("main *, body > header *, body > footer *")]
    .filter((el) => el.getBoundingClientRect().right > innerWidth + 1 && !el.closest(".table-scroll, .chart-frame"))
    .slice(-3).map((el) => el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
                                                          ? "." + el.className.trim().split(/\\s+/).join(".") : ""));
  const box = heading && heading.getBoundingClientRect();
  const small = [...document.querySelectorAll(CONTROLS)].filter((el) => {
    // a control's label works it too: either may be the 24x24 target (a file field shown as its label)
    const size = el.getBoundingClientRect(), label = el.labels && el.labels[0] && el.labels[0].getBoundingClientRect();
    const text = el.parentElement.closest("p, li, dd, td, th, small, label");
    const inline = el.tagName === "A" && text && text.innerText.trim() !== el.innerText.trim();
    const under = (box) => box.width < 23.5 || box.height < 23.5;
    return el.checkVisibility() && size.right > 0 && !inline && !el.matches(":disabled") && under(size)
      && (!label || under(label));
  }).map((el) => `${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.getAttribute("aria-label") || "")
                                                .trim().slice(0, 30)}"`);
  return {scrollWidth: document.documentElement.scrollWidth, width: innerWidth, height: innerHeight,
          header: header ? header.getBoundingClientRect().height : 0, culprits, small,
          heading: box && {top: box.top, bottom: box.bottom, text: heading.innerText.trim().slice(0, 60)}};
}""".replace("CONTROLS", repr(CONTROLS))


def parameter_values(user: User | None) -> dict[str, list]:
    """The values the demo gives each URL parameter, the role's own first (its ideas, posts, organisation...)."""
    me = user.id if user else 0
    org = user.organisation_id if user else 0

    def own(column):
        """Rows that are the role's come first."""
        return case((column == me, 0), else_=1)

    def values(query) -> list:
        """The column's values, as the query orders them."""
        return list(db.session.scalars(query))

    return {
        "idea_id": values(select(Idea.id).order_by(own(Idea.author_id), Idea.id)),
        "target": [stage.value for stage in Stage],
        "thread_id": values(select(Thread.id).order_by(Thread.id)),
        "post_id": values(select(Post.id).order_by(own(Post.author_id), Post.id)),
        "contest_id": values(select(Contest.id).order_by(case((Contest.organisation_id == org, 0), else_=1),
                                                         Contest.id)),
        "entry_id": values(select(Entry.id).order_by(own(Entry.author_id), Entry.id)),
        "user_id": values(select(User.id).order_by(own(User.id), User.id)),
        "slug": values(select(Project.slug).order_by(Project.id))
        + values(select(Organisation.slug).order_by(case((Organisation.id == org, 0), else_=1), Organisation.id)),
        "interest_id": values(select(Interest.id).order_by(case((Interest.organisation_id == org, 0), else_=1),
                                                           Interest.id)),
        "number": values(select(CharterVersion.number).order_by(CharterVersion.number)),
        "code": values(select(InviteLink.code).order_by(own(InviteLink.user_id), InviteLink.id)),
    }


def pages_of(app, request, user: User | None) -> dict[str, str]:
    """{endpoint: url} of every GET route the role can open as an HTML page (200, text/html), each with the first
    parameter values from the demo that open it; a route answering anything but HTML is an API, a feed or a file."""
    values = parameter_values(user)
    pages, unfilled = {}, []
    with app.test_request_context():
        login = app.url_for("accounts.login")
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint):
        if "GET" not in rule.methods or rule.endpoint in SKIPPED or rule.endpoint in pages:
            continue
        names = sorted(rule.arguments - set(rule.defaults or {}))
        if any(name not in values for name in names):
            unfilled.append(rule.endpoint)
            continue
        with app.test_request_context():
            urls = (app.url_for(rule.endpoint, **dict(zip(names, combination, strict=True)))
                    for combination in product(*(values[name] for name in names)))
            for url in urls:
                answer = request.get(url, max_redirects=0)
                if not answer.headers.get("content-type", "").startswith("text/html"):
                    break  # JSON, a feed, a file: not a page, whatever the parameters
                if answer.status == 200:
                    pages[rule.endpoint] = url
                    break
                if urlsplit(answer.headers.get("location", "")).path == login:
                    break  # for members only, whatever the parameters
    assert unfilled == [], "fill these routes' parameters from the demo or explain them in SKIPPED"
    return pages


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits(live, chromium, role, size):
    """Each page the role can open, at the size: no sideways scroll, a header of at most a fifth of a phone's screen
    (one row on a desktop), the main heading on the first screen, no serious or critical axe-core violation; a
    screenshot of each."""
    visitor = open_visitor(chromium, live.url, f"layout-{size}-{role}", js=True)
    account = ROLES[role]
    user = None
    if account:
        visitor.sign_in(f"{account[0]}@demo.crowdspirit.org", demo.DEMO_PASSWORD, account[1])
        user = db.session.scalar(select(User).where(User.email == f"{account[0]}@demo.crowdspirit.org"))
    page = visitor.page
    page.set_viewport_size(SIZES[size])
    page.context.add_init_script(path=AXE)  # loaded with each page: faster than injecting it after the load
    pages = pages_of(live.app, page.context.request, user)
    folder = ARTIFACTS / size / role
    folder.mkdir(parents=True, exist_ok=True)
    failures = []
    for endpoint, url in pages.items():
        visitor.go(url)
        page.screenshot(path=str(folder / f"{re.sub(r'[^a-z0-9_.-]+', '-', endpoint)}.png"), full_page=True)
        shown = page.evaluate(LAYOUT)
        found = []
        if shown["scrollWidth"] > shown["width"]:
            found.append(f"scrolls sideways ({shown['scrollWidth']} px > {shown['width']}: {shown['culprits']})")
        if shown["header"] > (PHONE_HEADER_SHARE * shown["height"] if size == "390x844" else DESKTOP_HEADER_HEIGHT):
            found.append(f"header {shown['header']:.0f} px high")
        if shown["small"]:
            found.append(f"{len(shown['small'])} touch targets under 24x24 px: {shown['small'][:6]}")
        heading = shown["heading"]
        if heading is None:
            found.append("no h1 in main")
        elif heading["top"] < 0 or heading["bottom"] > shown["height"]:
            found.append(f"heading {heading['text']!r} off the first screen ({heading['top']:.0f} px down)")
        found += axe_violations(page, AXE_WCAG, impacts={"serious", "critical"})
        if found:
            failures.append(f"{endpoint} {url}:\n    " + "\n    ".join(found))
    page.context.close()
    assert not failures, f"{len(failures)} of {len(pages)} pages fail:\n" + "\n".join(failures)
    visitor.assert_no_page_errors()


def test_phone_menu_works_without_javascript(live, chromium):
    """On a phone, without JavaScript, the header holds the brand, the bell and karma (their names say their counts)
    and a Menu that opens onto the links; on a desktop the same links are in line and the Menu is gone."""
    mia = open_visitor(chromium, live.url, "layout-menu", js=False)
    mia.sign_in("member@demo.crowdspirit.org", demo.DEMO_PASSWORD, "Mia Member")
    page = mia.page
    page.set_viewport_size(SIZES["390x844"])
    mia.go("/")
    header = page.get_by_role("navigation", name="Main")
    expect(header.get_by_role("link", name=re.compile(r"^Notifications, \d+ unread$"))).to_be_visible()
    expect(header.get_by_role("link", name=re.compile(r"^My karma: \d+ points?$"))).to_be_visible()
    expect(header.get_by_role("link", name="Dashboard")).to_be_hidden()
    header.get_by_text("Menu", exact=True).click()
    expect(header.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    mia.shot("phone menu open")
    header.get_by_role("link", name="Forum").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forum")
    page.set_viewport_size(SIZES["1366x900"])
    expect(header.get_by_text("Menu", exact=True)).to_be_hidden()
    expect(header.get_by_role("link", name="Dashboard")).to_be_visible()
    page.context.close()
    mia.assert_no_page_errors()
