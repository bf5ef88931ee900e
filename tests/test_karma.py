"""Karma through the HTTP client: every point has a source and a rule, totals always equal the event log,
anti-gaming (self-votes, caps, reversals, idempotence), leaderboards under the access policy, referrals and the
right a threshold unlocks."""

import logging
import re
import threading

import pytest
from conftest import PASSWORD, TEST_CONFIG, emailed_path
from sqlalchemy import func, select, update

from crowdspirit import create_app
from crowdspirit.accounts.models import User
from crowdspirit.events import OutboxEvent, deliver_all
from crowdspirit.extensions import db
from crowdspirit.forum import moderation
from crowdspirit.forum import services as forum
from crowdspirit.forum.models import Post
from crowdspirit.karma import handlers, maintenance, rules
from crowdspirit.karma import services as karma
from crowdspirit.karma.models import InviteLink, KarmaEvent, KarmaTotal, Referral
from crowdspirit.pipeline.models import Idea, Stage
from crowdspirit.projects import services as projects
from crowdspirit.signals import idea_created
from crowdspirit.specs.models import Amendment

IDEA = {"summary": "A short summary.", "body": "Details.", "tags": "audio"}


def events(user=None, rule=None) -> list[tuple[str, int, str]]:
    """(rule, points, cause) of the events written so far, oldest first, for one user and rule when given."""
    db.session.expire_all()
    query = select(KarmaEvent.rule, KarmaEvent.points, KarmaEvent.cause).order_by(KarmaEvent.id)
    if user is not None:
        query = query.where(KarmaEvent.user_id == user.id)
    if rule is not None:
        query = query.where(KarmaEvent.rule == rule)
    return [tuple(row) for row in db.session.execute(query)]


def total(user) -> int:
    db.session.expire_all()
    return db.session.get(User, user.id).karma


def project_total(user, project) -> int:
    return db.session.scalar(select(KarmaTotal.points).where(KarmaTotal.user_id == user.id,
                                                             KarmaTotal.project_id == project.id)) or 0


def assert_totals_equal_the_log() -> None:
    """Every stored total, recomputed here from the event log with plain SQL, is equal."""
    db.session.expire_all()
    logged = dict(db.session.execute(select(KarmaEvent.user_id, func.sum(KarmaEvent.points))
                                     .group_by(KarmaEvent.user_id)).all())
    for user_id, stored in db.session.execute(select(User.id, User.karma)):
        assert stored == logged.get(user_id, 0), f"member #{user_id}"
    by_project = {(u, p): s for u, p, s in db.session.execute(
        select(KarmaEvent.user_id, KarmaEvent.project_id, func.sum(KarmaEvent.points))
        .where(KarmaEvent.project_id.is_not(None)).group_by(KarmaEvent.user_id, KarmaEvent.project_id))}
    stored = {(u, p): s for u, p, s in db.session.execute(
        select(KarmaTotal.user_id, KarmaTotal.project_id, KarmaTotal.points))}
    assert {k: v for k, v in stored.items() if v} == {k: v for k, v in by_project.items() if v}
    assert not maintenance.check()


def propose(client, project, title) -> Idea:
    response = client.post(f"/projects/{project.slug}/ideas/new", data={**IDEA, "title": title})
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalar(select(Idea).where(Idea.title == title))


def thread_id(client, idea) -> int:
    return forum.thread_of_idea(idea).id


def say(client, thread, body) -> Post:
    assert client.post(f"/threads/{thread}/posts", data={"body": body}).status_code == 303
    return db.session.scalar(select(Post).where(Post.body == body))


