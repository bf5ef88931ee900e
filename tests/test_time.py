"""Times read the same everywhere: a <time> with the ISO instant, the exact moment on hover, and relative text."""

import re
from datetime import timedelta

import pytest
from markupsafe import escape

from crowdspirit.database import db
from crowdspirit.pipeline.models import Stage


def shown_time(page: str, text: str) -> re.Match:
    """The <time> element whose text is `text` (as HTML escapes it), with its datetime and title attributes."""
    found = re.search(r'<time datetime="([^"]+)" title="([^"]+)">' + re.escape(str(escape(text))) + "</time>", page)
    assert found, f"no <time> reading {text!r}"
    return found


@pytest.mark.parametrize("language, ago, closes, exact", [
    ("en", "3 days ago", "Voting closes in 4 days.", "UTC"),
    ("fr", "il y a 3 jours", "Le vote se termine dans 4 jours.", "TU"),
])
def test_an_idea_page_says_how_long_ago_and_how_long_left(client, make_idea, clock, language, ago, closes, exact):
    """Three days after an idea opened for a week's vote, its page says when it was proposed and when voting closes,
    in the reader's language, with the instant in the datetime attribute and the exact moment in the title."""
    idea = make_idea(stage=Stage.VOTE)
    idea.vote_closes_at = idea.created_at + timedelta(days=7)
    db.session.commit()
    clock.set_to(idea.created_at + timedelta(days=3, minutes=1))
    page = client.get(f"/ideas/{idea.id}", headers={"Accept-Language": language}).text
    proposed = shown_time(page, ago)
    assert proposed[1] == idea.created_at.isoformat(timespec="seconds") + "Z"
    assert str(idea.created_at.year) in proposed[2] and exact in proposed[2]
    assert re.sub(r"<time [^>]*>([^<]*)</time>", r"\1", page).count(closes) == 1
    listed = client.get("/ideas", headers={"Accept-Language": language}).text
    assert shown_time(listed, ago)[1] == proposed[1]


@pytest.mark.parametrize("language, now", [("en", "just now"), ("fr", "à l'instant")])
def test_what_just_happened_reads_just_now(client, make_idea, language, now):
    """A moment less than a minute away reads "just now", never "in 0 seconds"."""
    idea = make_idea()
    shown = shown_time(client.get(f"/ideas/{idea.id}", headers={"Accept-Language": language}).text, now)
    assert shown[1] == idea.created_at.isoformat(timespec="seconds") + "Z"


def test_a_listed_idea_ages_although_its_row_is_remembered(client, make_idea, clock):
    """The idea list remembers its rendered rows: one listed just now reads "2 hours ago" two hours later, not the
    words it had when its row was first drawn."""
    idea = make_idea()
    clock.set_to(idea.created_at + timedelta(seconds=5))
    shown_time(client.get("/ideas").text, "just now")
    clock.advance(hours=2)
    aged = shown_time(client.get("/ideas").text, "2 hours ago")
    assert aged[1] == idea.created_at.isoformat(timespec="seconds") + "Z"


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"])
def test_the_exact_moment_reads_as_babel_writes_it(zone):
    """The exact moment in a time's title is put together from parts remembered per day and per hour; it reads
    exactly as Babel's long format writes it, in both languages, in zones with summer time (both sides of its
    changes) and half-hour offsets."""
    import random
    from datetime import datetime

    import pytz
    from babel import dates

    from crowdspirit.web.templating import _exact_moment

    tz, rng = pytz.timezone(zone), random.Random(16)
    moments = [datetime(2026, 3, 29, 0, 59, 59), datetime(2026, 3, 29, 1, 0, 0), datetime(2026, 10, 25, 0, 30, 5),
               datetime(2026, 10, 25, 1, 0, 0), datetime(2026, 11, 1, 5, 59, 59), datetime(2026, 11, 1, 6, 0, 1)]
    moments += [datetime(2025, 1, 1) + timedelta(seconds=rng.randrange(3 * 366 * 86400)) for _ in range(300)]
    for language in ("en", "fr"):
        for moment in moments:
            assert _exact_moment(moment, language, tz) == dates.format_datetime(moment, "long", tzinfo=tz,
                                                                                locale=language), (moment, language)
