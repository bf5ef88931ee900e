"""Moderators' tools through the HTTP client: flag categories (a confidential leak hides the post at once, pending
review), bulk actions in the queue (every post checked before any changes), and moderators' edits and redactions
(the history kept, the reason shown, the author told)."""

import pytest
from sqlalchemy import select

from crowdspirit.audit.models import AuditEvent
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.forum.models import Flag, Post, PostRevision
from crowdspirit.notifications.models import Notification
from crowdspirit.visibility import Visibility


@pytest.fixture
def thread_post(make_user, make_idea):
    """A public idea discussion with one post by its author."""
    thread = forum.thread_of_idea(make_idea())
    author = make_user(name="Alex Author")
    return thread, forum.add_post(thread, author, "The supplier's price is 4.20 EUR"), author


def audit_rows() -> list[tuple[str, int]]:
    """The audit log's (action, actor) pairs, oldest first."""
    return [(e.action, e.actor_id) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def post_actions() -> list[str]:
    """The audited actions on posts, oldest first."""
    return [a for a, _ in audit_rows() if a.startswith("post.")]


def told(user) -> list[tuple[str, str, str]]:
    """The (kind, detail, note) of the notices a member received."""
    return [(n.kind, n.detail, n.note) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def flags_of(post) -> list[tuple[str, str, bool]]:
    """The post's flags: (category, reason, resolved)."""
    return [(f.category, f.reason, f.resolved) for f in db.session.scalars(
        select(Flag).where(Flag.post_id == post.id).order_by(Flag.id))]


# Flag categories

def test_flags_have_categories_shown_in_the_queue(client, login_as, make_user, thread_post):
    """The flag form offers the categories; spam needs no reason, and the queue shows each flag's category."""
    thread, post, _author = thread_post
    login_as(make_user())
    page = client.get(f"/threads/{thread.id}", follow_redirects=True).text
    assert 'name="category"' in page and "Confidential information leaked" in page and "Off-topic" in page
    assert client.post(f"/posts/{post.id}/flag", data={"category": "spam"}).status_code == 303
    login_as(make_user())
    assert client.post(f"/posts/{post.id}/flag", data={"category": "abuse", "reason": "insults"}).status_code == 303
    assert flags_of(post) == [("spam", "", False), ("abuse", "insults", False)]
    login_as(make_user(moderator=True))
    queue = client.get("/moderation").text
    assert '<strong class="flag-category">Spam</strong></small>' in queue
    assert '<strong class="flag-category">Abuse</strong>: insults' in queue


@pytest.mark.parametrize("form", [{"category": "other"}, {"category": "other", "reason": "  "},
                                  {"category": "gossip", "reason": "x"}])
def test_bad_flags_are_refused(client, login_as, make_user, thread_post, form):
    """"Other" without a reason, or an unknown category, is 409; nothing is stored."""
    _thread, post, _author = thread_post
    login_as(make_user())
    assert client.post(f"/posts/{post.id}/flag", data=form).status_code == 409
    assert flags_of(post) == []


def test_an_old_flag_reads_as_other(client, login_as, make_user, thread_post):
    """A flag stored before categories existed reads as "other"."""
    _thread, post, _author = thread_post
    db.session.execute(Flag.__table__.insert().values(post_id=post.id, user_id=make_user().id, reason="old"))
    db.session.commit()
    assert flags_of(post) == [("other", "old", False)]
    login_as(make_user(moderator=True))
    assert '<strong class="flag-category">Other</strong>: old' in client.get("/moderation").text


def test_a_leak_flag_hides_the_post_at_once(client, login_as, make_user, thread_post):
    """One confidential-leak flag hides the post pending review: readers see a placeholder, the author is told why,
    the audit log names who flagged, and the post waits in the queue."""
    thread, post, author = thread_post
    flagger = login_as(make_user())
    assert client.post(f"/posts/{post.id}/flag", data={"category": "leak", "reason": "a price"}).status_code == 303
    db.session.refresh(post)
    assert post.hidden_at is not None and post.hidden_by_id is None
    assert post.hidden_reason == "Hidden pending review: reported as a confidential leak."
    assert ("post.reported_leak", flagger.id) in audit_rows()
    assert told(author) == [("moderation", "hidden", post.hidden_reason)]
    login_as(make_user())
    page = client.get(f"/threads/{thread.id}", follow_redirects=True).text
    assert "hidden by the moderators" in page and "4.20 EUR" not in page
    login_as(make_user(moderator=True))
    queue = client.get("/moderation").text
    assert "Confidential information leaked</strong>: a price" in queue and "hidden pending review" in queue
    assert "Keep hidden" in queue and "Show again" in queue


def test_a_moderator_confirms_a_leak_hidden(client, login_as, make_user, thread_post):
    """Keeping it hidden records the moderator and their reason, and the post leaves the queue."""
    _thread, post, _author = thread_post
    login_as(make_user())
    client.post(f"/posts/{post.id}/flag", data={"category": "leak"})
    moderator = login_as(make_user(moderator=True))
    response = client.post(f"/posts/{post.id}/hide", query_string={"next": "/moderation"},
                           data={"reason": "Supplier prices are confidential"})
    assert (response.status_code, response.headers["Location"]) == (303, "/moderation")
    db.session.refresh(post)
    assert (post.hidden_by_id, post.hidden_reason) == (moderator.id, "Supplier prices are confidential")
    assert [f[2] for f in flags_of(post)] == [True]
    assert "Nothing flagged" in client.get("/moderation").text


def test_a_moderator_shows_a_leak_flagged_post_again(client, login_as, make_user, thread_post):
    """A false leak report: the moderator shows the post again and its author is told."""
    thread, post, author = thread_post
    login_as(make_user())
    client.post(f"/posts/{post.id}/flag", data={"category": "leak"})
    login_as(make_user(moderator=True))
    assert client.post(f"/posts/{post.id}/unhide", data={"next": "/moderation"}).status_code == 303
    db.session.refresh(post)
    assert post.hidden_at is None and [f[2] for f in flags_of(post)] == [True]
    assert [t[1] for t in told(author)] == ["hidden", "shown"]


def test_a_leak_flag_on_a_hidden_post_changes_nothing(client, login_as, make_user, thread_post):
    """A post a moderator already hid stays as the moderator left it."""
    _thread, post, _author = thread_post
    moderator = login_as(make_user(moderator=True))
    client.post(f"/posts/{post.id}/hide", data={"reason": "Rude"})
    login_as(make_user())
    client.post(f"/posts/{post.id}/flag", data={"category": "leak"})
    db.session.refresh(post)
    assert (post.hidden_by_id, post.hidden_reason) == (moderator.id, "Rude")
    assert "post.reported_leak" not in [a for a, _ in audit_rows()]


def test_members_not_in_good_standing_cannot_flag(client, login_as, make_user, thread_post):
    """A suspended member's leak report is refused; the post stays visible."""
    _thread, post, _author = thread_post
    moderator, member = make_user(moderator=True), make_user()
    login_as(moderator)
    client.post(f"/users/{member.id}/sanction", data={"action": "suspend", "days": 3, "reason": "spam"})
    login_as(member)
    assert client.post(f"/posts/{post.id}/flag", data={"category": "leak"}).status_code == 403
    db.session.refresh(post)
    assert post.hidden_at is None and flags_of(post) == []


# Bulk actions

@pytest.fixture
def flagged(make_user, thread_post):
    """Three posts of one thread, each flagged once."""
    thread, post, author = thread_post
    posts = [post, forum.add_post(thread, author, "Second"), forum.add_post(thread, author, "Third")]
    for p in posts:
        db.session.add(Flag(post_id=p.id, user_id=make_user().id, reason="rude", category="abuse"))
    db.session.commit()
    return posts


def bulk(client, action, posts, **form):
    """Post the queue's bulk form."""
    return client.post("/moderation/bulk", data={"action": action, "post": [p.id for p in posts], **form})


def test_bulk_dismiss_hide_and_show(client, login_as, make_user, flagged):
    """Dismiss the flags of two posts, hide the third with one reason, then show it again: each through the
    single-post service (audited, its author told)."""
    login_as(make_user(moderator=True))
    queue = client.get("/moderation").text
    assert 'value="dismiss"' in queue and 'value="show"' in queue and 'hx-confirm="Hide the selected posts?' in queue
    response = bulk(client, "dismiss", flagged[:2])
    assert response.status_code == 303 and "Flags dismissed on 2 posts." in client.get("/moderation").text
    assert bulk(client, "hide", flagged[2:], reason="Insults").status_code == 303
    assert bulk(client, "show", flagged[2:]).status_code == 303
    for post in flagged:
        db.session.refresh(post)
        assert post.hidden_at is None and all(f[2] for f in flags_of(post))
    actions = [a for a, _ in audit_rows()]
    assert actions.count("post.flags_dismissed") == 2 and actions[-2:] == ["post.hidden", "post.shown"]
    assert [t[1] for t in told(flagged[2].author)] == ["hidden", "shown"]


def test_bulk_approve_held_posts(client, login_as, make_user, make_project, make_idea, add_member):
    """Several newcomers' held posts are approved at once; a published one in the mix refuses them all."""
    project = make_project(hold_first_posts=True)
    thread = forum.thread_of_idea(make_idea(project=project))
    held = [forum.add_post(thread, make_user(), f"First words {n}") for n in range(2)]
    assert all(p.pending for p in held)
    moderator = make_user()
    add_member(project, moderator, "moderator")
    login_as(moderator)
    queue = client.get(f"/projects/{project.slug}/moderation").text
    assert "Approve the selected posts" in queue and f'name="post" value="{held[0].id}"' in queue
    published = forum.add_post(thread, project.owner, "Owner speaking")
    assert bulk(client, "approve", [*held, published]).status_code == 409
    assert all(db.session.get(Post, p.id).pending for p in held)
    response = client.post("/moderation/bulk", query_string={"next": f"/projects/{project.slug}/moderation"},
                           data={"action": "approve", "post": [p.id for p in held]})
    assert response.status_code == 303 and response.headers["Location"].endswith("/moderation")
    assert not any(db.session.get(Post, p.id).pending for p in held)
    assert [a for a, _ in audit_rows()].count("post.approved") == 2


def test_bulk_refuses_a_mix_with_a_post_the_moderator_may_not_moderate(client, login_as, make_user, make_project,
                                                                      make_idea, add_member):
    """A project moderator selecting a post of another project: 403, and none of the posts changes."""
    ours, theirs = make_project(title="Ours"), make_project(title="Theirs")
    mine = forum.add_post(forum.thread_of_idea(make_idea(project=ours)), make_user(), "here")
    other = forum.add_post(forum.thread_of_idea(make_idea(project=theirs)), make_user(), "there")
    moderator = make_user()
    add_member(ours, moderator, "moderator")
    login_as(moderator)
    assert bulk(client, "hide", [mine, other], reason="Rude").status_code == 403
    assert db.session.get(Post, mine.id).hidden_at is None and db.session.get(Post, other.id).hidden_at is None
    assert post_actions() == []


def test_bulk_refuses_a_post_the_moderator_may_not_see(client, login_as, make_user, make_project, make_idea,
                                                       thread_post):
    """A post of a confidential idea is 404 to a platform moderator outside the project; nothing changes."""
    _thread, visible_post, _author = thread_post
    project = make_project(policy_idea=Visibility.CONFIDENTIAL)
    secret = forum.add_post(forum.thread_of_idea(make_idea(project=project)), project.owner, "secret")
    login_as(make_user(moderator=True))
    assert bulk(client, "hide", [visible_post, secret], reason="Rude").status_code == 404
    assert db.session.get(Post, visible_post.id).hidden_at is None


@pytest.mark.parametrize("action, form, status", [
    ("hide", {}, 409), ("hide", {"reason": " "}, 409), ("show", {}, 409), ("approve", {}, 409),
    ("delete", {}, 409), ("dismiss", {"post": [999_999]}, 404), ("dismiss", {"post": []}, 409)])
def test_bad_bulk_input_changes_nothing(client, login_as, make_user, flagged, action, form, status):
    """No reason, a state the action does not apply to, an unknown action or post, no selection: 4xx, nothing
    changed."""
    login_as(make_user(moderator=True))
    data = {"action": action, "post": [p.id for p in flagged], **form}
    assert client.post("/moderation/bulk", data=data).status_code == status
    for post in flagged:
        db.session.refresh(post)
        assert post.hidden_at is None and [f[2] for f in flags_of(post)] == [False]
    assert post_actions() == []


def test_a_member_cannot_use_bulk_actions(client, login_as, make_user, flagged):
    """A member who reads the posts is told they may not moderate them (403)."""
    login_as(make_user())
    assert bulk(client, "dismiss", flagged).status_code == 403
    assert all(f[2] is False for p in flagged for f in flags_of(p))


# Moderators' edits and redactions

def test_a_moderator_edits_a_post(client, login_as, make_user, thread_post):
    """The new text replaces the old (kept in the history), the reason shows on the post, the author is told, the
    edit is audited; the author may still edit it."""
    thread, post, author = thread_post
    moderator = login_as(make_user(moderator=True))
    assert "Edit as a moderator" in client.get(f"/threads/{thread.id}", follow_redirects=True).text
    page = client.get(f"/posts/{post.id}/moderate")
    assert page.status_code == 200 and "4.20 EUR" in page.text
    response = client.post(f"/posts/{post.id}/moderate",
                           data={"body": "The supplier's price is [removed]", "reason": "No prices here"})
    assert response.status_code == 303
    db.session.refresh(post)
    assert (post.body, post.moderator_note, post.redacted) == ("The supplier's price is [removed]",
                                                               "No prices here", False)
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == post.id))
    assert (revision.body, revision.replaced_by_id, revision.moderators_only) == (
        "The supplier's price is 4.20 EUR", moderator.id, False)
    assert ("post.edited", moderator.id) in audit_rows()
    assert told(author) == [("moderation", "edited", "No prices here")]
    login_as(make_user())
    page = client.get(f"/threads/{thread.id}", follow_redirects=True).text
    assert "Edited by a moderator: No prices here" in page and "4.20" not in page
    login_as(author)
    edit = client.get(f"/posts/{post.id}/edit")
    assert edit.status_code == 200 and "4.20 EUR" in edit.text  # the author's own earlier text