def sign_up(client, mailbox, email, name, ref) -> User:
    """Sign up through the form, then confirm the address as the new member would: the emailed link's page, then
    its button."""
    with client.session_transaction() as session:
        session.clear()
    response = client.post("/signup", data={"email": email, "display_name": name, "password": PASSWORD,
                                            "confirm": PASSWORD, "profile_kind": "student", "ref": ref})
    assert response.status_code == 303, response.get_data(as_text=True)
    link = emailed_path(mailbox()[-1][2], "/email/verify/")
    assert "Confirm my address" in client.get(link).text
    assert client.post(link).status_code == 303
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def people(make_user, make_project, add_member):
    """A community project (promotion at 3 votes), its owner, three members and a platform moderator."""
    owner = make_user(name="Olive Owner")
    project = make_project(owner=owner, vote_threshold=3, promotion_decider="community")
    world = {"project": project, "owner": owner, "ann": make_user(name="Ann Author"),
             "bob": make_user(name="Bob Builder", kind="professional"), "cat": make_user(name="Cat Critic"),
             "mod": make_user(name="Max Moderator", moderator=True)}
    add_member(project, world["bob"])  # members propose amendments
    return world


# --- The whole flow -------------------------------------------------------------------------------
def test_karma_recomputed_from_the_event_log_equals_the_stored_totals(app, client, login_as, people, mailbox):
    """Proposals, votes (one on the voter's own idea), posts, a hidden post, an accepted amendment, a promotion, a
    withdrawn vote and a referral, all over HTTP: each member gets exactly what the rules say, every stored total
    equals the log, and `flask crowdspirit karma-check` agrees."""
    project, ann, bob, cat, mod = (people[k] for k in ("project", "ann", "bob", "cat", "mod"))
    login_as(ann)
    first, second = propose(client, project, "Pocket synth"), propose(client, project, "Tape echo")
    for idea in (first, second):
        assert client.post(f"/ideas/{idea.id}/move/vote", data={"reason": "Vote!"}).status_code == 303
    assert client.post(f"/ideas/{first.id}/vote").status_code == 303  # her own idea: no points
    for voter in (bob, cat):  # the third vote reaches the threshold: the community promotes it
        login_as(voter)
        assert client.post(f"/ideas/{first.id}/vote").status_code == 303
    db.session.refresh(first)
    assert first.stage == Stage.SPEC
    login_as(bob)
    assert client.post(f"/ideas/{second.id}/vote").status_code == 303
    assert client.post(f"/ideas/{second.id}/unvote").status_code == 303  # taken back
    thread = thread_id(client, first)
    say(client, thread, "I can help with the filter design.")
    login_as(cat)
    rude = say(client, thread, "What a silly idea.")
    login_as(bob)
    assert client.post(f"/posts/{rude.id}/flag", data={"reason": "Rude"}).status_code == 303
    login_as(mod)
    assert client.post(f"/posts/{rude.id}/hide", data={"reason": "Be kind"}).status_code == 303
    login_as(bob)
    assert client.post(f"/ideas/{first.id}/spec/amendments/new",
                       data={"section": "use_cases", "text": "Jamming on the train", "reason": "Commuters"}
                       ).status_code == 303
    login_as(ann)
    amendment = db.session.scalar(select(Amendment))
    assert client.post(f"/ideas/{first.id}/spec/amendments/{amendment.id}/accept",
                       data={"reason": "Yes"}).status_code == 303
    # A referral: Bob's link brings Ivy, whose third contribution makes her active.
    login_as(bob)
    code = re.search(r"/join/([\w-]+)", client.get("/karma").get_data(as_text=True)).group(1)
    ivy = sign_up(client, mailbox, "ivy@example.org", "Ivy Invited", code)
    login_as(ivy)
    propose(client, project, "Drum pad")
    say(client, thread, "Count me in.")
    assert events(bob, "referral") == []
    assert client.post(f"/ideas/{second.id}/vote").status_code == 303

    assert total(ann) == 5 + 5 + 20 and project_total(ann, project) == 30
    assert events(ann, "vote_cast") == []
    assert total(bob) == 1 + 1 - 1 + 2 + 3 + 10 + 10
    assert project_total(bob, project) == total(bob) - 10  # a referral belongs to no project
    assert events(cat) == [("vote_cast", 1, ""), ("comment", 2, ""), ("comment", -2, "post_hidden")]
    assert total(ivy) == 5 + 2 + 1
    assert total(mod) == 0
    assert_totals_equal_the_log()
    result = app.test_cli_runner().invoke(args=["crowdspirit", "karma-check"])
    assert result.exit_code == 0 and "0 member totals and 0 project totals differ" in result.output


