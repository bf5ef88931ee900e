"""Duplicate ideas over HTTP: similar ideas suggested while proposing (only what the member may see), and the
moderators' merge of a duplicate into another idea of its project: votes moved exactly (also under concurrent
votes), discussion and followers moved, the duplicate's page redirecting, both authors credited and told, access
and bad input refused with nothing changed."""

import threading

import pytest
from flask import g
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from crowdspirit.errors import Conflict
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.forum.models import Post, Thread
from crowdspirit.notifications.models import Notification, ThreadFollow
from crowdspirit.pipeline import services as pipeline
from crowdspirit.pipeline.models import Idea, Stage, StageTransition, Support, Vote
from crowdspirit.search import indexer

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(make_user, make_project, make_idea, add_member):
    """A project (threshold far away) with its moderator, a duplicate and the idea it copies (both open for votes),
    and voters: Ada for the duplicate only, Bob for the target only, Cyd for both."""
    owner = make_user(name="Olga Owner")
    project = make_project(owner=owner, vote_threshold=1000)
    people = {"owner": owner, "moderator": make_user(name="Max Moderator"), "member": make_user(name="Mia Member"),
              "outsider": make_user(name="Otto Outsider"), "dup_author": make_user(name="Dora Duplicate"),
              "target_author": make_user(name="Tara Target")}
    add_member(project, people["moderator"], "moderator")
    add_member(project, people["member"])
    target = make_idea(project=project, author=people["target_author"], stage=Stage.VOTE,
                       title="Repairable headphones")
    duplicate = make_idea(project=project, author=people["dup_author"], stage=Stage.VOTE,
                          title="Headphones you can repair")
    voters = {name: make_user(name=name) for name in ("Ada", "Bob", "Cyd")}
    for name, ideas in (("Ada", [duplicate]), ("Bob", [target]), ("Cyd", [duplicate, target])):
        for idea in ideas:
            pipeline.cast_vote(idea, voters[name])
    return {"project": project, "target": target, "duplicate": duplicate, "voters": voters, **people}


def stored(idea_id: int) -> tuple[int, int]:
    """An idea's stored vote_count and its number of vote rows, read fresh."""
    db.session.expire_all()
    rows = db.session.scalar(select(func.count(Vote.id)).where(Vote.idea_id == idea_id))
    return db.session.get(Idea, idea_id).vote_count, rows


def voter_ids(idea_id: int) -> set[int]:
    """Who has a vote row on the idea."""
    return set(db.session.scalars(select(Vote.user_id).where(Vote.idea_id == idea_id)))


def merge(client, duplicate, target, reason="Same idea, proposed twice"):
    """Post the merge's confirmation."""
    return client.post(f"/ideas/{duplicate.id}/merge", data={"into": target.id, "reason": reason})


def snapshot(*ideas) -> list:
    """What a refused merge must leave as it was: stages, links, counts and rows of these ideas."""
    db.session.expire_all()
    return [(i.stage, i.merged_into_id, *stored(i.id)) for i in (db.session.get(Idea, idea.id) for idea in ideas)]


# --- The merge ----------------------------------------------------------------------------------------------------
def test_confirm_page_shows_both_ideas_and_what_will_happen(client, login_as, world):
    """The moderator picks the target among the similar ideas, then reads both ideas and the effect on votes."""
    login_as(world["moderator"])
    duplicate, target = world["duplicate"], world["target"]
    indexer.drain()
    chooser = client.get(f"/ideas/{duplicate.id}/merge")
    assert chooser.status_code == 200
    assert f'<option value="{target.id}">Repairable headphones (#{target.id}, Voting)</option>' in chooser.text
    assert chooser.text.index("Similar ideas") < chooser.text.index("Repairable headphones")
    page = client.get(f"/ideas/{duplicate.id}/merge?into={target.id}")
    assert page.status_code == 200
    assert "Headphones you can repair" in page.text and "Repairable headphones" in page.text
    assert "Its 2 votes move to “Repairable headphones”" in page.text
    assert "1 member voted for both and keeps one vote." in page.text
    assert snapshot(duplicate, target) == [("vote", None, 2, 2), ("vote", None, 2, 2)]  # a GET changes nothing
    assert "Merge into another idea" in client.get(f"/ideas/{duplicate.id}").text