def test_a_moderator_redacts_a_post(client, login_as, make_user, thread_post):
    """The text becomes the placeholder; the original is for moderators only, the author may no longer edit it."""
    thread, post, author = thread_post
    moderator = login_as(make_user(moderator=True))
    page = client.get(f"/posts/{post.id}/moderate").text
    assert 'hx-confirm="Redact this post?' in page
    assert client.post(f"/posts/{post.id}/redact", data={"reason": "Leaked a price"}).status_code == 303
    db.session.refresh(post)
    assert (post.body, post.redacted, post.moderator_note) == ("[redacted by a moderator]", True, "Leaked a price")
    assert ("post.redacted", moderator.id) in audit_rows()
    assert told(author) == [("moderation", "redacted", "Leaked a price")]
    history = client.get(f"/posts/{post.id}/moderate").text
    assert "4.20 EUR" in history and "redacted: moderators only" in history and "Redact</button>" not in history
    assert client.post(f"/posts/{post.id}/redact", data={"reason": "again"}).status_code == 409
    login_as(author)
    page = client.get(f"/threads/{thread.id}", follow_redirects=True).text
    assert "[redacted by a moderator]" in page and "Edited by a moderator: Leaked a price" in page
    assert "4.20" not in page
    assert client.get(f"/posts/{post.id}/edit").status_code == 403