def test_karma_check_reports_and_repairs_drift(app, make_user, make_idea):
    """A total changed behind the log's back is reported (exit 1) and set back from the log by --repair."""
    author = make_user()
    idea = make_idea(author=author)
    db.session.execute(update(User).where(User.id == author.id).values(karma=99))
    db.session.execute(update(KarmaTotal).values(points=7))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crowdspirit", "karma-check"])
    assert result.exit_code == 1
    assert f"member #{author.id}: stored 99, log 5" in result.output
    assert f"member #{author.id} in project #{idea.project_id}: stored 7, log 5" in result.output
    assert "--repair" in result.output
    repaired = runner.invoke(args=["crowdspirit", "karma-check", "--repair"])
    assert repaired.exit_code == 0 and "Repaired." in repaired.output
    assert total(author) == 5 and project_total(author, idea.project) == 5
    assert_totals_equal_the_log()


# --- Anti-gaming ------------------------------------------------------------------------------------
def test_a_source_never_earns_twice(make_user, make_idea):
    """The same signal sent again (a retry, a replay) writes nothing more."""
    idea = make_idea()
    idea_created.send(idea)
    idea_created.send(idea)
    assert events(idea.author) == [("idea_proposed", 5, "")]
    assert_totals_equal_the_log()


def test_a_withdrawn_vote_is_reversed_and_a_new_vote_earns_again(client, login_as, make_user, make_project,
                                                                  make_idea):
    """Withdrawing writes a negative event pointing at the award; voting again is a new award."""
    idea = make_idea(project=make_project(vote_threshold=100), stage="vote")
    voter = login_as(make_user())
    for action in ("vote", "unvote", "vote"):
        assert client.post(f"/ideas/{idea.id}/{action}").status_code == 303
    assert events(voter) == [("vote_cast", 1, ""), ("vote_cast", -1, "vote_withdrawn"), ("vote_cast", 1, "")]
    first, reversal, _again = db.session.scalars(select(KarmaEvent).where(KarmaEvent.user_id == voter.id)
                                                 .order_by(KarmaEvent.id)).all()
    assert reversal.reverses_id == first.id and reversal.seq is None
    assert total(voter) == 1
    assert_totals_equal_the_log()


def test_daily_cap_limits_points_and_says_so(app, client, login_as, make_user, make_project, make_idea):
    """Beyond a rule's daily cap the event is still written, with the points left (0 at most) and the reason."""
    app.extensions["karma_rules"] = rules.build("vote_cast=2/3")
    project = make_project(vote_threshold=100)
    ideas = [make_idea(project=project, stage="vote", title=f"Idea {n}") for n in range(3)]
    voter = login_as(make_user())
    for idea in ideas:
        assert client.post(f"/ideas/{idea.id}/vote").status_code == 303
    assert events(voter) == [("vote_cast", 2, ""), ("vote_cast", 1, "capped"), ("vote_cast", 0, "capped")]
    assert total(voter) == 3
    assert "daily cap reached" in client.get("/karma").get_data(as_text=True)
    assert_totals_equal_the_log()