def test_votes_move_exactly_one_per_member(client, login_as, world):
    """Ada (duplicate only), Bob (target only) and Cyd (both) each have one vote on the target; the duplicate has
    none; both counts equal their rows; the duplicate is archived pointing to the target, its history says why."""
    login_as(world["moderator"])
    duplicate, target, voters = world["duplicate"], world["target"], world["voters"]
    response = merge(client, duplicate, target)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/ideas/{target.id}")
    assert stored(target.id) == (3, 3) and stored(duplicate.id) == (0, 0)
    assert voter_ids(target.id) == {voters[name].id for name in ("Ada", "Bob", "Cyd")}
    db.session.refresh(duplicate)
    assert (duplicate.stage, duplicate.archived_from, duplicate.merged_into_id) == ("archived", "vote", target.id)
    last = db.session.scalars(select(StageTransition).where(StageTransition.idea_id == duplicate.id)
                              .order_by(StageTransition.id.desc())).first()
    assert (last.to_stage, last.actor_id) == ("archived", world["moderator"].id)
    assert last.reason == f"Merged into idea #{target.id}: Same idea, proposed twice"
    page = client.get(f"/ideas/{target.id}").text
    assert "“Headphones you can repair” is merged into this idea" in page
    assert '<strong class="vote-count">3</strong>' in page


def test_supports_move_exactly_one_per_member(client, login_as, make_idea, world):
    """Two ideas still in the idea stage: Ada's support of the duplicate moves to the target, Cyd who supports both
    keeps one; both support counts equal their rows."""
    project, voters = world["project"], world["voters"]
    target = make_idea(project=project, author=world["target_author"], title="Quiet kettle")
    duplicate = make_idea(project=project, author=world["dup_author"], title="A kettle that whispers")
    for name, ideas in (("Ada", [duplicate]), ("Cyd", [duplicate, target])):
        for idea in ideas:
            pipeline.support(idea, voters[name])
    login_as(world["moderator"])
    assert merge(client, duplicate, target).status_code == 303
    db.session.expire_all()
    rows = {idea.id: set(db.session.scalars(select(Support.user_id).where(Support.idea_id == idea.id)))
            for idea in (target, duplicate)}
    assert rows == {target.id: {voters["Ada"].id, voters["Cyd"].id}, duplicate.id: set()}
    assert (db.session.get(Idea, target.id).support_count, db.session.get(Idea, duplicate.id).support_count) == (2, 0)


def test_the_duplicate_redirects_to_the_target_which_credits_its_author(client, login_as, world):
    """Anyone opening the duplicate is sent to the target with a notice; the target names the other author."""
    login_as(world["moderator"])
    merge(client, world["duplicate"], world["target"])
    login_as(world["member"])
    response = client.get(f"/ideas/{world['duplicate'].id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/ideas/{world['target'].id}")
    page = client.get(response.headers["Location"]).text
    assert "“Headphones you can repair” was merged into this idea." in page
    assert "Also proposed by Dora Duplicate (merged)" in page


def test_discussion_and_followers_follow(client, login_as, make_user, world):
    """The duplicate's posts join the target's discussion (counted there), its emptied thread is locked; its
    followers follow the target's thread once (a follower of both keeps one follow); the post's notification names
    the target's thread."""
    duplicate, target = world["duplicate"], world["target"]
    poster, both = make_user(name="Paul Poster"), make_user(name="Bea Both")
    source, destination = forum.thread_of_idea(duplicate), forum.thread_of_idea(target)
    db.session.add_all([ThreadFollow(thread_id=source.id, user_id=both.id),
                        ThreadFollow(thread_id=destination.id, user_id=both.id)])
    db.session.commit()
    forum.add_post(destination, world["target_author"], "The first idea's discussion")
    post = forum.add_post(source, poster, "I would buy repairable headphones, @Dora Duplicate")  # follows, tells
    login_as(world["moderator"])
    assert merge(client, duplicate, target).status_code == 303
    db.session.expire_all()
    assert db.session.get(Post, post.id).thread_id == destination.id
    source, destination = db.session.get(Thread, source.id), db.session.get(Thread, destination.id)
    assert (source.post_count, source.locked, destination.post_count) == (0, True, 2)
    follows = db.session.execute(select(ThreadFollow.thread_id, ThreadFollow.user_id)).all()
    assert sorted(f for f in follows if both.id in f or poster.id in f) == sorted(
        [(destination.id, both.id), (destination.id, poster.id)])
    mention = db.session.scalar(select(Notification).where(Notification.kind == "mention"))
    assert (mention.thread_id, mention.post_id) == (destination.id, post.id)
    login_as(world["member"])
    page = client.get(f"/ideas/{target.id}").text
    assert "I would buy repairable headphones" in page and "The first idea's discussion" in page


