"""Stage visibility on a schedule: managers plan changes, the project page announces them, and each takes effect
exactly at its moment on every surface (pages, lists, counts, search, live rooms), with nothing written by a GET."""

import re
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import func, select, update

from crowdspirit.audit.models import AuditEvent
from crowdspirit.errors import DomainError
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.notifications.models import Notification
from crowdspirit.projects import schedule
from crowdspirit.projects import services as projects
from crowdspirit.projects.models import Visibility
from crowdspirit.projects.schedule import ScheduledChange
from crowdspirit.search import indexer

MARKER = "Quillfeather"
MOMENT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def world(clock, make_user, make_project, make_idea, add_member):
    """A project whose spec stage only its members see, an idea there (indexed), its owner and a moderator."""
    owner = make_user(name="Bea Bikes")
    project = make_project(owner=owner, title="Cargo bike lab", policy_spec=Visibility.PROJECT)
    idea = make_idea(project=project, stage="spec", title=f"{MARKER} frame")
    moderator = make_user(name="Mo Moderator")
    add_member(project, moderator, role="moderator")
    indexer.drain()
    return {"project": project, "idea": idea, "owner": owner, "moderator": moderator}


def plan(client, project, stage, level, at, **extra):
    """Post the schedule form as the page does; returns the answer."""
    data = {"stage": stage, "level": level, "at": at.strftime(MOMENT), **extra}
    g.pop("_login_user", None)
    return client.post(f"/projects/{project.slug}/schedule", data=data)


def get(client, url, **params):
    """A GET by this client as whoever it signed in as (Flask-Login keeps the last user in the test's context)."""
    g.pop("_login_user", None)
    return client.get(url, **params)


def seen(client, idea) -> dict:
    """What a reader finds of the idea on each surface: its page, the ideas list, the project's count and feed,
    search."""
    project_page = get(client, f"/projects/{idea.project.slug}").get_data(as_text=True)
    return {"page": get(client, f"/ideas/{idea.id}").status_code == 200,
            "feed": MARKER in get(client, f"/projects/{idea.project.slug}/feed.atom").get_data(as_text=True),
            "list": MARKER in get(client, "/ideas?stage=spec").get_data(as_text=True),
            "count": re.search(r"\b1 idea\b", project_page) is not None,
            "search": f"{MARKER} frame</a>" in get(client, "/search", query_string={"q": MARKER}).text}


def scheduled_audits() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == schedule.APPLIED))