def test_simultaneous_votes_of_one_member_lose_no_point(app, make_user, make_project, make_idea):
    """Two votes of the same member at the same moment, on two ideas: both points are in the total."""
    project = make_project(vote_threshold=100)
    ideas = [make_idea(project=project, stage="vote", title=f"Idea {n}").id for n in range(4)]
    voter = make_user()
    voter_id, session_id = voter.id, voter.get_id()
    barrier, statuses = threading.Barrier(len(ideas), timeout=30), []

    def run(idea_id):
        with app.app_context():
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = session_id, True
            barrier.wait()
            statuses.append(client.post(f"/ideas/{idea_id}/vote").status_code)

    db.session.commit()
    threads = [threading.Thread(target=run, args=(idea_id,)) for idea_id in ideas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [303] * len(ideas)
    assert total(db.session.get(User, voter_id)) == len(ideas)
    assert_totals_equal_the_log()


def test_a_hidden_post_loses_its_points_and_comes_back_when_an_appeal_succeeds(client, login_as, make_user,
                                                                               make_idea):
    """Hiding reverses the post's points and rewards the flaggers; an overturned appeal does the opposite."""
    idea = make_idea()
    author, flagger = make_user(name="Poster"), make_user(name="Flagger")
    first_mod, second_mod = make_user(moderator=True), make_user(moderator=True)
    post = forum.add_post(forum.thread_of_idea(idea), author, "Buy cheap watches")
    login_as(flagger)
    assert client.post(f"/posts/{post.id}/flag", data={"reason": "Spam"}).status_code == 303
    login_as(first_mod)
    assert client.post(f"/posts/{post.id}/hide", data={"reason": "Spam"}).status_code == 303
    assert events(author) == [("comment", 2, ""), ("comment", -2, "post_hidden")]
    assert events(flagger) == [("moderation_help", 3, "")]
    login_as(author)
    assert client.post(f"/posts/{post.id}/appeal", data={"text": "It was a joke"}).status_code == 303
    appeal = moderation.appeal_of(post)
    login_as(second_mod)
    assert client.post(f"/appeals/{appeal.id}/decide", data={"overturn": "1"}).status_code == 303
    assert events(author)[-1] == ("comment", 2, "") and total(author) == 2
    assert events(flagger) == [("moderation_help", 3, ""), ("moderation_help", -3, "flag_dismissed")]
    assert_totals_equal_the_log()


def test_accepting_your_own_amendment_earns_nothing(make_user, make_idea):
    """An editor who proposes and accepts their own amendment gets no points for it."""
    from crowdspirit.specs import services as specs

    author = make_user()
    idea = make_idea(author=author, stage=Stage.SPEC)
    amendment = specs.propose_amendment(idea, author, "use_cases", "Mine", "")
    specs.decide_amendment(idea, amendment, author, True, "")
    assert events(author, "amendment_accepted") == []


def test_a_failing_handler_never_breaks_the_members_action(client, login_as, make_user, make_project, make_idea,
                                                           monkeypatch, caplog):
    """If writing karma fails, the vote stands, the failure is logged, and the totals still equal the log."""
    idea = make_idea(project=make_project(vote_threshold=100), stage="vote")
    login_as(make_user())

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(handlers, "contribute_many", broken)
    # alembic's logging.config.fileConfig (run by the migrations) disables the loggers that existed before it
    monkeypatch.setattr(logging.getLogger("crowdspirit.events"), "disabled", False)
    with caplog.at_level(logging.ERROR, logger="crowdspirit.events"):
        assert client.post(f"/ideas/{idea.id}/vote").status_code == 303
    assert "(vote-cast) failed" in caplog.text and "disk full" in caplog.text
    db.session.refresh(idea)
    assert idea.vote_count == 1
    assert_totals_equal_the_log()
    waiting = db.session.scalars(select(OutboxEvent)).all()  # kept for a retry, with its error
    assert [(event.name, event.failures, event.last_error) for event in waiting] == [
        ("vote-cast", 1, "RuntimeError: disk full")]
    monkeypatch.undo()
    assert deliver_all() == 1  # mended: the vote earns, exactly once
    assert db.session.scalars(select(OutboxEvent)).all() == []
    assert_totals_equal_the_log()


# --- Configuration ----------------------------------------------------------------------------------
def test_rules_come_from_the_configuration():
    """KARMA_RULES overrides points and caps; 0 points turns a rule off; mistakes are named clearly."""
    built = rules.build("vote_cast=2/40, comment=3, referral=0, idea_promoted=25/none")
    assert (built["vote_cast"].points, built["vote_cast"].daily_cap) == (2, 40)
    assert (built["comment"].points, built["comment"].daily_cap) == (3, None)
    assert built["referral"].points == 0 and built["idea_promoted"].daily_cap is None
    assert built["contest_win"].points == 50  # contests only need a signal to use their rules
    for bad, message in [("votes=2", "not name=points"), ("vote_cast", "not name=points"),
                         ("vote_cast=x", "whole numbers"), ("vote_cast=-1", "0 or more"), ("vote_cast=1/0", "cap 1")]:
        with pytest.raises(ValueError, match=message):
            rules.build(bad)


def test_a_bad_karma_rules_setting_stops_the_app_at_start(database_url):
    with pytest.raises(ValueError, match="KARMA_RULES"):
        create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "KARMA_RULES": "likes=3"})


