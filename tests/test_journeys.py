"""Browser journeys: Debian's Chromium driven by Playwright against a live server seeded with the demo, one journey
per kind of user, each with JavaScript on and off, with screenshots and accessibility checks on the way."""

import re

import pytest
from browser import open_visitor
from playwright.sync_api import expect
from sqlalchemy import select

from crowdspirit import demo
from crowdspirit.accounts.models import User
from crowdspirit.contests import services as contests
from crowdspirit.contests.models import Contest, Entry, Phase
from crowdspirit.extensions import db
from crowdspirit.forum import moderation
from crowdspirit.forum import services as forum
from crowdspirit.forum.models import Post
from crowdspirit.pipeline.models import Idea, Stage, Vote
from crowdspirit.projects.models import Project

pytestmark = pytest.mark.browser
#: what a search page shows besides the query it repeats in its heading
SHOWN_BESIDES_THE_QUERY = "(el) => { const c = el.cloneNode(true); c.querySelector('h1').remove(); return c.innerHTML }"
PASSWORD = demo.DEMO_PASSWORD


def email(local: str) -> str:
    """A demo account's address from its local part."""
    return f"{local}@demo.crowdspirit.org"


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js(request) -> bool:
    """Every journey runs with JavaScript on, and off (where the interaction degrades to plain forms)."""
    return request.param


@pytest.fixture
def visit(request, live, chromium, js):
    """Open a browser tab for a person (signed in when given a demo account); at the end, no page error."""
    visitors = []

    def open_(local: str | None = None, name: str = "", javascript: bool | None = None):
        journey = request.node.originalname.removeprefix("test_")
        visitor = open_visitor(chromium, live.url, f"{journey}-{local or 'visitor'}",
                               js if javascript is None else javascript)
        visitors.append(visitor)
        if local:
            visitor.sign_in(email(local), PASSWORD, name)
        return visitor

    yield open_
    for visitor in visitors:
        visitor.page.context.close()
    for visitor in visitors:
        visitor.assert_no_page_errors()


def user(local: str) -> User:
    """A demo account, loaded in the journey's own session."""
    return db.session.scalar(select(User).where(User.email == email(local)))


def project(title: str) -> Project:
    """A demo project by its title."""
    return db.session.scalar(select(Project).where(Project.title == title))


# --- A member proposes an idea, votes, and replies live in a thread -------------------------------------------
def test_member(live, visit, js):
    """Mia proposes an idea, votes with the keyboard, and her reply reaches Léo's open thread without a reload."""
    reader = user("member")
    e_reader = project("Open-source e-reader")
    ballot = db.session.scalar(select(Idea).where(Idea.project_id == e_reader.id, Idea.stage == Stage.VOTE,
                                                  ~Idea.id.in_(select(Vote.idea_id).where(Vote.user_id == reader.id)))
                               .order_by(Idea.id))
    votes_before = ballot.vote_count

    mia = visit("member", "Mia Member")
    page = mia.page
    mia.go(f"/projects/{e_reader.slug}")
    mia.main().get_by_role("button", name="Propose an idea").click()
    mia.check_accessibility("propose form")
    mia.main().get_by_label("Title").fill("Page-turn pedal for musicians")
    mia.main().get_by_label("Summary").fill("Turn the score's pages with a foot switch.")
    mia.main().get_by_label("Details").fill("A **Bluetooth** pedal that sends page-down.")
    mia.main().get_by_label("Tags").fill("accessibility, open-source")
    mia.main().get_by_role("button", name="Publish my idea").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Page-turn pedal for musicians")
    expect(page.get_by_text("Your idea is published.")).to_be_visible()
    mia.check_accessibility("idea published")

    mia.go(f"/ideas/{ballot.id}")
    box = page.locator(f"#vote-box-{ballot.id}")
    mia.tab_to(box.get_by_role("button", name="Vote"), press=True)
    expect(box.locator(".vote-count")).to_have_text(str(votes_before + 1))
    expect(box.get_by_role("button", name="Withdraw")).to_be_visible()
    mia.check_accessibility("voted")
    assert db.session.scalar(select(Vote).where(Vote.idea_id == ballot.id, Vote.user_id == reader.id))

    thread = forum.thread_of_idea(ballot)
    leo = visit("leo", "Léo Lambert")
    if js:  # the reader's page holds a real WebSocket (simple-websocket under werkzeug), not only long-polling
        with leo.page.expect_websocket(lambda socket: "/socket.io/" in socket.url):
            leo.go(f"/threads/{thread.id}")
        expect(leo.page.locator(".presence")).to_have_text("2 reading now")  # Mia's idea page shows it too
    else:
        leo.go(f"/threads/{thread.id}")
    mia.go(f"/threads/{thread.id}")
    mia.main().get_by_label("Your message").fill("I would **love** this on my music stand.")
    mia.main().get_by_role("button", name="Post my reply").click()
    posted = mia.main().locator("article.post").filter(has_text="I would love this on my music stand.")
    expect(posted).to_be_visible()
    if js:
        expect(mia.main().get_by_label("Your message")).to_be_empty()  # htmx handed back a fresh form
    else:
        leo.page.reload()  # without JavaScript, the reader sees it on the next load
    expect(leo.main().locator("article.post").filter(has_text="I would love this on my music stand.")
           .locator("strong", has_text="love")).to_be_visible()
    leo.shot("reply arrived")
    mia.check_accessibility("thread after reply")