def test_authors_and_voters_are_told(client, login_as, world):
    """The duplicate's author, the target's author and the duplicate's voters are told, each in their words; the
    moderator and those who voted for the target only are not."""
    login_as(world["moderator"])
    merge(client, world["duplicate"], world["target"])
    told = db.session.execute(select(Notification.user_id, Notification.detail, Notification.note)
                              .where(Notification.kind == "idea.merged")).all()
    voters = world["voters"]
    assert sorted(told) == sorted([(world["dup_author"].id, "author", "Same idea, proposed twice"),
                                   (world["target_author"].id, "target", "Same idea, proposed twice"),
                                   (voters["Ada"].id, "voter", "Same idea, proposed twice"),
                                   (voters["Cyd"].id, "voter", "Same idea, proposed twice")])
    for user, words in ((world["dup_author"], "your idea"), (world["target_author"], "a duplicate of your idea"),
                        (voters["Ada"], "an idea you voted for")):
        login_as(user)
        assert f"Max Moderator merged {words} into “Repairable headphones”" in client.get("/notifications").text


def test_the_merged_idea_leaves_search(client, login_as, world):
    """Once indexed again, the duplicate is no longer found; the target is."""
    indexer.drain()
    login_as(world["member"])
    assert "Headphones you can repair" in client.get("/search?q=repair").text
    login_as(world["moderator"])
    client.get(merge(client, world["duplicate"], world["target"]).headers["Location"])  # its notice read there
    indexer.drain()
    login_as(world["member"])
    found = client.get("/search?q=headphones").text
    assert "Headphones you can repair" not in found and "Repairable headphones" in found


# --- Access and bad input -----------------------------------------------------------------------------------------
def test_only_the_projects_moderators_may_merge(app, client, login_as, make_user, world):
    """A member or an outsider who sees the idea gets 403 with the reason, a visitor is sent to sign in; the owner
    and a platform moderator may; nothing changes for those refused."""
    duplicate, target = world["duplicate"], world["target"]
    before = snapshot(duplicate, target)
    for user in (world["member"], world["outsider"], world["dup_author"]):
        login_as(user)
        for response in (client.get(f"/ideas/{duplicate.id}/merge?into={target.id}"), merge(client, duplicate, target)):
            assert response.status_code == 403
            assert "Only the project&#39;s managers can merge an idea into another." in response.text
        assert "Merge into another idea" not in client.get(f"/ideas/{duplicate.id}").text
    g.pop("_login_user", None)  # Flask-Login caches the user in the test's long-lived context
    assert merge(app.test_client(), duplicate, target).status_code == 302  # a visitor: to sign in
    assert snapshot(duplicate, target) == before
    login_as(make_user(moderator=True))
    assert client.get(f"/ideas/{duplicate.id}/merge?into={target.id}").status_code == 200
    login_as(world["owner"])
    assert merge(client, duplicate, target).status_code == 303


def test_who_may_not_see_the_idea_gets_404(client, login_as, make_user, make_project, make_idea):
    """In a project whose ideas only its members see, an outsider learns nothing: 404."""
    project = make_project(policy_idea="project", policy_vote="project")
    duplicate, target = make_idea(project=project, title="Solar lamp"), make_idea(project=project, title="Sun lamp")
    login_as(make_user())
    assert client.get(f"/ideas/{duplicate.id}/merge").status_code == 404
    assert merge(client, duplicate, target).status_code == 404