def test_a_rule_turned_off_writes_nothing(app, make_idea):
    app.extensions["karma_rules"] = rules.build("idea_proposed=0")
    idea = make_idea()
    assert events(idea.author) == []


# --- The unlocked right ---------------------------------------------------------------------------
def test_enough_karma_makes_a_trusted_poster_whose_first_post_is_not_held(app, client, login_as, make_user,
                                                                          make_project, make_idea):
    """In a project holding first posts, a newcomer waits for approval; a member whose karma reached
    KARMA_TRUSTED_POSTER is published at once; 0 turns the right off."""
    app.config["KARMA_TRUSTED_POSTER"] = 10
    other = make_project(title="Elsewhere")
    veteran = make_user(name="Vera Veteran")
    for n in range(2):  # 2 ideas elsewhere: 10 points
        make_idea(project=other, author=veteran, title=f"Idea {n}")
    assert total(veteran) == 10
    held_project = make_project(hold_first_posts=True)
    thread = forum.thread_of_idea(make_idea(project=held_project))
    login_as(make_user(name="Newbie"))
    assert say(client, thread.id, "Hello from a newcomer").pending
    login_as(veteran)
    assert not say(client, thread.id, "Hello from a veteran").pending
    assert "Unlocked" in client.get("/karma").get_data(as_text=True)
    app.config["KARMA_TRUSTED_POSTER"] = 0
    login_as(veteran2 := make_user())
    for n in range(2):
        make_idea(project=other, author=veteran2, title=f"More {n}")
    assert say(client, thread.id, "Held again: the right is off").pending


# --- Pages ----------------------------------------------------------------------------------------
def test_my_karma_page_explains_every_point(client, login_as, make_user, make_project, make_idea):
    """Total, breakdown by rule, the project, history with sources, the rules table and the invitation link."""
    member = login_as(make_user())
    project = make_project(title="Audio lab", vote_threshold=100)
    idea = make_idea(project=project, stage="vote", title="Fold-flat speaker")
    client.post(f"/ideas/{idea.id}/vote")
    make_idea(project=project, author=member, title="My own idea")
    page = client.get("/karma").get_data(as_text=True)
    assert 'data-figure="karma">6<' in page
    assert 'data-rule="idea_proposed">5<' in page and 'data-rule="vote_cast">1<' in page
    assert "Fold-flat speaker" in page and "My own idea" in page and "Audio lab" in page
    assert "+5" in page and "+1" in page and "How karma is earned" in page
    assert re.search(r"http://[^\"]+/join/[\w-]{6,24}", page)
    assert client.get("/karma?page=zz").status_code == 200  # a malformed page number is page 1


def test_history_never_shows_the_title_of_what_the_member_may_no_longer_see(client, login_as, make_user,
                                                                            make_project, make_idea, add_member):
    """A member removed from a members-only project keeps their points and sees the rule, not the idea's title."""
    owner = make_user()
    project = make_project(owner=owner, vote_threshold=100,
                           **{f"policy_{s}": "project" for s in ("idea", "vote", "spec", "partner_rnd")})
    member = make_user()
    add_member(project, member)
    idea = make_idea(project=project, stage="vote", title="Secretquartz earbuds")
    login_as(member)
    assert client.post(f"/ideas/{idea.id}/vote").status_code == 303
    assert "Secretquartz" in client.get("/karma").get_data(as_text=True)
    projects.remove_member(project, member.id, owner)
    login_as(member)
    page = client.get("/karma").get_data(as_text=True)
    assert "Secretquartz" not in page and project.title not in page
    assert "Vote cast" in page and "something you may not see" in page and total(member) == 1


