"""Governance per gate: opening voting (gate 1) and choosing the R&D partner (gate 3) follow the project's decider,
from the same five models as promotion (community threshold, sponsor, moderators' jury, crowd shortlist and sponsor
pick, crowd under the sponsor's veto); members support ideas and back offers, counted exactly."""

import html
from datetime import timedelta

import pytest
from conftest import OFFER
from sqlalchemy import func, select
from test_idea_merge import run_together

from crowdspirit.extensions import db
from crowdspirit.notifications.models import Notification
from crowdspirit.pipeline.models import Idea, Stage, StageTransition, Support
from crowdspirit.rnd.models import Backing, Interest
from crowdspirit.specs import services as specs
from crowdspirit.specs.models import SECTIONS

READY = {**{name: f"The {name}" for name in SECTIONS}, "open_questions": "- [x] Settled"}
OPEN_POLICIES = {f"policy_{stage}": "public" for stage in ("idea", "vote", "spec", "partner_rnd")}


@pytest.fixture
def gates(make_user, make_org, make_project, make_idea, add_member):
    """A project sponsored by Helios (thresholds of 2 at gates 1 and 3, five days to veto) with an idea in the idea
    stage and one in specification; Veloce, another sponsor, may offer (any sponsor may); members support and
    back."""
    helios, veloce = make_org("Helios Audio"), make_org("Veloce Mobility")
    owner = make_user(name="Olga Owner", organisation=helios)
    project = make_project(owner=owner, kind="sponsored", support_threshold=2, backing_threshold=2, veto_days=5,
                           spec_approvals_needed=0, rnd_partner_id=None)
    people = {"owner": owner, "sponsor": make_user(name="Sam Sponsor", organisation=helios),
              "author": make_user(name="Ann Author"), "moderator": make_user(name="Mo Moderator"),
              "veloce": make_user(name="Victor Veloce", organisation=veloce),
              "domia": make_user(name="Dora Domia", organisation=make_org("Domia")),
              "members": [make_user(name=f"Member {n}") for n in range(3)]}
    add_member(project, people["moderator"], "moderator")
    idea = make_idea(project=project, author=people["author"], title="Quiet kettle")
    spec = make_idea(project=project, author=people["author"], title="Solar lamp", stage=Stage.SPEC)
    specs.save_revision(spec, people["author"], 1, "ready", **READY)  # ready for partner R&D
    return {"project": project, "idea": idea, "spec": spec, **people}


def use(project, **settings):
    for name, value in settings.items():
        setattr(project, name, value)
    db.session.commit()


def text(response) -> str:
    """The page as its reader reads it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def stage_of(idea) -> str:
    db.session.expire_all()
    return db.session.get(Idea, idea.id).stage


def told(kind: str) -> list[int]:
    return sorted(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def support(client, login_as, idea, members, change="support"):
    for member in members:
        login_as(member)
        assert client.post(f"/ideas/{idea.id}/{change}").status_code == 303


def supports(idea) -> tuple[int, int]:
    """The idea's support count and its Support rows."""
    db.session.expire_all()
    return (db.session.get(Idea, idea.id).support_count,
            db.session.scalar(select(func.count()).select_from(Support).where(Support.idea_id == idea.id)))


def offer_of(client, login_as, idea, sponsor) -> Interest:
    login_as(sponsor)
    assert client.post(f"/ideas/{idea.id}/partners", data=OFFER).status_code == 303
    return db.session.scalar(select(Interest).where(Interest.idea_id == idea.id,
                                                    Interest.organisation_id == sponsor.organisation_id))


def back(client, login_as, interest, members, change="back"):
    for member in members:
        login_as(member)
        assert client.post(f"/interests/{interest.id}/{change}").status_code == 303


def offer_state(interest) -> tuple[str, int, int, int | None]:
    """The offer's status, its backer count, its Backing rows and who selected it."""
    db.session.expire_all()
    found = db.session.get(Interest, interest.id)
    rows = db.session.scalar(select(func.count()).select_from(Backing).where(Backing.interest_id == interest.id))
    return found.status, found.backer_count, rows, found.decided_by_id


def move(client, idea, target="vote"):
    return client.post(f"/ideas/{idea.id}/move/{target}", data={"reason": "Our call"})