# --- The idea page is the place: propose, discuss under the idea, reply with a quote, open voting, vote -----------
def test_idea_page_is_the_place(live, visit, js):
    """Mia proposes an idea and opens its discussion right under it; Léo replies to her post in place, quoting it
    (without JavaScript the Reply link shows the quote above the box); Mia opens voting from the top of the page, the
    stepper says voting closes in two weeks, and Léo votes. Screenshots at phone and desktop sizes."""
    e_reader = project("Open-source e-reader")
    mia = visit("member", "Mia Member")
    mia.go(f"/projects/{e_reader.slug}/ideas/new")
    mia.main().get_by_label("Title").fill("Night-reading amber light")
    mia.main().get_by_label("Summary").fill("A warm front light that spares your sleep.")
    mia.main().get_by_label("Details").fill("An **amber** LED strip under the bezel.")
    mia.main().get_by_role("button", name="Publish my idea").click()
    stepper = mia.main().get_by_role("region", name="Where this idea stands")
    expect(stepper.locator('[aria-current="step"]')).to_have_text("Idea")
    expect(stepper).to_contain_text("Next: Voting. Its author or the project's managers open voting.")
    expect(stepper.get_by_role("button", name="Open voting")).to_be_visible()
    idea = db.session.scalar(select(Idea).where(Idea.title == "Night-reading amber light"))

    discussion = mia.main().get_by_role("region", name=re.compile("^Discussion"))
    discussion.get_by_label("Your message").fill("Which **colour temperature** would you pick?")
    discussion.get_by_role("button", name="Post my reply").click()
    first = discussion.locator("article.post").filter(has_text="Which colour temperature would you pick?")
    expect(first.locator(".post-number")).to_have_text("#1")

    leo = visit("leo", "Léo Lambert")
    if js:  # count the posts the page takes out (a live post replacing one it shows takes the old one out)
        leo.page.add_init_script("""window.postsTakenOut = 0;
            new MutationObserver((changes) => changes.forEach((change) => change.removedNodes.forEach((node) => {
                window.postsTakenOut += node.matches?.("article.post") ? 1 : 0;
            }))).observe(document, { childList: true, subtree: true });""")
    leo.go(f"/ideas/{idea.id}")
    theirs = leo.main().locator("article.post").filter(has_text="Which colour temperature")
    if js:  # his socket's catch-up sends Mia's post again, in case he missed it: the page leaves the one it shows
        expect(leo.main().get_by_text("2 reading now")).to_be_visible()  # said after the catch-up
        assert leo.page.evaluate("window.postsTakenOut") == 0
    theirs.get_by_role("link", name="Reply").click()
    form = leo.main().locator("form.reply-form").filter(has=leo.page.locator("blockquote"))
    expect(form.locator("blockquote")).to_contain_text("In reply to Mia Member")
    expect(form.locator("blockquote")).to_contain_text("Which colour temperature would you pick?")
    expect(form.get_by_label("Your message")).to_be_focused()
    if js:  # in place, under the post it answers; a live change of that post keeps the reply and the keyboard in it
        expect(theirs.locator(".reply-slot form")).to_be_visible()
        leo.page.keyboard.type("About 2200 K,")
        forum.toggle_reaction(db.session.scalar(select(Post).where(Post.thread_id == forum.thread_of_idea(idea).id)),
                              user("sara"))
        expect(theirs.get_by_role("button", name="Coup de cœur, 1")).to_be_visible()
        leo.page.keyboard.type(" like a candle.")
        expect(form.get_by_label("Your message")).to_have_value("About 2200 K, like a candle.")
    else:
        leo.page.keyboard.type("About 2200 K, like a candle.")
    form.get_by_role("button", name="Post my reply").click()
    reply = leo.main().locator("article.post").filter(has_text="About 2200 K, like a candle.")
    expect(reply.locator(".post-number")).to_have_text("#2")
    expect(reply.locator("blockquote")).to_contain_text("In reply to Mia Member")
    for size in ({"width": 390, "height": 844}, {"width": 1366, "height": 900}):
        leo.page.set_viewport_size(size)
        leo.page.locator("#discussion").scroll_into_view_if_needed()
        leo.shot(f"idea page with its discussion {size['width']}x{size['height']}")
    leo.check_accessibility("discussion under the idea")

    mia.page.reload()
    stepper.get_by_role("button", name="Open voting").click()
    mia.main().get_by_role("button", name="Confirm").click()
    expect(stepper.locator('[aria-current="step"]')).to_have_text("Voting")
    expect(stepper).to_contain_text("Voting closes in 2 weeks.")
    expect(stepper.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    mia.check_accessibility("voting opened")

    leo.go(f"/ideas/{idea.id}")
    box = leo.page.locator(f"#vote-box-{idea.id}")
    box.get_by_role("button", name="Vote").click()
    expect(box.locator(".vote-count")).to_have_text("1")
    leo.page.reload()
    expect(leo.main().get_by_role("region", name="Where this idea stands")).to_contain_text(
        "You have already voted for this idea.")
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).vote_count == 1


