"""Stage moves: who may make which move from which stage, the gates, and the history they leave."""

from html import unescape
from types import SimpleNamespace

import pytest
from flask_babel import format_date
from sqlalchemy import func, select

from crowdspirit.extensions import db
from crowdspirit.pipeline.models import StageTransition, Vote
from crowdspirit.projects.models import ProjectMembership
from crowdspirit.projects.services import update_settings
from crowdspirit.specs import services as specs
from crowdspirit.specs.models import SECTIONS

REASON = "Because the panel agreed"
READY_SPEC = {**{name: f"The {name}" for name in SECTIONS}, "open_questions": "- [x] Settled"}


@pytest.fixture
def world(make_user, make_org, make_project, make_idea):
    """A project sponsored by Helios with Partner Labs as R&D partner; people made on first use.

    The owner works for Helios; "sponsor" is a colleague; "partner" works for Partner Labs;
    "moderator" moderates the project; "member" and the idea's author are plain contributors.
    """
    helios, labs = make_org("Helios Audio"), make_org("Partner Labs")
    owner = make_user(name="Olga Owner", organisation=helios)
    project = make_project(owner=owner, kind="sponsored", rnd_partner_id=labs.id,
                           promotion_decider="moderator", vote_threshold=3, spec_approvals_needed=0)
    makers = {
        "author": lambda: make_user(name="Ann Author"),
        "moderator": lambda: make_user(name="Mo Moderator"),
        "platform_moderator": lambda: make_user(name="Pat Platform", moderator=True),
        "admin": lambda: make_user(name="Ada Admin", admin=True),
        "sponsor": lambda: make_user(name="Sam Sponsor", organisation=helios),
        "partner": lambda: make_user(name="Pia Partner", organisation=labs),
        "member": lambda: make_user(name="Max Member"),
    }
    roles_in_project = {"moderator": "moderator", "member": "contributor"}

    class People(dict):
        def __missing__(self, role):
            user = self[role] = makers[role]()
            if role in roles_in_project:
                db.session.add(ProjectMembership(project=project, user=user,
                                                 role=roles_in_project[role]))
                db.session.commit()
            return user

    people = People(owner=owner)

    def idea(stage="idea", **gates):
        if gates:
            update_settings(project, project.owner, **gates)
        made = make_idea(project=project, author=people["author"], stage=stage)
        if stage == "spec":  # a spec that meets its readiness checklist (test_spec_stage tests the checklist)
            specs.save_revision(made, owner, 1, "ready", **READY_SPEC)
        return made

    return SimpleNamespace(project=project, people=people, orgs={"helios": helios, "labs": labs},
                           idea=idea)


def html(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def history(idea) -> list[tuple]:
    """The idea's stored stage history as (actor id, from, to, reason) rows, oldest first."""
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        select(StageTransition.actor_id, StageTransition.from_stage, StageTransition.to_stage,
               StageTransition.reason)
        .where(StageTransition.idea_id == idea.id).order_by(StageTransition.id))]


def move(client, idea, target, reason=REASON):
    """Post the move form as a browser would."""
    return client.post(f"/ideas/{idea.id}/move/{target}", data={"reason": reason})