# --- Gate 1: opening voting ----------------------------------------------------------------------
def test_the_community_opens_voting_at_its_support_threshold(client, login_as, gates):
    """Under the community's model, members' supports open voting by themselves; the page says how many are needed;
    the author is told of the move."""
    idea = gates["idea"]
    login_as(gates["members"][0])
    page = text(client.get(f"/ideas/{idea.id}"))
    assert "At 2 members' support it opens by itself." in page and "Support opening voting" in page
    support(client, login_as, idea, gates["members"][:1])
    assert "Withdraw my support" in text(client.get(f"/ideas/{idea.id}")) and stage_of(idea) == Stage.IDEA
    support(client, login_as, idea, gates["members"][1:2])
    assert stage_of(idea) == Stage.VOTE and supports(idea) == (2, 2)
    entry = db.session.scalar(select(StageTransition).where(StageTransition.idea_id == idea.id,
                                                            StageTransition.to_stage == Stage.VOTE))
    assert (entry.actor_id, entry.reason) == (None, "Support threshold reached.")
    assert gates["author"].id in told("stage")
    late = client.post(f"/ideas/{idea.id}/support")
    assert late.status_code == 409 and "this idea has left the idea stage" in text(late)


def test_the_author_keeps_the_right_to_open_voting_early(client, login_as, gates):
    login_as(gates["author"])
    assert move(client, gates["idea"]).status_code == 303 and stage_of(gates["idea"]) == Stage.VOTE


def test_supports_are_counted_once_per_member(client, login_as, gates):
    """Supporting twice is refused with the reason and changes nothing; withdrawing counts down, once."""
    idea, member = gates["idea"], gates["members"][0]
    support(client, login_as, idea, [member])
    again = client.post(f"/ideas/{idea.id}/support")
    assert again.status_code == 409 and "You already support this idea." in text(again)
    assert supports(idea) == (1, 1)
    support(client, login_as, idea, [member], "unsupport")
    twice = client.post(f"/ideas/{idea.id}/unsupport")
    assert twice.status_code == 409 and "You do not support this idea." in text(twice)
    assert supports(idea) == (0, 0)


def post_together(app, url: str, session_ids: list[str]) -> list[int]:
    """Each user posts to url from their own thread and client, all released at once; the statuses."""
    return run_together(app, [(session_id, url, {}) for session_id in session_ids])


def test_simultaneous_supports_are_exact(app, gates, make_user):
    """Eight members supporting at once (the threshold raised out of reach) and one member twice at once: the count
    equals the rows."""
    use(gates["project"], support_threshold=100)
    idea = gates["idea"]
    members = [make_user().get_id() for _ in range(8)]
    assert post_together(app, f"/ideas/{idea.id}/support", members) == [303] * 8
    assert supports(idea) == (8, 8)
    assert sorted(post_together(app, f"/ideas/{idea.id}/support", [members[0], members[0]])) == [409, 409]
    twice = make_user().get_id()
    assert sorted(post_together(app, f"/ideas/{idea.id}/support", [twice, twice])) == [303, 409]
    assert supports(idea) == (9, 9)


def test_the_threshold_crossed_by_simultaneous_supports_opens_voting_once(app, gates, make_user):
    """Four members support at once (threshold 2): voting opens once; a support that comes after it opened is
    refused with its reason and leaves no row; the count equals the rows."""
    idea = gates["idea"]
    statuses = post_together(app, f"/ideas/{idea.id}/support", [make_user().get_id() for _ in range(4)])
    assert set(statuses) <= {303, 409} and statuses.count(303) >= 2 and stage_of(idea) == Stage.VOTE
    assert supports(idea) == (statuses.count(303),) * 2
    assert db.session.scalar(select(func.count()).select_from(StageTransition).where(
        StageTransition.idea_id == idea.id, StageTransition.to_stage == Stage.VOTE)) == 1


