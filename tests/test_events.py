"""The event outbox: an event is written with the change that causes it and applied once, off the request."""

import threading
import time

import pytest
from conftest import TEST_CONFIG
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select

from crowdspirit import background, create_app, events
from crowdspirit.events import OutboxEvent
from crowdspirit.extensions import db
from crowdspirit.karma.models import KarmaEvent
from crowdspirit.notifications.models import Notification
from crowdspirit.pipeline import services as pipeline
from crowdspirit.signals import vote_cast


def vote_karma(user) -> int:
    """The points the member's votes earned, from the karma log."""
    return db.session.scalar(select(func.coalesce(func.sum(KarmaEvent.points), 0)).where(
        KarmaEvent.user_id == user.id, KarmaEvent.rule == "vote_cast"))


def waiting() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(OutboxEvent))


@pytest.fixture
def undelivered(app):
    """Events stay in the outbox until a test delivers them."""
    app.config["EVENTS_DELIVERY"] = "off"
    return app


def test_an_event_waits_with_its_change_and_is_applied_once(undelivered, make_user, make_idea):
    """The vote commits with its event; its karma comes when the event is delivered, once, however often one asks."""
    idea, voter = make_idea(stage="vote"), make_user()
    events.deliver_all()  # the idea's own move into the vote stage (the notifications' event)
    heard = []
    with vote_cast.connected_to(lambda sender, **details: heard.append((sender.id, details["user"].id))):
        pipeline.cast_vote(idea, voter)
    assert heard == [(idea.id, voter.id)]  # the signal's listeners hear it right after the commit
    assert waiting() == 1 and vote_karma(voter) == 0
    assert events.deliver_all() == 1
    assert events.deliver_all() == 0
    assert waiting() == 0 and vote_karma(voter) == 1


def test_a_rolled_back_change_leaves_no_event(undelivered, make_user, make_idea):
    """An event emitted in a transaction that rolls back is neither stored nor heard."""
    idea, voter = make_idea(stage="vote"), make_user()
    events.deliver_all()  # the idea's own move into the vote stage
    heard = []
    with vote_cast.connected_to(lambda sender, **details: heard.append(sender.id)):
        events.emit(vote_cast, idea, user=voter)
        db.session.rollback()
        db.session.commit()
    assert waiting() == 0 and heard == []


def test_two_deliverers_apply_each_event_exactly_once(undelivered, make_user, make_idea):
    """Processes delivering at the same time (two threads, two connections here) never apply an event twice."""
    ideas = [make_idea(stage="vote", title=f"Idea {n}") for n in range(30)]
    events.deliver_all()  # the ideas' own moves into the vote stage
    voter = make_user()
    for idea in ideas:
        pipeline.cast_vote(idea, voter)
    assert waiting() == 30
    start = threading.Barrier(2)

    def deliverer():
        with undelivered.app_context():
            start.wait()
            while events.deliver(limit=4):
                pass

    workers = [threading.Thread(target=deliverer) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert waiting() == 0
    # one event per vote, none twice; the default rule gives 1 point a vote up to 20 a day
    assert db.session.scalar(select(func.count()).select_from(KarmaEvent).where(
        KarmaEvent.user_id == voter.id)) == 30
    assert vote_karma(voter) == 20


def test_a_delivery_applies_the_events_it_deleted_not_those_it_had_read(undelivered, make_user, make_idea):
    """Between a delivery's reading the outbox and its deleting what it read, another process may apply those events
    and new ones take their ids (SQLite gives an emptied table's ids again): the new ones are applied, not the old
    ones twice."""
    ideas = [make_idea(stage="vote", title=f"Idea {n}") for n in range(6)]
    events.deliver_all()  # the ideas' own moves into the vote stage: the outbox is empty
    first, second = make_user(name="First"), make_user(name="Second")
    for idea in ideas[:3]:
        pipeline.cast_vote(idea, first)
    read_ids = set(db.session.scalars(select(OutboxEvent.id)))
    meanwhile = []

    def another_process(_connection, _cursor, statement, *_args):
        if statement.startswith("DELETE FROM event_outbox") and not meanwhile:
            meanwhile.append(1)
            worker = threading.Thread(target=apply_then_vote)
            worker.start()
            worker.join()

    def apply_then_vote():
        with undelivered.app_context():
            events.deliver_all()
            for idea in ideas[3:]:
                pipeline.cast_vote(db.session.get(type(idea), idea.id), db.session.get(type(second), second.id))
            meanwhile.append(set(db.session.scalars(select(OutboxEvent.id))))

    sqlalchemy_event.listen(db.engine, "before_cursor_execute", another_process)
    try:
        events.deliver()
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", another_process)
    if db.engine.dialect.name == "sqlite":
        assert meanwhile[1] == read_ids  # the new events took the ids the delivery had read
    events.deliver_all()  # PostgreSQL gives new ids: the new events wait for the next delivery
    assert waiting() == 0
    assert vote_karma(first) == 3 and vote_karma(second) == 3


def test_the_delivery_thread_applies_what_a_request_emitted(app, client, login_as, make_user, make_idea):
    """With EVENTS_DELIVERY=thread the vote answers at once and its karma follows from the process's loop, including
    an event left by a crash (written before the loop ever ran)."""
    threaded = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                           "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"], "EVENTS_DELIVERY": "thread"})
    first, second = make_idea(stage="vote", title="First"), make_idea(stage="vote", title="Second")
    voter = make_user()
    app.config["EVENTS_DELIVERY"] = "off"
    pipeline.cast_vote(first, voter)  # emitted while nothing delivers: a crash would leave it like this
    http = threaded.test_client()
    with http.session_transaction() as session:
        session["_user_id"] = voter.get_id()
    try:
        assert http.post(f"/ideas/{second.id}/vote").status_code == 303
        deadline = time.monotonic() + 30
        while waiting() and time.monotonic() < deadline:
            time.sleep(0.05)  # the loop runs in its own thread: wait for its commit, up to a bound
    finally:
        background.stop_all(timeout=10)
    assert waiting() == 0
    assert vote_karma(voter) == 2


