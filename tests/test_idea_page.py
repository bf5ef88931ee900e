"""The idea page is the place: its discussion under it (numbered, linkable, paginated, replies in place with a
quote), and a stepper saying where the idea stands, what comes next, who decides and when, with the actions the
person may take and the server's reason for each one refused."""

import html
import re
from datetime import timedelta

import pytest

from crowdspirit.database import utcnow
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.pipeline import services as pipeline
from crowdspirit.pipeline.models import Stage

HTMX = {"HX-Request": "true"}


def discussion(page: str) -> str:
    """The discussion section of a page."""
    return re.search(r'<section id="discussion".*?</section>', page, re.S).group(0)


def numbers(page: str) -> list[str]:
    """The numbers the posts of a page carry, in order."""
    return re.findall(r'class="post-number"[^>]*>#(\d+)<', page)


def stepper(page: str) -> str:
    """The stepper and actions at the top of an idea page, as plain text."""
    section = re.search(r'<section class="journey".*?</section>', page, re.S).group(0)
    return re.sub(r" ([.,])", r"\1", " ".join(re.sub(r"<[^>]+>", " ", section).split()))


@pytest.fixture
def talk(make_user, make_idea):
    """An idea in the vote stage with three posts in its discussion (by Ana, Ben, Ana)."""
    idea = make_idea(stage=Stage.VOTE)
    thread = forum.thread_of_idea(idea)
    ana, ben = make_user(name="Ana"), make_user(name="Ben")
    posts = [forum.add_post(thread, author, text) for author, text in
             ((ana, "Bone conduction works underwater."), (ben, "What about the battery?"), (ana, "Six hours."))]
    return idea, thread, posts, ana, ben


# --- The discussion under the idea ------------------------------------------------------------
def test_the_discussion_is_under_the_idea_numbered_and_linkable(client, talk):
    """The idea page shows its thread's posts numbered #1, #2, #3, each with an anchor and a permalink; the old
    thread and discussion addresses lead there."""
    idea, thread, posts, _ana, _ben = talk
    page = client.get(f"/ideas/{idea.id}").text
    assert "Bone conduction works underwater." in discussion(page) and numbers(page) == ["1", "2", "3"]
    for post in posts:
        assert f'id="post-{post.id}"' in page and f'href="/posts/{post.id}"' in page
    assert client.get(f"/posts/{posts[1].id}").location.endswith(f"/ideas/{idea.id}#post-{posts[1].id}")
    assert client.get(f"/threads/{thread.id}").location.endswith(f"/ideas/{idea.id}#discussion")
    assert client.get(f"/ideas/{idea.id}/discussion").location.endswith(f"/ideas/{idea.id}#discussion")
    assert "Sign in to reply" in page  # a visitor reads and is asked to sign in to write


def test_the_discussion_is_paginated_and_a_permalink_finds_the_page(app, client, talk):
    """With two posts a page, the third is #3 on page 2, and its permalink leads to that page."""
    app.config["PER_PAGE"] = 2
    idea, _thread, posts, _ana, _ben = talk
    assert numbers(client.get(f"/ideas/{idea.id}").text) == ["1", "2"]
    second = client.get(f"/ideas/{idea.id}?page=2").text
    assert numbers(second) == ["3"] and "Six hours." in second and 'aria-label="Pages"' in second
    assert client.get(f"/posts/{posts[2].id}").location.endswith(f"/ideas/{idea.id}?page=2#post-{posts[2].id}")


def test_reply_in_place_quotes_the_post_and_takes_the_focus(client, login_as, make_user, talk):
    """Reply asked by htmx gives a form under the post quoting it, its box focused; posted, the reply shows the
    quote and the form in place goes away (the post itself arrives live)."""
    idea, thread, posts, _ana, _ben = talk
    login_as(make_user(name="Cleo"))
    form = client.get(f"/posts/{posts[1].id}/reply", headers=HTMX)
    assert form.status_code == 200 and "<html" not in form.text
    assert f'id="reply-to-{posts[1].id}"' in form.text and "In reply to Ben" in form.text
    assert "What about the battery?" in form.text and "autofocus" in form.text
    assert f'<label for="body-{posts[1].id}">' in form.text  # not the id of the box below the discussion
    sent = client.post(f"/threads/{thread.id}/posts", headers=HTMX,
                       data={"body": "A bigger cell.", "reply_to": posts[1].id, "inline": "1"})
    assert sent.status_code == 200 and sent.text == ""
    page = client.get(f"/ideas/{idea.id}").text
    assert numbers(page) == ["1", "2", "3", "4"]
    reply = re.search(r'<article [^>]*id="post-\d+"(?:(?!<article).)*A bigger cell\.', page, re.S).group(0)
    assert "In reply to Ben" in reply and "What about the battery?" in reply