def test_the_sponsor_opens_voting(client, login_as, gates):
    """Under the sponsor's model, supports only tell the sponsor's team; the author is refused with the reason."""
    use(gates["project"], vote_decider="sponsor")
    idea = gates["idea"]
    support(client, login_as, idea, gates["members"][:2])
    assert stage_of(idea) == Stage.IDEA
    assert told("idea.supported") == sorted([gates["owner"].id, gates["sponsor"].id])
    login_as(gates["author"])
    page = text(client.get(f"/ideas/{idea.id}"))
    assert "The sponsor decides which ideas open for voting." in page and "Open voting" not in page
    # the three gates' deciders, in the project's rules under the stepper
    assert "Who decides each step in this project" in page and "The partnership starts when the chosen sponsor" in page
    refused = move(client, idea)
    assert refused.status_code == 403 and "opening voting is decided by someone else" in text(refused)
    login_as(gates["sponsor"])
    assert move(client, idea).status_code == 303 and stage_of(idea) == Stage.VOTE


def test_the_moderators_jury_opens_voting(client, login_as, gates):
    use(gates["project"], vote_decider="moderator")
    for who in ("author", "sponsor"):
        login_as(gates[who])
        assert move(client, gates["idea"]).status_code == 403
    login_as(gates["moderator"])
    assert "The project's managers open voting." in text(client.get(f"/ideas/{gates['idea'].id}"))
    assert move(client, gates["idea"]).status_code == 303


def test_the_crowd_shortlists_and_the_sponsor_picks(client, login_as, gates):
    use(gates["project"], vote_decider="shortlist")
    idea = gates["idea"]
    login_as(gates["sponsor"])
    early = move(client, idea)
    assert early.status_code == 409 and "needs 2 members' support to open voting; it has 0" in text(early)
    support(client, login_as, idea, gates["members"][:2])
    assert stage_of(idea) == Stage.IDEA  # shortlisted, not opened
    login_as(gates["author"])
    assert move(client, idea).status_code == 403
    login_as(gates["sponsor"])
    assert move(client, idea).status_code == 303 and stage_of(idea) == Stage.VOTE


def test_the_sponsor_vetoes_the_opening_within_its_window(client, login_as, gates):
    use(gates["project"], vote_decider="veto")
    idea = gates["idea"]
    support(client, login_as, idea, gates["members"][:2])
    assert stage_of(idea) == Stage.VOTE
    login_as(gates["author"])
    assert client.post(f"/ideas/{idea.id}/veto", data={"reason": "no"}).status_code == 403
    login_as(gates["sponsor"])
    page = text(client.get(f"/ideas/{idea.id}"))
    assert "The crowd opened voting on this idea" in page and f'action="/ideas/{idea.id}/veto"' in page
    assert client.post(f"/ideas/{idea.id}/veto", data={"reason": "Off topic"}).status_code == 303
    assert stage_of(idea) == Stage.ARCHIVED
    assert "Vetoed by the sponsor: Off topic" in text(client.get(f"/ideas/{idea.id}"))


def test_the_opening_veto_window_closes(client, login_as, gates):
    use(gates["project"], vote_decider="veto")
    idea = gates["idea"]
    support(client, login_as, idea, gates["members"][:2])
    opening = db.session.scalar(select(StageTransition).where(StageTransition.idea_id == idea.id,
                                                              StageTransition.to_stage == Stage.VOTE))
    opening.created_at -= timedelta(days=6)
    db.session.commit()
    login_as(gates["sponsor"])
    late = client.post(f"/ideas/{idea.id}/veto", data={"reason": "Second thoughts"})
    assert late.status_code == 409 and "The veto window closed on" in text(late)
    assert stage_of(idea) == Stage.VOTE


# --- Gate 3: choosing the R&D partner ------------------------------------------------------------
def test_the_crowd_selects_the_offer_it_backs(client, login_as, gates):
    """Under the community's model, members read and back offers; at the threshold the offer is selected, its
    sponsor and the idea's author are told, and the sponsor accepts."""
    interest = offer_of(client, login_as, gates["spec"], gates["veloce"])
    login_as(gates["members"][0])
    page = text(client.get(f"/ideas/{gates['spec'].id}/partners"))
    assert "Our lab can build it." in page and "Back this offer" in page and "Backed by 0 members" in page
    back(client, login_as, interest, gates["members"][:1])
    again = client.post(f"/interests/{interest.id}/back")
    assert again.status_code == 409 and "You already back this offer." in text(again)
    assert offer_state(interest) == ("pending", 1, 1, None)
    back(client, login_as, interest, gates["members"][1:2])
    assert offer_state(interest) == ("selected", 2, 2, None)
    assert told("rnd.backed_selected") == [gates["veloce"].id]
    assert gates["author"].id in told("rnd.chosen")
    login_as(gates["veloce"])
    assert client.post(f"/interests/{interest.id}/accept").status_code == 303
    assert stage_of(gates["spec"]) == Stage.PARTNER_RND