def test_a_profile_shows_the_members_total(client, make_user, make_idea):
    author = make_user()
    make_idea(author=author)
    assert "5 karma points" in client.get(f"/users/{author.id}").get_data(as_text=True)


def test_leaderboards_platform_wide_per_project_and_per_profile_kind(client, login_as, make_user, make_project,
                                                                     make_idea):
    """Ranked by points, ties share a rank, banned members left out, filtered by project and by profile kind."""
    audio, bikes = make_project(title="Audio"), make_project(title="Bikes")
    amy, pete, sam = (make_user(name="Amy Amateur"), make_user(name="Pete Pro", kind="professional"),
                      make_user(name="Sam Student", kind="student"))
    banned = make_user(name="Bert Banned")
    for author, project, n in [(pete, audio, 3), (amy, bikes, 2), (sam, audio, 2), (banned, audio, 5)]:
        for i in range(n):
            make_idea(project=project, author=author, title=f"{author.display_name} {i}")
    banned.banned = True
    db.session.commit()

    def board(url):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        return re.findall(r'<td class="number rank">(\d+)</td>\s*<td><a [^>]+>([^<]+)</a>', page)

    assert board("/leaderboard") == [("1", "Pete Pro"), ("2", "Amy Amateur"), ("2", "Sam Student")]
    assert board(f"/leaderboard?project={audio.slug}") == [("1", "Pete Pro"), ("2", "Sam Student")]
    assert board("/leaderboard?kind=amateur") == [("1", "Amy Amateur")]
    assert board(f"/leaderboard?project={bikes.slug}&kind=professional") == []
    assert board("/leaderboard?page=2") == [] and board("/leaderboard?page=x")[0] == ("1", "Pete Pro")


def test_leaderboard_bad_parameters_are_refused_with_a_reason(client, login_as, make_user, make_project):
    """An unknown profile kind is 400 with the choices; an unknown project, or one the viewer may not see, 404."""
    response = client.get("/leaderboard?kind=wizard")
    assert response.status_code == 400
    assert "Unknown profile kind “wizard”: choose amateur, student, professional or expert." in response.text
    assert client.get("/leaderboard?project=no-such-project").status_code == 404
    hidden = make_project(title="Hiddenquartz lab", **{f"policy_{s}": "confidential"
                                                       for s in ("idea", "vote", "spec", "partner_rnd")})
    login_as(make_user())
    response = client.get(f"/leaderboard?project={hidden.slug}")
    assert response.status_code == 404 and "Hiddenquartz" not in response.text
    assert "Hiddenquartz" not in client.get("/leaderboard").text  # nor in the choice of projects
    login_as(hidden.owner)
    assert client.get(f"/leaderboard?project={hidden.slug}").status_code == 200