NO_RND = {"rnd_partner_id": None}
# (gates, from stage, target, role, partner org, expected status)
MOVES = [
    # opening the vote: the author or the managers by default (the community's model)
    *[({"vote_decider": "community"}, "idea", "vote", role, None, 303)
      for role in ("author", "owner", "moderator", "platform_moderator", "admin")],
    *[({"vote_decider": "community"}, "idea", "vote", role, None, 403)
      for role in ("member", "sponsor", "partner")],
    # ... or the managers only, as a jury
    ({"vote_decider": "moderator"}, "idea", "vote", "author", None, 403),
    ({"vote_decider": "moderator"}, "idea", "vote", "owner", None, 303),
    ({"vote_decider": "moderator"}, "idea", "vote", "moderator", None, 303),
    # promotion decided by moderators
    *[({"promotion_decider": "moderator"}, "vote", "spec", role, None, 303)
      for role in ("owner", "moderator", "platform_moderator", "admin")],
    *[({"promotion_decider": "moderator"}, "vote", "spec", role, None, 403)
      for role in ("author", "member", "sponsor")],
    # promotion decided by the sponsor's team (the owner works for the sponsor)
    *[({"promotion_decider": "sponsor"}, "vote", "spec", role, None, 303)
      for role in ("sponsor", "owner", "admin")],
    *[({"promotion_decider": "sponsor"}, "vote", "spec", role, None, 403)
      for role in ("author", "member", "moderator", "partner")],
    # promotion by the community: threshold (3) unmet for those in charge, others refused anyway
    *[({"promotion_decider": "community"}, "vote", "spec", role, None, 409)
      for role in ("author", "owner", "admin")],
    ({"promotion_decider": "community"}, "vote", "spec", "member", None, 403),
    # partner R&D is never a direct move: it starts when the selected sponsor accepts (tests/test_rnd.py)
    *[({}, "spec", "partner_rnd", role, None, 409) for role in ("partner", "owner", "admin")],
    # archiving, from every live stage, by managers
    *[({}, stage, "archived", "owner", None, 303) for stage in ("idea", "vote", "spec", "partner_rnd")],
    *[({}, "vote", "archived", role, None, 303) for role in ("moderator", "platform_moderator", "admin")],
    *[({}, "vote", "archived", role, None, 403) for role in ("author", "member", "sponsor", "partner")],
    # illegal source stages, tried by someone who could make the move from the right stage
    ({}, "idea", "spec", "owner", None, 409),
    ({}, "idea", "partner_rnd", "partner", None, 409),
    ({}, "vote", "partner_rnd", "partner", None, 409),
    ({}, "spec", "vote", "owner", None, 409),
    ({}, "partner_rnd", "spec", "owner", None, 409),
    ({}, "partner_rnd", "vote", "admin", None, 409),
    ({}, "archived", "vote", "owner", None, 409),
    ({}, "archived", "spec", "admin", None, 409),
    ({}, "archived", "archived", "owner", None, 409),
    ({}, "idea", "idea", "admin", None, 409),
    ({}, "idea", "bogus", "admin", None, 409),
    ({}, "vote", "bogus", "owner", None, 409),
]


def _case_id(case) -> str:
    gates, stage, target, role, partner, status = case
    setting = ",".join(f"{k}={v}" for k, v in gates.items())
    return f"{setting or 'default'}:{stage}->{target}:{role}{':' + partner if partner else ''}:{status}"


@pytest.mark.parametrize("gates, stage, target, role, partner, status", MOVES,
                         ids=[_case_id(case) for case in MOVES])
def test_move_table(client, login_as, world, gates, stage, target, role, partner, status):
    """Each role's move answers as the table says and leaves the stage and history accordingly."""
    idea = world.idea(stage, **gates)
    before = history(idea)
    actor = login_as(world.people[role])
    response = move(client, idea, target)
    assert response.status_code == status, html(response)[-600:]
    db.session.refresh(idea)
    if status == 303:
        assert response.location.endswith(f"/ideas/{idea.id}")
        assert idea.stage == target
        assert history(idea) == [*before, (actor.id, stage, target, REASON)]
    else:
        assert idea.stage == stage
        assert history(idea) == before


def test_archive_without_reason_is_409(client, login_as, world):
    """Archiving needs a reason: without one the move is refused with 409 and says why."""
    idea = world.idea("vote")
    login_as(world.people["owner"])
    response = move(client, idea, "archived", reason="   ")
    assert response.status_code == 409
    assert "Say why the idea is archived." in html(response)
    db.session.refresh(idea)
    assert idea.stage == "vote"


@pytest.mark.parametrize("stage, target, role, expected", [
    ("idea", "vote", "author", ["Confirm"]),
    ("vote", "spec", "moderator", ["Confirm"]),
    ("vote", "archived", "owner", ["Confirm", "say why"]),
])
def test_confirmation_page(client, login_as, world, stage, target, role, expected):
    """An allowed move first shows a confirmation form, and changes nothing yet."""
    idea = world.idea(stage)
    before = history(idea)
    login_as(world.people[role])
    response = client.get(f"/ideas/{idea.id}/move/{target}")
    page = html(response)
    assert response.status_code == 200
    assert f'action="/ideas/{idea.id}/move/{target}"' in page
    assert all(text in page for text in expected), expected
    db.session.refresh(idea)
    assert idea.stage == stage and history(idea) == before