# --- A sponsor runs a contest to a winner and takes an idea into R&D under an NDA --------------------------------
def test_sponsor(live, visit, clock):
    """Sam writes and opens a contest; members enter; the phases pass by date; he picks finalists and a winner, who
    signs the transfer. Then he offers a partnership on a confidential ready spec, Mia selects it, he accepts, and
    the workspace asks the contributor he invites to accept the NDA first."""
    sam = visit("sponsor", "Sam Sponsor")
    page = sam.page
    sam.go("/contests")
    sam.main().get_by_role("button", name="New contest").click()
    sam.check_accessibility("new contest form")
    sam.main().get_by_label("Title").fill("A sound for the pocket DAC's power-on")
    sam.main().get_by_label("Brief").fill("A **short chime**, under a second, that feels warm.")
    sam.main().get_by_label("Prize", exact=True).fill("800")
    sam.main().get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Draft saved: check it, then open the contest.")).to_be_visible()
    sam.main().get_by_role("button", name="Open the contest").click()
    expect(page.get_by_text("The contest is open: members may enter now.")).to_be_visible()

    contest = db.session.scalar(select(Contest).where(Contest.title == "A sound for the pocket DAC's power-on"))
    for n, (local, title) in enumerate([("chloe", "Warm bell"), ("leo", "Two notes"), ("yuki", "Soft rise"),
                                        ("omar", "Click and hum")]):
        demo._enter(contest, user(local), title, 60 + n)
    clock.advance(hours=73)
    contests.catch_up_all()  # the scheduler's round (the server's thread is off in tests)
    page.reload()
    expect(sam.main().get_by_text("Public phase").first).to_be_visible()
    clock.advance(hours=97)
    contests.catch_up_all()
    page.reload()
    finalists = sam.main().get_by_role("region", name="Choose the finalists")
    for title in ("Warm bell", "Two notes", "Soft rise"):
        finalists.get_by_label(title).check()
    sam.check_accessibility("shortlist")
    finalists.get_by_role("button", name="Choose these finalists").click()
    expect(page.get_by_text("Finalists chosen.")).to_be_visible()
    sam.main().get_by_role("button", name="Start the next phase now: Adjustments").click()
    expect(page.get_by_text("The next phase has started.")).to_be_visible()
    winner = sam.main().get_by_role("region", name="Pick the winner")
    winner.get_by_label("Warm bell").check()
    sam.tab_to(winner.get_by_role("button", name="Award the prize"), press=True)
    expect(sam.main().get_by_text("Won by Chloé Dubois with “Warm bell”: waiting for the winner")).to_be_visible()

    chloe = visit("chloe", "Chloé Dubois")
    chloe.go(f"/contests/{contest.id}")
    chloe.main().get_by_role("button", name="Read and sign the transfer").click()
    chloe.check_accessibility("transfer")
    chloe.main().get_by_role("checkbox").check()
    chloe.main().get_by_role("button", name="Sign", exact=True).click()
    expect(chloe.page.get_by_text("Transfer signed")).to_be_visible()
    page.reload()
    expect(sam.main().get_by_text("the copyright transfer was signed on")).to_be_visible()
    sam.check_accessibility("contest closed")
    db.session.expire_all()
    assert contest.phase == Phase.CLOSED
    assert db.session.get(Entry, contest.winner_entry_id).title == "Warm bell"

    idea = db.session.scalar(select(Idea).where(Idea.title == "Solar radio speaker"))
    sam.go("/scouting")
    card = sam.main().get_by_role("article").filter(has_text="Solar radio speaker")
    expect(card.get_by_text("Ready for R&D")).to_be_visible()
    sam.check_accessibility("scouting board")
    card.get_by_role("button", name="Offer a partnership").click()
    sam.main().get_by_label("Why this idea?").fill("Our DSP team has a radio module ready.")
    sam.main().get_by_label("Terms you offer").fill("Two prototypes in four months; field tests with members.")
    sam.main().get_by_label("Reward pool for the contributors").fill("2000")
    sam.main().get_by_role("button", name="Send the offer").click()
    expect(page.get_by_text("Your offer is sent")).to_be_visible()

    mia = visit("member", "Mia Member")
    mia.go(f"/ideas/{idea.id}/partners")
    mia.check_accessibility("offers for the author")
    mia.main().get_by_role("button", name="Select this sponsor").click()
    expect(mia.page.get_by_text("The sponsor is selected: it may now accept.")).to_be_visible()

    sam.go(f"/ideas/{idea.id}/partners")
    sam.main().get_by_role("button", name="Review and accept").click()
    sam.check_accessibility("accept the partnership")
    sam.main().get_by_label("A note for the idea's stage history").fill("Welcome aboard!")
    sam.main().get_by_role("button", name="Accept and start partner R&D").click()
    expect(page.get_by_text("Partnership accepted: the idea is in partner R&D")).to_be_visible()
    sam.main().get_by_label("Member's email or display name").fill("Léo Lambert")
    sam.main().get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_text("Invitation sent.")).to_be_visible()
    expect(sam.main().get_by_role("listitem").filter(has_text="Léo Lambert")).to_contain_text(
        "must accept the project's NDA to enter")
    sam.check_accessibility("workspace")
    db.session.expire_all()
    assert idea.stage == Stage.PARTNER_RND