def test_backing_is_exact_and_not_for_the_offering_team(client, login_as, gates, app, make_user):
    use(gates["project"], backing_threshold=100)
    interest = offer_of(client, login_as, gates["spec"], gates["veloce"])
    refused = client.post(f"/interests/{interest.id}/back")  # Veloce backing its own offer
    assert refused.status_code == 403 and "not the team that made the offer" in text(refused)
    members = [make_user().get_id() for _ in range(6)]
    assert post_together(app, f"/interests/{interest.id}/back", [*members, members[0]]).count(303) == 6
    assert offer_state(interest)[1:3] == (6, 6)
    back(client, login_as, interest, gates["members"][:1])
    back(client, login_as, interest, gates["members"][:1], "unback")
    twice = client.post(f"/interests/{interest.id}/unback")
    assert twice.status_code == 409 and "You do not back this offer." in text(twice)
    assert offer_state(interest)[1:3] == (6, 6)


def test_another_sponsor_does_not_read_a_competitors_offer(client, login_as, gates):
    interest = offer_of(client, login_as, gates["spec"], gates["veloce"])
    login_as(gates["domia"])
    assert "Our lab can build it." not in text(client.get(f"/ideas/{gates['spec'].id}/partners"))
    assert client.post(f"/interests/{interest.id}/back").status_code == 404


def test_the_sponsor_chooses_the_partner(client, login_as, gates):
    use(gates["project"], partner_decider="sponsor")
    interest = offer_of(client, login_as, gates["spec"], gates["veloce"])
    assert gates["sponsor"].id in told("rnd.offer") and gates["author"].id not in told("rnd.offer")
    login_as(gates["members"][0])
    refused = client.get(f"/ideas/{gates['spec'].id}/partners")
    assert refused.status_code == 403 and "Offers of partnership are seen by sponsors" in text(refused)
    login_as(gates["author"])
    refused = client.post(f"/interests/{interest.id}/select")  # the author reads the offers on their idea
    assert refused.status_code == 403 and "someone else chooses the idea's R&D partner" in text(refused)
    login_as(gates["sponsor"])
    assert client.post(f"/interests/{interest.id}/select").status_code == 303
    assert offer_state(interest) == ("selected", 0, 0, gates["sponsor"].id)
    assert gates["author"].id in told("rnd.chosen")


def test_the_moderators_jury_chooses_the_partner(client, login_as, gates):
    use(gates["project"], partner_decider="moderator")
    interest = offer_of(client, login_as, gates["spec"], gates["veloce"])
    login_as(gates["author"])
    assert "the project's moderators choose the offer, as a jury" in text(client.get(f"/ideas/{gates['spec'].id}"))
    assert client.post(f"/interests/{interest.id}/select").status_code == 403
    login_as(gates["moderator"])
    assert client.post(f"/interests/{interest.id}/select").status_code == 303


def test_the_crowd_shortlists_offers_and_the_sponsor_picks(client, login_as, gates):
    use(gates["project"], partner_decider="shortlist")
    interest = offer_of(client, login_as, gates["spec"], gates["veloce"])
    login_as(gates["sponsor"])
    early = client.post(f"/interests/{interest.id}/select")
    assert early.status_code == 409 and "needs 2 members' backing to be selected; it has 0" in text(early)
    assert "needs 2 members' backing" in text(client.get(f"/ideas/{gates['spec'].id}/partners"))
    back(client, login_as, interest, gates["members"][:2])
    assert offer_state(interest)[0] == "pending"  # shortlisted, not selected
    assert told("rnd.backed") == sorted([gates["owner"].id, gates["sponsor"].id])
    login_as(gates["sponsor"])
    assert "Shortlisted" in text(client.get(f"/ideas/{gates['spec'].id}/partners"))
    assert client.post(f"/interests/{interest.id}/select").status_code == 303