def test_a_redacted_original_stays_for_moderators_only(client, login_as, make_user, thread_post):
    """A moderator rewrites a redacted post: the author may edit again, but never reads the redacted original."""
    _thread, post, author = thread_post
    login_as(make_user(moderator=True))
    client.post(f"/posts/{post.id}/redact", data={"reason": "Leak"})
    client.post(f"/posts/{post.id}/moderate", data={"body": "The price is on request.", "reason": "Rewritten"})
    login_as(author)
    edit = client.get(f"/posts/{post.id}/edit")
    assert edit.status_code == 200 and "4.20" not in edit.text and "[redacted by a moderator]" in edit.text


@pytest.mark.parametrize("form, status", [({"body": "New", "reason": ""}, 422), ({"body": "", "reason": "x"}, 422),
                                          ({"body": "The supplier's price is 4.20 EUR", "reason": "x"}, 409)])
def test_bad_moderator_edits_change_nothing(client, login_as, make_user, thread_post, form, status):
    """No reason, no text, or the same text: 4xx, nothing changed."""
    _thread, post, author = thread_post
    login_as(make_user(moderator=True))
    assert client.post(f"/posts/{post.id}/moderate", data=form).status_code == status
    assert client.post(f"/posts/{post.id}/redact", data={"reason": " "}).status_code == 409
    db.session.refresh(post)
    assert (post.body, post.moderator_note) == ("The supplier's price is 4.20 EUR", "")
    assert db.session.scalar(select(PostRevision)) is None and told(author) == []