@pytest.mark.parametrize("case, status, message", [
    ("itself", 400, "An idea cannot be merged into itself."),
    ("other project", 400, "Choose another idea of the same project."),
    ("missing", 400, "Choose another idea of the same project."),
    ("archived", 409, "“Old headphones” is archived: merge into an idea that is still open."),
    ("merged", 409, "“Headphones you can repair” was itself merged into another idea: merge into that one."),
])
def test_bad_targets_are_refused_and_change_nothing(client, login_as, make_project, make_idea, world, case, status,
                                                    message):
    """Into itself, another project's idea, an idea that does not exist, an archived or an already merged idea: a
    clear 4xx on the confirm page and on the post, and nothing changed."""
    login_as(world["moderator"])
    duplicate, target, project = world["duplicate"], world["target"], world["project"]
    if case == "merged":
        assert merge(client, duplicate, target).status_code == 303
        duplicate = make_idea(project=project, stage=Stage.VOTE, title="Headphones, again")
    into = {"itself": duplicate.id, "other project": make_idea(project=make_project(title="Elsewhere")).id,
            "missing": 999_999, "merged": world["duplicate"].id,
            "archived": make_idea(project=project, stage=Stage.ARCHIVED, title="Old headphones").id}[case]
    before = snapshot(duplicate, target, world["duplicate"])
    for response in (client.get(f"/ideas/{duplicate.id}/merge?into={into}"),
                     client.post(f"/ideas/{duplicate.id}/merge", data={"into": into, "reason": "dup"})):
        assert response.status_code == status and message in response.text.replace("&#34;", '"')
    assert snapshot(duplicate, target, world["duplicate"]) == before


def test_a_merged_or_advanced_duplicate_and_a_missing_reason_are_refused(client, login_as, make_idea, world):
    """A duplicate already merged, or in the specification stage, cannot be merged (409); a merge without a reason is
    sent back with the field's error (422); nothing changes."""
    login_as(world["moderator"])
    duplicate, target = world["duplicate"], world["target"]
    response = merge(client, duplicate, target, reason="  ")
    assert response.status_code == 422 and "This field is required." in response.text
    assert snapshot(duplicate, target) == [("vote", None, 2, 2), ("vote", None, 2, 2)]
    spec = make_idea(project=world["project"], stage=Stage.SPEC, title="Specified headphones")
    response = client.get(f"/ideas/{spec.id}/merge")
    assert response.status_code == 409 and "Only an idea in the idea or voting stage" in response.text
    assert merge(client, duplicate, target).status_code == 303
    response = merge(client, duplicate, target)
    assert response.status_code == 409 and "This idea has already been merged into another." in response.text
    assert stored(target.id) == (3, 3) and stored(duplicate.id) == (0, 0)


# --- Concurrent votes ---------------------------------------------------------------------------------------------
def test_a_vote_on_the_duplicate_after_the_merge_is_refused(client, login_as, make_user, world):
    """A vote for the duplicate read before the merge and written after it is refused, not stranded on the archived
    duplicate (its count stays equal to its rows)."""
    late = make_user(name="Lou Late")
    login_as(world["moderator"])
    merge(client, world["duplicate"], world["target"])
    db.session.expire_all()
    stale = db.session.get(Idea, world["duplicate"].id)
    set_committed_value(stale, "stage", Stage.VOTE)  # as the late voter's request read it before the merge
    set_committed_value(stale, "merged_into_id", None)
    with pytest.raises(Conflict, match="This idea has just been merged into another: vote there."):
        pipeline.cast_vote(stale, late)
    assert stored(world["duplicate"].id) == (0, 0) and stored(world["target"].id) == (3, 3)
    login_as(late)
    assert client.post(f"/ideas/{world['duplicate'].id}/vote").status_code == 409


def run_together(app, jobs) -> list:
    """Run each (session id, method, path, data) from its own thread and client, released at once; the statuses."""
    barrier = threading.Barrier(len(jobs), timeout=30)
    statuses = [None] * len(jobs)

    def run(i, session_id, path, data):
        with app.app_context():
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = session_id, True
            barrier.wait()
            statuses[i] = client.post(path, data=data).status_code

    db.session.commit()  # hold no transaction open while the threads write
    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_votes_racing_a_merge_stay_exact(app, make_user, world):
    """Eight members vote for the duplicate and eight for the target while the moderator merges: whatever the order,
    each accepted vote ends on the target once, refused ones leave nothing, and both counts equal their rows."""
    duplicate, target = world["duplicate"], world["target"]
    before = voter_ids(target.id) | voter_ids(duplicate.id)
    members = [make_user() for _ in range(16)]
    jobs = [(m.get_id(), f"/ideas/{(duplicate if i < 8 else target).id}/vote", {}) for i, m in enumerate(members)]
    jobs.insert(8, (world["moderator"].get_id(), f"/ideas/{duplicate.id}/merge",
                    {"into": target.id, "reason": "Same idea"}))
    statuses = run_together(app, jobs)
    assert statuses[8] == 303
    votes = statuses[:8] + statuses[9:]
    assert set(votes) <= {303, 409} and votes[8:] == [303] * 8
    accepted = {m.id for m, status in zip(members, votes, strict=True) if status == 303}
    assert voter_ids(target.id) == before | accepted
    assert stored(target.id) == (len(before | accepted),) * 2 and stored(duplicate.id) == (0, 0)