@pytest.mark.parametrize("stage, target, role, status, message", [
    ("idea", "vote", "member", 403, "opening voting is decided by someone else"),
    ("vote", "spec", "author", 403, "promotion to specification is decided by someone else"),
    ("spec", "partner_rnd", "partner", 409, "An idea enters partner R&amp;D when the sponsor whose offer was chosen"),
    ("vote", "archived", "member", 403, "Only the project&#39;s managers can archive an idea."),
    ("spec", "vote", "owner", 409, "An idea in stage “Specification” cannot move to “Voting”."),
    ("idea", "bogus", "owner", 409, "An idea cannot be moved to this stage."),
])
@pytest.mark.parametrize("method", ["get", "post"])
def test_refusal_page_gives_the_reason(client, login_as, world, stage, target, role, status,
                                       message, method):
    """A refused move, shown or posted, answers 403/409 with the reason in the page."""
    idea = world.idea(stage)
    login_as(world.people[role])
    response = getattr(client, method)(f"/ideas/{idea.id}/move/{target}", data={"reason": REASON})
    assert response.status_code == status
    assert message in html(response)


def test_anonymous_move_goes_to_sign_in(client, world):
    """A visitor trying a move is sent to sign in and the idea stays where it is."""
    idea = world.idea("idea")
    response = move(client, idea, "vote")
    assert response.status_code in (302, 303) and "/login" in response.location
    db.session.refresh(idea)
    assert idea.stage == "idea"


def test_history_is_stored_and_shown(client, login_as, world, take_into_rnd):
    """Every move stores who, from, to and why, and the idea page shows the steps."""
    idea = world.idea("idea")
    for role, target, reason in [("author", "vote", "Ready for the crowd"),
                                 ("moderator", "spec", "Clear support in the vote")]:
        login_as(world.people[role])
        assert move(client, idea, target, reason).status_code == 303
    specs.save_revision(idea, idea.author, 1, "ready", **READY_SPEC)
    assert take_into_rnd(idea, world.people["partner"], world.people["author"],
                         "We will prototype it").status_code == 303
    p = world.people
    assert history(idea) == [
        (p["author"].id, None, "idea", ""),
        (p["author"].id, "idea", "vote", "Ready for the crowd"),
        (p["moderator"].id, "vote", "spec", "Clear support in the vote"),
        (p["partner"].id, "spec", "partner_rnd", "We will prototype it"),
    ]
    page = html(client.get(f"/ideas/{idea.id}"))
    shown = page[page.index("Stage history"):]
    for name, reason in [("Ann Author", "Ready for the crowd"), ("Mo Moderator", "Clear support"),
                         ("Pia Partner", "We will prototype it")]:
        assert name in shown and reason in shown
    assert shown.index("Ready for the crowd") < shown.index("Clear support") < shown.index("prototype")


def test_community_needs_threshold_then_lets_author_promote(client, login_as, make_user, world):
    """Under community rule, promotion needs N votes; once reached the author may promote."""
    idea = world.idea("vote", promotion_decider="community", vote_threshold=3)
    for _ in range(2):
        db.session.add(Vote(idea_id=idea.id, user_id=make_user().id))
    idea.vote_count = 2
    db.session.commit()
    login_as(world.people["author"])
    response = move(client, idea, "spec")
    assert response.status_code == 409
    assert "This idea needs 3 votes to be promoted; it has 2." in html(response)
    update_settings(world.project, world.project.owner, vote_threshold=2)  # the owner lowers the bar
    assert move(client, idea, "spec").status_code == 303
    db.session.refresh(idea)
    assert idea.stage == "spec"


@pytest.mark.parametrize("gates, role, org", [
    ({}, "partner", "labs"),
    (NO_RND, "sponsor", "helios"),
])
def test_partner_and_start_date_shown_after_rnd(app, client, login_as, world, take_into_rnd, gates, role, org):
    """After the partnership is accepted, the idea stores and shows its partner and start date."""
    idea = world.idea("spec", **gates)
    partner = world.orgs[org]
    assert take_into_rnd(idea, world.people[role], world.people["moderator"]).status_code == 303
    db.session.refresh(idea)
    assert idea.partner_id == partner.id and idea.rnd_started_at is not None
    page = unescape(html(client.get(f"/ideas/{idea.id}")))
    with app.test_request_context():
        started = format_date(idea.rnd_started_at)
    assert f"In partner R&D with {partner.name} since {started}." in page


def test_moves_offered_on_idea_page_follow_the_policy(client, login_as, world):
    """The idea page offers a move only to those allowed to make it."""
    idea = world.idea("vote")
    login_as(world.people["moderator"])
    page = html(client.get(f"/ideas/{idea.id}"))
    assert f"/ideas/{idea.id}/move/spec" in page and f"/ideas/{idea.id}/move/archived" in page
    login_as(world.people["member"])
    page = html(client.get(f"/ideas/{idea.id}"))
    assert "/move/" not in page
    assert db.session.scalar(select(func.count(StageTransition.id))
                             .where(StageTransition.idea_id == idea.id)) == 2