def test_who_may_edit_or_redact_as_a_moderator(client, login_as, make_user, make_project, make_idea, add_member,
                                               thread_post):
    """Members get 403; a project moderator moderates their project only; a confidential post is 404 to a platform
    moderator outside its project."""
    _thread, post, _author = thread_post
    login_as(make_user())
    assert client.get(f"/posts/{post.id}/moderate").status_code == 403
    assert client.post(f"/posts/{post.id}/redact", data={"reason": "x"}).status_code == 403
    project = make_project(policy_idea=Visibility.CONFIDENTIAL)
    secret = forum.add_post(forum.thread_of_idea(make_idea(project=project)), project.owner, "secret")
    login_as(make_user(moderator=True))
    assert client.get(f"/posts/{secret.id}/moderate").status_code == 404
    assert client.post(f"/posts/{secret.id}/redact", data={"reason": "x"}).status_code == 404
    project_moderator = make_user()
    add_member(project, project_moderator, "moderator")
    login_as(project_moderator)
    assert client.get(f"/posts/{secret.id}/moderate").status_code == 200
    assert client.get(f"/posts/{post.id}/moderate").status_code == 403
    assert db.session.get(Post, post.id).body == "The supplier's price is 4.20 EUR"
    assert db.session.get(Post, secret.id).body == "secret"