# --- A moderator clears the flag queue and an appeal ----------------------------------------------------------
@pytest.fixture
def reports(live):
    """In a public project's discussion: an insult flagged once, a fair question hidden by three flags, a post
    another moderator hid, and one hidden by flags: the authors of these two appealed."""
    waiting = moderation.queue(user("moderator"), 1, 50).total  # the demo's own flags, waiting for review
    thread = forum.thread_of_project(project("Modular kitchen tools"))
    insult = forum.add_post(thread, user("paul"), "Whoever proposed this shared motor is clueless.")
    moderation.flag(insult, user("tom"), "Insulting")
    question = forum.add_post(thread, user("ines"), "Has anyone measured how loud the motor base is?")
    for local in ("omar", "sara", "karim"):
        moderation.flag(question, user(local), "Off topic")
    appealed = forum.add_post(thread, user("karim"), "My supplier sells these motors cheaply: ask me.")
    moderation.hide(appealed, user("admin"), "No advertising, please.")
    moderation.appeal(appealed, user("karim"), "I was offering help, not selling anything.")
    joke = forum.add_post(thread, user("sara"), "A motor base that also grinds coffee? Count me in.")
    for local in ("omar", "tom", "ines"):
        moderation.flag(joke, user(local), "Not serious")
    moderation.appeal(joke, user("sara"), "Grinding coffee is a real use case.")
    return {"thread": thread.id, "insult": insult.id, "question": question.id, "appealed": appealed.id,
            "joke": joke.id, "waiting": waiting}