def test_a_vote_in_progress_during_a_merge_is_moved_or_refused(app, monkeypatch, make_user, world):
    """Deterministic interleaving: a vote for the duplicate holds its transaction open (its vote row written, its
    count not yet) while the merge starts. Either the merge waits for it and moves that vote too (SQLite: the vote
    holds the database's write lock), or the merge goes first and the vote, finding the idea merged, is refused and
    rolled back (PostgreSQL: the merge locks the idea's row first); never a vote left on the duplicate, and every
    count equals its rows."""
    from crowdspirit.pipeline import services

    inside, release = threading.Event(), threading.Event()
    original = services._count_vote

    def held(*args, **kwargs):
        inside.set()
        assert release.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "_count_vote", held)
    duplicate, target, voter = world["duplicate"], world["target"], make_user(name="Val Voter")
    statuses = {}

    def post(name, session_id, path, data):
        with app.app_context():
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = session_id, True
            statuses[name] = client.post(path, data=data).status_code

    db.session.commit()
    vote = threading.Thread(target=post, args=("vote", voter.get_id(), f"/ideas/{duplicate.id}/vote", {}))
    vote.start()
    assert inside.wait(10)
    merging = threading.Thread(target=post, args=("merge", world["moderator"].get_id(),
                                                  f"/ideas/{duplicate.id}/merge", {"into": target.id, "reason": "x"}))
    merging.start()
    release.set()
    vote.join(15)
    merging.join(15)
    assert statuses["merge"] == 303 and statuses["vote"] in (303, 409)
    moved = statuses["vote"] == 303
    assert (voter.id in voter_ids(target.id)) == moved
    assert stored(target.id) == ((4, 4) if moved else (3, 3)) and stored(duplicate.id) == (0, 0)


# --- Similar ideas while proposing --------------------------------------------------------------------------------
def test_similar_ideas_are_suggested_as_the_title_is_typed(client, login_as, make_project, make_idea, world):
    """The propose form asks for suggestions as the title changes; the fragment lists the similar open ideas the
    member may see (title, stage, link), not those of a stage they may not see nor of another project; an empty or
    unmatched title shows nothing."""
    project = world["project"]
    hidden_project = make_project(title="Closed lab", policy_idea="project", policy_vote="project")
    make_idea(project=hidden_project, title="Repairable headphones for the lab")
    make_idea(project=make_project(title="Elsewhere"), title="Repairable headphones elsewhere")
    indexer.drain()
    login_as(world["member"])
    form = client.get(f"/projects/{project.slug}/ideas/new").text
    assert f'hx-get="/projects/{project.slug}/ideas/similar"' in form and 'hx-include="#title"' in form
    found = client.get(f"/projects/{project.slug}/ideas/similar?title=Repairable+wireless+headphones", headers=HTMX)
    assert found.status_code == 200
    assert f'href="/ideas/{world["target"].id}"' in found.text and "Repairable headphones" in found.text
    assert "stage-vote" in found.text and "Headphones you can repair" in found.text
    assert "for the lab" not in found.text and "elsewhere" not in found.text
    for title in ("", "Bicycle", "   "):
        assert client.get(f"/projects/{project.slug}/ideas/similar?title={title}").text.strip() == ""


def test_similar_ideas_without_javascript(client, login_as, world):
    """"Look for similar ideas" posts the form without publishing it: the page comes back with the suggestions."""
    indexer.drain()
    login_as(world["member"])
    before = db.session.scalar(select(func.count(Idea.id)))
    response = client.post(f"/projects/{world['project'].slug}/ideas/new",
                           data={"title": "Repairable headphones", "summary": "", "check": "1"})
    assert response.status_code == 200 and "Similar ideas already proposed" in response.text
    assert "Headphones you can repair" in response.text and "This field is required." not in response.text
    assert db.session.scalar(select(func.count(Idea.id))) == before


def test_suggestions_need_the_right_to_propose(client, login_as, make_user, make_project):
    """Who may not propose in a project gets no suggestions from it (404 where they may not see it)."""
    project = make_project(policy_idea="project", policy_vote="project", policy_spec="project",
                           policy_partner_rnd="project")
    login_as(make_user())
    assert client.get(f"/projects/{project.slug}/ideas/similar?title=lamp").status_code == 404