# --- Referrals ------------------------------------------------------------------------------------
def test_referral_earns_the_referrer_once_when_the_invitee_becomes_active(app, client, login_as, make_user,
                                                                          make_project, make_idea, mailbox):
    """Sign-up through /join/<code> records the referrer; votes for the referrer's own ideas do not count toward
    becoming active; the third real contribution does, once."""
    app.config["KARMA_REFERRAL_ACTIVE_AFTER"] = 3
    referrer = make_user(name="Rita Referrer")
    code = karma.invite_link(referrer).code
    landing = client.get(f"/join/{code}")
    assert landing.status_code == 200 and "Rita Referrer invites you to CrowdSpirit" in landing.text
    assert f"/signup?ref={code}" in landing.text
    assert f'name="ref" type="hidden" value="{code}"' in client.get(f"/signup?ref={code}").text
    invitee = sign_up(client, mailbox, "newbie@example.org", "Newbie", code)
    referral = db.session.scalar(select(Referral))
    assert (referral.referrer_id, referral.invitee_id, referral.activated_at) == (referrer.id, invitee.id, None)
    project = make_project(vote_threshold=100)
    referrers_ideas = [make_idea(project=project, author=referrer, stage="vote", title=f"Rita {n}") for n in range(3)]
    login_as(invitee)
    for idea in referrers_ideas:  # a fake account voting for its referrer does not become active
        assert client.post(f"/ideas/{idea.id}/vote").status_code == 303
    propose(client, project, "A real idea")
    thread = forum.thread_of_idea(referrers_ideas[0])
    say(client, thread.id, "A real question")
    assert events(referrer, "referral") == []
    other = make_idea(project=project, stage="vote", title="Someone else's")
    assert client.post(f"/ideas/{other.id}/vote").status_code == 303
    assert events(referrer, "referral") == [("referral", 10, "")]
    say(client, thread.id, "And more")
    assert events(referrer, "referral") == [("referral", 10, "")]
    login_as(referrer)
    page = client.get("/karma").text
    assert "Newbie" in page and "active since" in page and "Referral of an active member" in page
    assert_totals_equal_the_log()


def test_every_member_has_an_invitation_link_from_sign_up(client, mailbox, login_as):
    """The link is given at sign-up (one per member, in the code's format), so /karma only reads it."""
    member = sign_up(client, mailbox, "new@example.org", "Newcomer", "")
    code = karma.invite_link(member).code
    assert karma.CODE_PATTERN.match(code) and len(code) == 12
    login_as(member)
    assert f"/join/{code}" in client.get("/karma").text
    assert db.session.scalar(select(func.count(InviteLink.id)).where(InviteLink.user_id == member.id)) == 1


@pytest.mark.parametrize("email", ["rita+alt@example.org", "Rita+Work@Example.org"])
def test_no_self_referral(client, make_user, email, mailbox):
    """An account at the referrer's own mailbox (with a +tag) is not a referral."""
    referrer = make_user()
    referrer.email = "rita@example.org"
    db.session.commit()
    sign_up(client, mailbox, email, "Alt", karma.invite_link(referrer).code)
    assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_invitation_links_refuse_bad_codes_and_explain_themselves(client, login_as, make_user, mailbox):
    """An unknown or malformed code is 404 with a reason; at sign-up it is ignored; the member's own link says so."""
    for code in ("doesnotexist", "x"):
        response = client.get(f"/join/{code}")
        assert response.status_code == 404 and "This invitation link is not valid" in response.text
    sign_up(client, mailbox, "solo@example.org", "Solo", "doesnotexist")
    sign_up(client, mailbox, "solo2@example.org", "Solo", "a" * 300)
    assert db.session.scalar(select(func.count(Referral.id))) == 0
    member = login_as(make_user())
    code = karma.invite_link(member).code
    assert karma.invite_link(member).code == code  # one link per member
    assert "This is your own link" in client.get(f"/join/{code}").text
    login_as(make_user())
    assert "You already have an account" in client.get(f"/join/{code}").text
    member.banned = True
    db.session.commit()
    assert client.get(f"/join/{code}").status_code == 404


def test_referral_awards_are_capped_per_day(app, make_user):
    """However many fake accounts a member brings, referrals earn at most the rule's daily cap."""
    app.config["KARMA_REFERRAL_ACTIVE_AFTER"] = 1
    referrer = make_user()
    code = karma.invite_link(referrer).code
    from crowdspirit.accounts import services as accounts

    for n in range(5):
        invitee = accounts.register(f"fake{n}@example.net", f"Fake {n}", PASSWORD, "amateur", referral_code=code)
        karma.contribute(invitee.id, "comment", ("post", 1000 + n), None)
        db.session.commit()
    assert [points for _rule, points, _cause in events(referrer)] == [10, 10, 10, 0, 0]
    assert total(referrer) == 30