def test_moderator(live, visit, reports):
    """Maud hides the insult from the queue, shows the wrongly hidden question again, and overturns both appeals:
    the queue ends with the demo's own flags alone and every reader sees the right posts."""
    maud = visit("moderator", "Maud Moderator")
    page = maud.page
    maud.go("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Moderation").click()
    flagged = maud.main().get_by_role("region", name="Flagged posts")
    expect(flagged.get_by_role("article")).to_have_count(reports["waiting"] + 3)
    maud.check_accessibility("queue")
    flagged.get_by_role("checkbox", name=f"Select post #{reports['insult']}").check()
    flagged.get_by_label("Reason for the selected posts").fill("Criticise ideas, not people.")
    maud.tab_to(flagged.get_by_role("button", name="Hide the selected posts"), press=True)
    expect(page.get_by_text("1 post hidden.")).to_be_visible()

    maud.go(f"/threads/{reports['thread']}")
    question = page.locator(f"#post-{reports['question']}")
    expect(question).to_contain_text("Hidden from other readers")
    maud.check_accessibility("thread as moderator")
    question.get_by_role("button", name="Show again").click()
    expect(page.get_by_text("Post shown again.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Moderation").click()
    appeals = page.get_by_role("complementary")
    for text in ("I was offering help, not selling anything.", "Grinding coffee is a real use case."):
        appeals.get_by_role("article").filter(has_text=text).get_by_role("button", name="Show the post again").click()
        expect(page.get_by_text("Appeal decided.")).to_be_visible()
    expect(maud.main().get_by_text("No appeal waiting.")).to_be_visible()
    expect(maud.main().get_by_role("region", name="Flagged posts").get_by_role("article")).to_have_count(
        reports["waiting"])
    maud.check_accessibility("queue cleared")

    reader = visit()
    reader.go(f"/threads/{reports['thread']}")
    posts = reader.main().locator("article.post")
    expect(posts.filter(has_text="Has anyone measured how loud")).to_be_visible()
    expect(posts.filter(has_text="My supplier sells these motors")).to_be_visible()
    expect(posts.filter(has_text="also grinds coffee")).to_be_visible()
    expect(reader.page.locator(f"#post-{reports['insult']}")).to_contain_text("This message was hidden")
    assert "clueless" not in reader.page.content()
    db.session.expire_all()
    assert moderation.queue(user("moderator"), 1, 50).total == reports["waiting"]
    assert db.session.get(Post, reports["appealed"]).hidden_at is None
    assert db.session.get(Post, reports["joke"]).hidden_at is None


# --- An outsider finds nothing confidential anywhere ------------------------------------------------------------
@pytest.fixture
def secrets(live):
    """What outsiders must never meet: the titles of the NDA project's confidential ideas, and of contest entries
    still private to their authors and sponsors, with the addresses that would show them."""
    helios = project("Portable audio of 2030")
    ideas = db.session.scalars(select(Idea).where(Idea.project_id == helios.id,
                                                  Idea.stage.in_([Stage.SPEC, Stage.PARTNER_RND]))).all()
    paul = user("paul")
    entries = db.session.scalars(select(Entry).join(Contest).where(
        Contest.phase == Phase.PRIVATE, Entry.author_id != paul.id)).all()
    assert len(ideas) >= 3 and len(entries) >= 2
    urls = [f"/ideas/{i.id}{part}" for i in ideas for part in ("", "/spec", "/discussion", "/partners")]
    return {"titles": [i.title for i in ideas] + [e.title for e in entries], "project": helios.slug,
            "urls": urls + [f"/entries/{e.id}" for e in entries], "contests": sorted({e.contest_id for e in entries})}


@pytest.mark.parametrize("local", [None, "paul"], ids=["visitor", "paul"])
def test_outsider(live, visit, secrets, local):
    """A visitor, and Paul (who asked to join the NDA project and waits), browse, search and guess addresses:
    no confidential title anywhere, and the guessed addresses answer as if nothing were there."""
    outsider = visit(local, "Paul Martin")
    page = outsider.page
    outsider.go("/")
    outsider.tab_to(page.get_by_role("link", name="Skip to content"))
    outsider.check_accessibility("home")
    pages = ["/", "/projects", f"/projects/{secrets['project']}", "/ideas", "/ideas?stage=spec",
             "/ideas?stage=partner_rnd", "/forum", "/contests", "/leaderboard",
             *[f"/contests/{contest}" for contest in secrets["contests"]]]
    for path in pages:
        outsider.go(path)
        leaked = [title for title in secrets["titles"] if title in page.content()]
        assert not leaked, f"{path} shows {leaked}"
    outsider.go(f"/projects/{secrets['project']}")
    outsider.check_accessibility("project with confidential stages")

    search = page.get_by_role("searchbox", name="Search ideas, projects, posts and people")
    outsider.tab_to(search)
    page.keyboard.type("solar radio")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=solar(\+|%20)radio"))
    expect(outsider.main()).not_to_contain_text("Solar radio speaker")
    outsider.check_accessibility("search results")
    for title in secrets["titles"]:
        outsider.go(f"/search?q={title}")
        found = page.locator("#search-page").evaluate(SHOWN_BESIDES_THE_QUERY)
        assert title not in found, f"the search for {title!r} shows it"

    for path in secrets["urls"]:
        status = outsider.go(path)
        assert status == 404 or (local is None and "/login" in page.url), f"{path}: {status} at {page.url}"
        leaked = [title for title in secrets["titles"] if title in page.content()]
        assert not leaked, f"{path} shows {leaked}"
    outsider.check_accessibility("not found")


# --- Filters live in the URL ---------------------------------------------------------------------------------
@pytest.mark.parametrize("js", [True], ids=["js"])
def test_filters_in_the_url(live, visit):
    """Each filter change on /ideas updates the address (the same query string as the plain form's), and Back
    brings the previous filter back, in the form and in the list, also from the visitors' page cache."""
    live.app.config["PAGE_CACHE_SECONDS"] = 60
    visitor = visit()
    page = visitor.page
    visitor.go("/ideas")
    filters = page.get_by_role("search", name="Filter ideas")
    stage, sort = filters.locator("select[name=stage]"), filters.locator("select[name=sort]")
    stage.select_option(label="Voting")
    expect(page).to_have_url(re.compile(r"/ideas\?stage=vote&tag=&sort=votes$"))
    expect(page.locator("#idea-list .badge").first).to_have_text("Voting")
    sort.select_option(label="Newest")
    expect(page).to_have_url(re.compile(r"/ideas\?stage=vote&tag=&sort=newest$"))
    visitor.shot("filtered by stage and sorted")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/ideas\?stage=vote&tag=&sort=votes$"))
    expect(sort).to_have_value("votes")
    expect(stage).to_have_value("vote")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/ideas$"))
    expect(stage).to_have_value("")
