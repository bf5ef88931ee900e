"""The member's home in Chromium, on a phone and a desktop, with JavaScript on and off: no sideways scroll, no
accessibility violation, older news loading in place (or as the next page without JavaScript)."""

import pytest
from playwright.sync_api import expect
from test_journeys import js as js  # a fixture: JavaScript on and off
from test_journeys import visit as visit  # a fixture: a demo person's browser tab

pytestmark = pytest.mark.browser
SIZES = [(390, 844), (1366, 900)]


def test_member_home_on_phone_and_desktop(live, visit, js):
    """Mia reads what is new for her at both sizes, then the older news."""
    mia = visit("member", "Mia Member")
    page = mia.page
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        mia.go("/")
        expect(mia.main().get_by_role("heading", level=1)).to_have_text("Welcome, Mia Member")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        mia.check_accessibility(f"home {width}")
        mia.shot(f"home {width}")
    news = mia.main().get_by_role("region", name="What's new for you").get_by_role("listitem")
    expect(news).to_have_count(16)  # a page of 15 and the link to the older ones
    mia.main().get_by_role("link", name="Older news").click()
    if js:
        expect(news.nth(15)).not_to_have_text("Older news")
        assert "page=" not in page.url  # appended in place
    else:
        expect(page).to_have_url(f"{live.url}/?page=2")