# --- Demo data ------------------------------------------------------------------------------------
def test_demo_members_have_karma_from_the_same_handlers(app, client):
    """The seed goes through the services, so its karma comes from the signal handlers: a leaderboard worth looking
    at, member@ with points from many rules (and a withdrawn vote), active referrals, and totals equal to the log."""
    result = app.test_cli_runner().invoke(args=["crowdspirit", "seed-demo"])
    assert result.exit_code == 0, result.output
    member = db.session.scalar(select(User).where(User.email == "member@demo.crowdspirit.org"))
    earned = {rule for rule, _points, _cause in events(member)}
    assert {"idea_proposed", "vote_cast", "comment", "amendment_accepted", "moderation_help", "referral"} <= earned
    assert ("vote_cast", -1, "vote_withdrawn") in events(member)
    assert db.session.scalar(select(func.count(Referral.id)).where(Referral.activated_at.is_not(None))) == 3
    assert db.session.scalar(select(func.count(User.id)).where(User.karma > 0)) >= 12
    assert {kind for (kind,) in db.session.execute(select(User.profile_kind).where(User.karma > 0))} == set(
        karma.PROFILE_KINDS)
    assert_totals_equal_the_log()


def test_a_project_board_is_for_who_sees_every_stage(client, login_as, make_user, make_project, add_member):
    """Points earned in a confidential stage must not be counted for who may not see it: the board is refused."""
    owner = make_user(name="Olga Owner")
    project = make_project(owner=owner, title="Secret lab", policy_spec="confidential")
    login_as(make_user(name="Otto Outsider"))
    refused = client.get(f"/leaderboard?project={project.slug}")
    assert refused.status_code == 403 and "stages you may not see" in refused.get_data(as_text=True)
    assert f"project={project.slug}" not in client.get("/leaderboard").get_data(as_text=True)
    login_as(owner)
    assert client.get(f"/leaderboard?project={project.slug}").status_code == 200


def test_others_see_a_total_without_the_points_earned_out_of_their_sight(client, login_as, make_user, make_project,
                                                                          make_idea, add_member):
    """Points earned in a members-only project count in the total its members (and the member) see, not in the
    total an outsider sees on the profile and the platform's leaderboard, which ranks by what the viewer sees."""
    closed = make_project(title="Closedquartz lab", **{f"policy_{s}": "project"
                                                       for s in ("idea", "vote", "spec", "partner_rnd")})
    insider, rival = make_user(name="Ines Insider"), make_user(name="Rita Rival")
    add_member(closed, insider)
    for i in range(2):
        make_idea(project=closed, author=insider, title=f"Closed idea {i}")
    make_idea(author=insider, title="Open idea")
    for i in range(2):
        make_idea(author=rival, title=f"Rival idea {i}")
    colleague, outsider = make_user(), make_user()
    add_member(closed, colleague)

    def seen(viewer):
        login_as(viewer)
        profile = client.get(f"/users/{insider.id}").get_data(as_text=True)
        board = client.get("/leaderboard").get_data(as_text=True)
        shown = re.search(r'data-karma="(-?\d+)"', profile)[1]
        ranked = re.findall(r'<td><a [^>]+>([^<]+)</a></td>.*?data-points="\d+">(\d+)<', board, re.S)
        return int(shown), ranked

    full = [("Ines Insider", "15"), ("Rita Rival", "10")]
    assert seen(insider) == (15, full) and seen(colleague) == (15, full)
    assert seen(closed.owner) == (15, full)
    assert seen(outsider) == (5, [("Rita Rival", "10"), ("Ines Insider", "5")])
    assert "5 karma points" in client.get(f"/users/{insider.id}").get_data(as_text=True)
    client.post("/logout")
    assert 'data-karma="5"' in client.get(f"/users/{insider.id}").get_data(as_text=True)  # a visitor too
    assert total(insider) == 15  # the stored total is unchanged