def test_the_sponsor_vetoes_the_crowds_choice(client, login_as, gates):
    """Under the veto model, the offer the crowd selects waits for the project's sponsor's veto window; vetoed, it
    is declined and its sponsor is told why."""
    use(gates["project"], partner_decider="veto")
    interest = offer_of(client, login_as, gates["spec"], gates["veloce"])
    back(client, login_as, interest, gates["members"][:2])
    assert offer_state(interest) == ("selected", 2, 2, None)
    login_as(gates["veloce"])
    early = client.post(f"/interests/{interest.id}/accept")
    assert early.status_code == 409 and "may veto this selection until" in text(early)
    login_as(gates["author"])
    assert client.post(f"/interests/{interest.id}/veto", data={"reason": "no"}).status_code == 403
    login_as(gates["sponsor"])
    assert "Members' backing selected this offer" in text(client.get(f"/ideas/{gates['spec'].id}/partners"))
    silent = client.post(f"/interests/{interest.id}/veto", data={"reason": " "})
    assert silent.status_code == 409 and "Say why the sponsor vetoes this offer." in text(silent)
    assert client.post(f"/interests/{interest.id}/veto", data={"reason": "A competitor"}).status_code == 303
    assert offer_state(interest)[0] == "declined"
    assert gates["veloce"].id in told("rnd.vetoed")


def test_after_the_veto_window_the_crowds_choice_stands(client, login_as, gates):
    use(gates["project"], partner_decider="veto")
    interest = offer_of(client, login_as, gates["spec"], gates["veloce"])
    back(client, login_as, interest, gates["members"][:2])
    found = db.session.get(Interest, interest.id)
    found.decided_at -= timedelta(days=6)
    db.session.commit()
    login_as(gates["sponsor"])
    late = client.post(f"/interests/{interest.id}/veto", data={"reason": "Too late"})
    assert late.status_code == 409 and "The veto window closed on" in text(late)
    login_as(gates["veloce"])
    assert client.post(f"/interests/{interest.id}/accept").status_code == 303
    assert stage_of(gates["spec"]) == Stage.PARTNER_RND


# --- Settings and rules --------------------------------------------------------------------------
SETTINGS = {"summary": "A field", "description": "", "vote_decider": "community", "support_threshold": "3",
            "vote_threshold": "5", "voting_days": "14", "promotion_decider": "community",
            "partner_decider": "community", "backing_threshold": "4", "veto_days": "7", "rnd_partner_id": "0",
            **OPEN_POLICIES}


@pytest.mark.parametrize("gate", ["vote_decider", "partner_decider"])
@pytest.mark.parametrize("decider", ["sponsor", "shortlist", "veto"])
def test_a_self_carried_project_gives_no_sponsor_a_say_at_any_gate(client, login_as, make_project, make_user,
                                                                   gate, decider):
    owner = make_user()
    project = make_project(owner=owner)
    login_as(owner)
    response = client.post(f"/projects/{project.slug}/settings", data={**SETTINGS, gate: decider})
    assert response.status_code == 422 and "Only a project sponsored by an organisation" in text(response)
    db.session.expire_all()
    assert getattr(project, gate) == "community"


def test_the_settings_choose_each_gates_decider_and_the_rules_say_so(client, login_as, gates):
    project = gates["project"]
    login_as(gates["owner"])
    form = text(client.get(f"/projects/{project.slug}/settings"))
    assert "Who opens voting on an idea" in form and "Who chooses the R&D partner among sponsors' offers" in form
    saved = client.post(f"/projects/{project.slug}/settings", data={
        **SETTINGS, "vote_decider": "shortlist", "partner_decider": "veto", "veto_days": "3"})
    assert saved.status_code == 303
    db.session.expire_all()
    assert (project.vote_decider, project.support_threshold, project.partner_decider, project.backing_threshold) == (
        "shortlist", 3, "veto", 4)
    rules = text(client.get(f"/projects/{project.slug}"))
    assert "an idea with 3 supports is shortlisted; then the sponsor picks which shortlisted ideas open" in rules
    assert "an offer backed by 4 members is selected, unless the sponsor vetoes it within 3 days" in rules