def delivery_statements() -> tuple[int, list[str]]:
    """(events applied, the SQL statements run) by delivering everything waiting in one call of deliver."""
    statements = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    sqlalchemy_event.listen(db.engine, "before_cursor_execute", count)
    try:
        applied = events.deliver()
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", count)
    return applied, statements


@pytest.mark.parametrize("burst", [3, 25])
def test_a_burst_of_votes_is_applied_in_the_same_statements_as_a_few(undelivered, make_user, make_idea, burst):
    """However many votes wait, their karma is written by the same few statements, with the daily cap and the order
    of a withdrawal and a vote again kept exactly as if they had been applied one by one."""
    voters = [make_user(name=f"Voter {n}") for n in range(2)]
    ideas = [make_idea(stage="vote", title=f"Idea {n}") for n in range(burst)]
    events.deliver_all()  # the ideas' own moves into the vote stage
    for idea in ideas:
        for voter in voters:
            pipeline.cast_vote(idea, voter)
    assert waiting() == 2 * burst
    applied, statements = delivery_statements()
    assert applied == 2 * burst and waiting() == 0
    assert len(statements) <= 12  # claim, read the rows named, lock, earlier awards, today's points, insert, totals
    for voter in voters:  # 1 point a vote, up to 20 a day
        assert vote_karma(voter) == min(burst, 20)
        db.session.refresh(voter)
        assert voter.karma == min(burst, 20)
    pipeline.withdraw_vote(ideas[0], voters[0])
    pipeline.cast_vote(ideas[0], voters[0])
    assert events.deliver_all() == 2
    # taken back, then earned again; on a full day the cap, which counts the day's awards, leaves nothing to earn
    assert vote_karma(voters[0]) == (burst if burst < 20 else 19)


def test_votes_among_other_domains_events_are_applied_as_one_burst(undelivered, make_user, make_project, make_idea):
    """Each vote here reaches its idea's threshold, so a notice to the project's managers (the notifications' event)
    follows every vote in the outbox: karma still applies the votes in one burst, the managers get every notice."""
    owner = make_user()
    project = make_project(owner=owner, promotion_decider="moderator", vote_threshold=1)
    ideas = [make_idea(project=project, stage="vote", title=f"Idea {n}") for n in range(12)]
    events.deliver_all()  # the ideas' own moves into the vote stage
    voter = make_user()
    for idea in ideas:
        pipeline.cast_vote(idea, voter)
    assert [event.name for event in db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))] == \
        ["vote-cast", "notice-given"] * 12
    applied, statements = delivery_statements()
    assert applied == 24 and waiting() == 0
    karma = [statement for statement in statements if "karma_events" in statement]
    assert len(karma) == 3, karma  # the votes' earlier awards, today's points, the new awards: once for the burst
    assert vote_karma(voter) == 12
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == owner.id, Notification.kind == "idea.threshold")) == 12


def test_a_delivery_reads_each_named_row_once_in_a_fresh_session(undelivered, make_user, make_idea):
    """The rows the events name are read with one query per model and kept for the handlers, also when the session
    held none of them (as the delivery thread's): before, the identity map had let them go and each idea and voter
    was read again, one query each."""
    voter = make_user()
    ideas = [make_idea(stage="vote") for _ in range(15)]
    events.deliver_all()  # the ideas' own moves into the vote stage
    for idea in ideas:
        pipeline.cast_vote(idea, voter)
    voter_id = voter.id
    db.session.remove()
    applied, statements = delivery_statements()
    assert applied == 15 and len(statements) <= 12, f"{len(statements)} statements for 15 votes"
    assert db.session.scalar(select(func.sum(KarmaEvent.points)).where(KarmaEvent.user_id == voter_id)) == 15