def test_reply_without_javascript_shows_the_quote_on_the_idea_page(client, login_as, make_user, talk):
    """The plain Reply link leads to the discussion with the quote above the focused box; the reply is posted and
    the page shows it at its place."""
    idea, thread, posts, _ana, _ben = talk
    login_as(make_user(name="Cleo"))
    link = client.get(f"/posts/{posts[0].id}/reply")
    assert link.status_code == 303 and link.location.endswith(f"/ideas/{idea.id}?reply_to={posts[0].id}")
    form = re.search(r'<form [^>]*id="reply".*?</form>', client.get(link.location).text, re.S).group(0)
    assert "In reply to Ana" in form and "Bone conduction works underwater." in form and "autofocus" in form
    assert f'name="reply_to" type="hidden" value="{posts[0].id}"' in form
    sent = client.post(f"/threads/{thread.id}/posts", data={"body": "Even in the sea?", "reply_to": posts[0].id})
    assert sent.status_code == 303 and sent.location.endswith(f"/ideas/{idea.id}#post-{posts[2].id + 1}")


def test_an_empty_reply_in_place_keeps_its_quote_and_says_why(client, login_as, make_user, talk):
    """A reply in place sent empty comes back in place (422) with the quote and the reason."""
    _idea, thread, posts, _ana, _ben = talk
    login_as(make_user())
    response = client.post(f"/threads/{thread.id}/posts", headers=HTMX,
                           data={"body": "", "reply_to": posts[1].id, "inline": "1"})
    assert response.status_code == 422 and "This field is required." in response.text
    assert f'id="reply-to-{posts[1].id}"' in response.text and "In reply to Ben" in response.text


def test_a_hidden_post_cannot_be_quoted(client, login_as, make_user, talk):
    """Replying to a post the moderators hid is refused with the reason."""
    from crowdspirit.forum import moderation

    _idea, _thread, posts, _ana, _ben = talk
    moderation.hide(posts[1], make_user(moderator=True), "off-topic")
    login_as(make_user())
    response = client.get(f"/posts/{posts[1].id}/reply", headers=HTMX)
    assert response.status_code == 409 and "The post you answer is not in this thread." in response.text


def test_the_discussion_of_a_confidential_idea_follows_the_idea(client, login_as, make_user, make_project, make_idea,
                                                                add_member):
    """Outsiders get 404 for the idea, its posts' addresses and the reply form; members read it under the idea."""
    project = make_project(policy_idea="project")
    idea = make_idea(project=project)
    post = forum.add_post(forum.thread_of_idea(idea), project.owner, "Members only talk")
    login_as(make_user())
    for url in (f"/ideas/{idea.id}", f"/posts/{post.id}", f"/posts/{post.id}/reply"):
        response = client.get(url)
        assert response.status_code == 404 and "Members only talk" not in response.text, url
    member = make_user()
    add_member(project, member)
    login_as(member)
    assert "Members only talk" in discussion(client.get(f"/ideas/{idea.id}").text)


# --- The stepper ------------------------------------------------------------------------------
def test_stepper_in_the_idea_stage_for_the_author_and_a_member(client, login_as, make_user, make_idea):
    """An idea just proposed: the first step is current; next comes voting, which its author or the project's
    managers open. The author has Open voting at the top; a member is told why they cannot vote yet."""
    author = make_user(name="Ada")
    idea = make_idea(author=author)
    login_as(author)
    page = client.get(f"/ideas/{idea.id}").text
    assert re.search(r'<li class="step current"\s+aria-current="step">Idea</li>', page)
    text = stepper(page)
    assert "Next: Voting. Its author or the project's managers open voting." in text
    assert f'/ideas/{idea.id}/move/vote' in page and "Open voting" in text
    login_as(make_user())
    text = stepper(client.get(f"/ideas/{idea.id}").text)
    assert "Voting is not open for this idea." in text and "Open voting" not in text