def test_a_stage_opens_exactly_at_its_moment_everywhere(app, client, login_as, clock, world):
    """Before the boundary a visitor finds nothing of the idea; at the boundary, every surface shows it (the pages
    cached for visitors too), with no write by any request (the change is read from the schedule); the timer then
    stores and audits it once."""
    app.config["PAGE_CACHE_SECONDS"] = 600
    project, idea = world["project"], world["idea"]
    moment = (clock.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    login_as(world["owner"])
    assert plan(client, project, "spec", "public", moment).status_code == 303
    visitor = client.application.test_client()
    nothing = dict.fromkeys(("page", "feed", "list", "count", "search"), False)
    assert seen(visitor, idea) == nothing
    clock.set_to(moment - timedelta(seconds=1))
    assert seen(visitor, idea) == nothing
    clock.set_to(moment)
    assert seen(visitor, idea) == dict.fromkeys(nothing, True)
    assert db.session.scalar(select(ScheduledChange.applied_at)) is None  # no GET wrote it
    assert schedule.apply_due() == 1
    assert scheduled_audits() == 1 and schedule.apply_due() == 0 and scheduled_audits() == 1
    db.session.refresh(project)
    assert project.stored_policy_spec == "public"
    assert seen(visitor, idea)["page"]


def test_a_stage_closes_at_its_moment_and_live_readers_are_told(client, login_as, clock, world, make_user,
                                                               open_socket):
    """Closing a stage hides its idea from outsiders exactly at the moment, in search too; the timer removes their
    live sockets from the discussion, as a policy change would."""
    project, idea = world["project"], world["idea"]
    login_as(world["owner"])
    schedule_time = (clock.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    projects.update_settings(project, world["owner"], policy_spec=Visibility.PUBLIC)
    assert plan(client, project, "spec", "project", schedule_time).status_code == 303
    outsider = make_user(name="Otto Outsider")
    login_as(outsider)
    socket = open_socket(outsider, {"thread": forum.thread_of_idea(idea).id, "after": 0})
    assert socket.is_connected()
    assert seen(client, idea) == dict.fromkeys(("page", "feed", "list", "count", "search"), True)
    clock.set_to(schedule_time)
    assert seen(client, idea) == dict.fromkeys(("page", "feed", "list", "count", "search"), False)
    schedule.apply_due()  # what each process's timer does at the boundary
    assert not socket.is_connected()
    assert [p["args"][0]["way"] for p in socket.queue if p["name"] == "closed"] == ["join"]
    assert not open_socket(outsider, {"thread": forum.thread_of_idea(idea).id, "after": 0}).is_connected()


def test_a_process_tells_its_live_rooms_of_a_change_another_process_stored(clock, world, make_user, open_socket):
    """Each process's timer tells its own live rooms at the boundary, even when another process stored the change
    first (and audited it: this one writes nothing)."""
    project, idea = world["project"], world["idea"]
    projects.update_settings(project, world["owner"], policy_spec=Visibility.PUBLIC)
    moment = clock.now() + timedelta(hours=1)
    schedule.schedule(project, world["owner"], "spec", "project", moment)
    outsider = make_user(name="Otto Outsider")
    socket = open_socket(outsider, {"thread": forum.thread_of_idea(idea).id, "after": 0})
    assert socket.is_connected()
    clock.set_to(moment)
    db.session.execute(update(ScheduledChange).values(applied_at=moment))  # as the other process's timer did
    db.session.commit()
    assert schedule.apply_due() == 1
    assert not socket.is_connected() and scheduled_audits() == 0


def test_alternating_windows_open_and_close_in_turn(client, login_as, clock, world):
    """A window repeated weekly opens and closes the stage at each of its boundaries."""
    project, idea = world["project"], world["idea"]
    start = (clock.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    login_as(world["owner"])
    response = plan(client, project, "spec", "public", start, until=(start + timedelta(days=2)).strftime(MOMENT),
                    repeat="2", every_days="7")
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(ScheduledChange)) == 6
    visitor = client.application.test_client()
    for days, open_ in ((0, True), (1, True), (2, False), (7, True), (9, False), (14, True), (16, False)):
        clock.set_to(start + timedelta(days=days))
        assert (get(visitor, f"/ideas/{idea.id}").status_code == 200) is open_, days


def test_the_project_page_announces_what_each_reader_may_know(client, login_as, clock, world, make_user):
    """Coming changes are announced ahead with their date, to those who see the stage before or after; a visitor
    hears nothing of a stage they see neither before nor after, nor of a project they may not see."""
    project = world["project"]
    login_as(world["owner"])
    soon = (clock.now() + timedelta(days=5)).replace(second=0, microsecond=0)
    assert plan(client, project, "vote", "community", soon).status_code == 303
    assert plan(client, project, "spec", "confidential", soon + timedelta(days=1)).status_code == 303
    page = client.get(f"/projects/{project.slug}").get_data(as_text=True)
    assert "Voting narrows to signed-in members on" in page and "in 5 days" in page
    assert "Specification narrows to members who accepted the NDA" in page
    visitor = client.application.test_client()
    page = get(visitor, f"/projects/{project.slug}").get_data(as_text=True)
    assert "Voting narrows to signed-in members" in page and "Specification narrows" not in page
    hidden = world["owner"]
    secret = projects.create_project(hidden, "Stealth lab", "Hidden", "", "self_carried")
    projects.update_settings(secret, hidden, **{f"policy_{s}": "project" for s in
                                                ("idea", "vote", "spec", "partner_rnd")})
    assert plan(client, secret, "spec", "public", soon).status_code == 303
    assert get(visitor, f"/projects/{secret.slug}").status_code == 404
    assert "Specification opens to anyone" in get(client, f"/projects/{secret.slug}").get_data(as_text=True)


@pytest.mark.parametrize(("fields", "status", "message"), [
    ({"at": "past"}, 400, "must be in the future"),
    ({"at": "far"}, 400, "at most five years ahead"),
    ({"stage": "archived"}, 422, "Not a valid choice"),
    ({"level": "secret"}, 422, "Not a valid choice"),
    ({"at": ""}, 422, "Give the moment the change takes effect."),
    ({"until": "before"}, 400, "must end after it starts"),
    ({"repeat": "2"}, 400, "Only a window (with an end) can be repeated."),
    ({"until": "later", "every_days": "1", "repeat": "3"}, 400, "must not overlap"),
    ({"until": "later", "level": "project"}, 400, "already has this visibility then"),
    ({"twice": True}, 409, "already changes at that moment"),
])
def test_bad_schedules_are_refused_with_a_clear_message(client, login_as, clock, world, fields, status, message):
    """Each invalid change is refused with a 4xx naming the problem, the form kept as typed, nothing stored."""
    fields = dict(fields)  # the parameters are shared by the database's runs: popping from them would leak
    project = world["project"]
    login_as(world["owner"])
    at = (clock.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    moments = {"past": at - timedelta(days=10), "far": at + timedelta(days=6 * 365), "before": at - timedelta(hours=1),
               "later": at + timedelta(days=2)}
    data = {"stage": "spec", "level": "public", "at": at.strftime(MOMENT)}
    if fields.pop("twice", False):
        assert plan(client, project, "spec", "public", at).status_code == 303
    before = db.session.scalar(select(func.count()).select_from(ScheduledChange))
    for name, value in fields.items():
        data[name] = moments[value].strftime(MOMENT) if value in moments else value
    response = client.post(f"/projects/{project.slug}/schedule", data=data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert db.session.scalar(select(func.count()).select_from(ScheduledChange)) == before


def test_only_the_owner_and_project_moderators_manage_the_schedule(client, login_as, clock, world, make_user,
                                                                   add_member):
    """Managers list, add and delete changes (audited); contributors and outsiders are refused; a visitor is sent
    to sign in; a change already in force cannot be deleted."""
    project = world["project"]
    url = f"/projects/{project.slug}/schedule"
    at = (clock.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    assert client.get(url).status_code == 302
    contributor = make_user()
    add_member(project, contributor)
    for who in (contributor, make_user()):
        login_as(who)
        assert client.get(url).status_code == 403
        assert plan(client, project, "spec", "public", at).status_code == 403
    login_as(world["moderator"])
    assert plan(client, project, "spec", "public", at).status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "in 1 day" in page
    change = db.session.scalar(select(ScheduledChange))
    login_as(world["owner"])
    assert client.get(f"/projects/{project.slug}/settings").get_data(as_text=True).count(url) == 1
    assert plan(client, project, "idea", "community", at).status_code == 303
    assert client.post(f"{url}/{change.id}/delete").status_code == 303
    assert client.post(f"{url}/{change.id}/delete").status_code == 404
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("schedule.%"))).all()
    assert sorted(actions) == ["schedule.added", "schedule.added", "schedule.removed"]
    other = db.session.scalar(select(ScheduledChange))
    clock.set_to(at)
    assert client.post(f"{url}/{other.id}/delete").status_code == 409


def test_members_who_see_the_stage_are_told_a_day_ahead_once(client, login_as, clock, world, make_user, add_member):
    """A day before a change (not earlier), the members who see the stage before or after it get a notice, once
    however many processes look; outsiders hear nothing."""
    project = world["project"]
    login_as(world["owner"])
    moment = (clock.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    assert plan(client, project, "spec", "community", moment).status_code == 303
    assert plan(client, project, "partner_rnd", "project", moment + timedelta(days=2)).status_code == 303
    contributor, outsider = make_user(name="Cleo Contributor"), make_user(name="Otto Outsider")
    add_member(project, contributor)
    assert schedule.announce_due() == 0  # three days ahead: not yet
    clock.set_to(moment - timedelta(hours=23))
    assert schedule.announce_due() == 1 and schedule.announce_due() == 0
    told = sorted(db.session.scalars(select(Notification.user_id).where(Notification.kind == "project.schedule")))
    assert told == sorted([world["moderator"].id, contributor.id, world["owner"].id])
    login_as(contributor)
    page = get(client, "/notifications").get_data(as_text=True)
    assert "Who sees the specification stage of “Cargo bike lab” changes within a day" in page
    assert outsider.id not in told


def test_the_command_applies_what_no_loop_did(app, clock, world):
    """Where no process runs the loop, `flask crowdspirit apply-schedule` (from cron) stores and audits the passed
    changes, and tells the members of those coming within a day."""
    project = world["project"]
    schedule.schedule(project, world["owner"], "spec", "public", clock.now() + timedelta(hours=1))
    schedule.schedule(project, world["owner"], "idea", "community", clock.now() + timedelta(hours=30))
    clock.set_to(clock.now() + timedelta(hours=7))
    result = app.test_cli_runner().invoke(args=["crowdspirit", "apply-schedule"])
    assert result.exit_code == 0, result.output
    assert "Scheduled changes handled: 1; announced to members: 1." in result.output
    assert scheduled_audits() == 1


def test_the_service_refuses_unknown_stages_and_levels_and_a_half_valid_repeat_leaves_nothing(clock, world):
    """Called without the form, the service names the problem (no error 500), and a repeat whose later window is
    refused stores none of the earlier ones."""
    project, owner = world["project"], world["owner"]
    at = clock.now() + timedelta(days=1)
    for stage, level, message in (("archived", "public", "stages"), ("spec", "secret", "visibility levels")):
        with pytest.raises(DomainError, match=message):
            schedule.schedule(project, owner, stage, level, at)
    schedule.schedule(project, owner, "spec", "community", at + timedelta(days=14))
    with pytest.raises(DomainError):  # its third window starts where the change above is
        schedule.schedule(project, owner, "spec", "public", at, at + timedelta(days=1), repeat=2, every_days=7)
    assert db.session.scalar(select(func.count()).select_from(ScheduledChange)) == 1


def test_a_level_set_by_hand_after_a_boundary_is_not_undone_by_the_schedule(client, login_as, clock, world):
    """The owner changes a stage's visibility after a boundary the timer has not handled yet: their choice holds at
    once, and the timer's late pass neither undoes it nor audits the superseded change."""
    project, idea = world["project"], world["idea"]
    moment = clock.now() + timedelta(hours=1)
    schedule.schedule(project, world["owner"], "spec", "public", moment)
    clock.set_to(moment + timedelta(minutes=5))
    visitor = client.application.test_client()
    assert get(visitor, f"/ideas/{idea.id}").status_code == 200
    projects.update_settings(project, world["owner"], policy_spec=Visibility.CONFIDENTIAL)
    assert get(visitor, f"/ideas/{idea.id}").status_code == 404
    schedule.apply_due()
    assert get(visitor, f"/ideas/{idea.id}").status_code == 404 and scheduled_audits() == 0
    db.session.refresh(project)
    assert project.policy_spec == project.stored_policy_spec == Visibility.CONFIDENTIAL