def test_stepper_in_the_vote_stage_counts_down_and_says_who_decides(client, login_as, make_user, make_idea):
    """In the vote stage: voting is current, the crowd decides at the threshold, and voting closes in a relative
    time in a <time datetime> element; after voting, the member is told they already voted."""
    idea = make_idea(stage=Stage.VOTE)
    idea.vote_closes_at = utcnow() + timedelta(days=3, minutes=5)
    db.session.commit()
    member = login_as(make_user())
    page = client.get(f"/ideas/{idea.id}").text
    assert re.search(r'aria-current="step">Voting</li>', page)
    text = stepper(page)
    assert "Next: Specification. The community decides: at 10 votes it goes to specification." in text
    assert "Voting closes in 3 days." in text
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" title="[^"]+">in 3 days</time>', page)
    pipeline.cast_vote(idea, member)
    assert "You have already voted for this idea." in stepper(client.get(f"/ideas/{idea.id}").text)


def test_stepper_says_when_voting_closed(client, login_as, make_user, make_idea):
    """Once the window has ended, the page says so with the server's reason, and offers no vote button."""
    idea = make_idea(stage=Stage.VOTE)
    idea.vote_closes_at = utcnow() - timedelta(days=2, minutes=5)
    db.session.commit()
    login_as(make_user())
    page = client.get(f"/ideas/{idea.id}").text
    assert "Voting closed 2 days ago." in stepper(page) and "Voting on this idea has closed." in stepper(page)
    assert f'action="/ideas/{idea.id}/vote"' not in page


def test_stepper_for_the_sponsor_deciding_promotion(client, login_as, make_user, make_org, make_project, make_idea):
    """Where the sponsor decides, the stepper says so; the sponsor's team gets Promote at the top, a member not."""
    helios = make_org("Helios Audio")
    project = make_project(owner=make_user(organisation=helios), kind="sponsored", promotion_decider="sponsor")
    idea = make_idea(project=project, stage=Stage.VOTE)
    login_as(make_user(name="Sam", organisation=helios))
    page = client.get(f"/ideas/{idea.id}").text
    assert "The sponsor decides which ideas go to specification." in stepper(page)
    assert f'/ideas/{idea.id}/move/spec' in page and "Promote to specification" in stepper(page)
    login_as(make_user())
    assert "Promote to specification" not in stepper(client.get(f"/ideas/{idea.id}").text)


def test_stepper_gives_the_gates_reason_to_who_may_move(client, login_as, make_user, make_project, make_idea):
    """Where the crowd shortlists, the sponsor's Promote is refused below the threshold with the gate's reason."""
    owner = make_user()
    project = make_project(owner=owner, promotion_decider="moderator", vote_threshold=3)
    idea = make_idea(project=project, stage=Stage.VOTE)
    login_as(owner)
    text = stepper(client.get(f"/ideas/{idea.id}").text)
    assert "The project's moderators decide, as a jury." in text and "Promote to specification" in text
    project.promotion_decider = "shortlist"
    db.session.commit()
    login_as(make_user(admin=True))
    text = stepper(client.get(f"/ideas/{idea.id}").text)
    assert "Ideas reaching 3 votes are shortlisted; the sponsor picks among them." in text
    assert "This idea needs 3 votes to be promoted; it has 0." in text


@pytest.mark.parametrize("stage, current, says", [
    (Stage.SPEC, "Specification", "Next: Partner R&D. A sponsor offers to develop it"),
    (Stage.PARTNER_RND, "Partner R&D", "Last stage: the partner develops the product with the community."),
    (Stage.ARCHIVED, "Idea", "Archived: this idea's journey has ended"),
])
def test_stepper_in_the_later_stages(client, make_idea, stage, current, says):
    """Spec, partner R&D and archived ideas: the current step and what follows, for a visitor."""
    page = html.unescape(client.get(f"/ideas/{make_idea(stage=stage).id}").text)
    assert f'aria-current="step">{current}</li>' in page and says in stepper(page)


def test_french_stepper(client, login_as, make_user, make_idea):
    """The stepper speaks French too."""
    idea = make_idea(stage=Stage.VOTE)
    client.get("/language/fr?next=/")
    text = stepper(client.get(f"/ideas/{idea.id}").text)
    assert "Prochaine étape" in text and "Le vote se termine dans 2 semaines." in text


def test_a_locked_discussion_offers_no_reply(client, login_as, make_user, talk):
    """In a locked discussion no post offers Reply and the page says it is locked (a reply would be refused)."""
    from crowdspirit.forum import moderation

    idea, thread, posts, _ana, _ben = talk
    moderation.set_thread_state(thread, make_user(moderator=True), locked=True)
    login_as(make_user())
    page = discussion(client.get(f"/ideas/{idea.id}").text)
    assert f"/posts/{posts[0].id}/reply" not in page and "This thread is locked: no new replies." in page


def test_stepper_tells_a_member_the_next_stage_needs_the_nda(client, login_as, make_user, make_project, make_idea,
                                                            add_member):
    """A member without the NDA reads that the idea's next (confidential) stage will need it, with the way to it;
    a member who accepted it, and a visitor, are not told."""
    from crowdspirit.projects import nda

    project = make_project(policy_spec="confidential")
    idea = make_idea(project=project, stage=Stage.VOTE)
    nda.publish(project, project.owner, "Keep it to yourself.")
    member, signer = make_user(), make_user()
    for person in (member, signer):
        add_member(project, person)
    nda.accept(project, signer, 1)
    login_as(member)
    text = stepper(client.get(f"/ideas/{idea.id}").text)
    assert "In its next stage only those who accepted the project's NDA see this idea. Read the NDA" in text
    login_as(signer)
    assert "NDA" not in stepper(client.get(f"/ideas/{idea.id}").text)
    client.post("/logout")
    assert "NDA" not in stepper(client.get(f"/ideas/{idea.id}").text)
