"""The policy matrix: every route x every role x every stage policy, with the status each must get.

The routes come from the app's URL map, so a new route without a rule here fails the suite. A
marker word sits in every title, body, spec and file name of the protected project: whoever may
not see the project's content must never find it in any response, whatever the route.
"""

import itertools
import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from flask import current_app

from crowdspirit.accounts import services as accounts
from crowdspirit.accounts.models import Organisation, OrganisationInvitation
from crowdspirit.attachments import services as attachments
from crowdspirit.contests import services as contests
from crowdspirit.extensions import db
from crowdspirit.forum import console, moderation
from crowdspirit.forum import services as forum
from crowdspirit.karma import services as karma
from crowdspirit.notifications import services as notifications
from crowdspirit.notifications.models import Notification
from crowdspirit.pipeline import services as pipeline
from crowdspirit.pipeline.models import Stage
from crowdspirit.projects import nda
from crowdspirit.projects import services as projects
from crowdspirit.projects.models import JoinRequest, ProjectMembership
from crowdspirit.rnd import services as rnd
from crowdspirit.rnd.models import Interest
from crowdspirit.search import indexer as search_indexer
from crowdspirit.specs import services as specs

MARKER = "Zephyrquartz"
#: the verdicts (status per role, route and request) recorded before the access rules moved into the domains;
#: CROWDSPIRIT_WRITE_SNAPSHOT=1 records them again (only after a change of policy that is meant)
SNAPSHOT = Path(__file__).parent / "snapshots" / "policy_matrix.json"
POLICIES = ["public", "community", "project", "confidential"]
ROLES = ["anonymous", "outsider", "contributor", "nda signer", "project moderator", "removed member",
         "sponsor", "platform moderator", "admin"]
MEMBERS = {"contributor", "nda signer", "project moderator"}
MANAGERS = {"project moderator", "platform moderator", "admin"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
#: a real 1x1 PNG (contest entries' images are decoded for their thumbnail)
TINY_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478"
                         "9c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082")


def knows(role: str, policy: str) -> bool:
    """Who may know the project exists: who sees its stages, and its members and sponsor's team."""
    return sees(role, policy) or role in MEMBERS | {"sponsor"}


def sees(role: str, policy: str) -> bool:
    """Who may see a stage under each policy: the expectation the whole matrix is built on."""
    if role == "admin" or policy == "public":
        return True
    if role == "anonymous":
        return False
    if policy == "community":
        return True
    if policy == "project":
        return role in MEMBERS | {"sponsor", "platform moderator"}
    return role in {"nda signer", "project moderator", "sponsor"}


@dataclass
class World:
    """A sponsored project whose four stages all follow one policy, with an idea in every stage."""

    project: object
    author: object
    users: dict
    ideas: dict = field(default_factory=dict)
    attachment: object = None
    interest: object = None
    milestone: object = None
    post: object = None
    contest: object = None
    draft: object = None
    entry: object = None
    notification: object = None
    unsubscribe_token: str = ""


def build_world(policy, make_user, make_org, make_project, make_idea, add_member) -> World:
    """Create the project, its people (one per role), ideas in every stage, a spec, a file, an NDA."""
    org = make_org("Helios Audio")
    owner = make_user(name="Olivia Owner", organisation=org)
    policies = {f"policy_{stage}": policy for stage in ("idea", "vote", "spec", "partner_rnd")}
    project = make_project(owner=owner, title="Helios lab", kind="sponsored", **policies)
    users = {"anonymous": None, "outsider": make_user(name="Otto Outsider"),
             "sponsor": make_user(name="Sven Sponsor", organisation=org),
             "platform moderator": make_user(name="Paula Moderator", moderator=True),
             "admin": make_user(name="Ada Admin", admin=True)}
    for role in ("contributor", "nda signer", "project moderator", "removed member"):
        users[role] = make_user(name=role.title())
        add_member(project, users[role], "moderator" if role == "project moderator" else "contributor")
    author = make_user(name="Aurore Author")
    add_member(project, author)
    world = World(project, author, users)
    for stage in (Stage.IDEA, Stage.VOTE, Stage.SPEC, Stage.PARTNER_RND, Stage.ARCHIVED):
        world.ideas[stage] = make_idea(project=project, author=author, stage=stage,
                                       title=f"{MARKER} {stage.value} idea", partner=org)
    spec_idea = world.ideas[Stage.SPEC]
    specs.save_revision(spec_idea, author, 1, f"{MARKER} draft", problem=f"{MARKER} problem",
                        target_users="", features="", constraints="", target_price="")
    world.attachment = attachments.attach(spec_idea, author, "spec", "diagram.png", PNG + MARKER.encode())
    nda.publish(project, owner, "Keep what you see here to yourself.")  # read before accepting: not secret
    for role in ("nda signer", "project moderator", "removed member"):
        nda.accept(project, users[role], 1)
    pipeline.cast_vote(world.ideas[Stage.VOTE], author)
    world.post = forum.add_post(forum.thread_of_idea(spec_idea), author, f"{MARKER} in the discussion")
    world.notification = Notification(user_id=users["contributor"].id, kind="mention",  # the contributor's alone
                                      thread_id=world.post.thread_id, post_id=world.post.id, actor_id=author.id)
    db.session.add(world.notification)
    db.session.commit()
    with current_app.test_request_context():  # the digest command makes its links in a request context too
        world.unsubscribe_token = notifications.unsubscribe_link(users["contributor"], "daily").rsplit("/", 1)[1]
    world.interest = rnd.express_interest(spec_idea, users["sponsor"], "We want it", "Prototypes", 0, "EUR", "open")
    partnership = rnd.partnership_of(world.ideas[Stage.PARTNER_RND])
    world.milestone = rnd.add_milestone(partnership, f"{MARKER} prototype", users["sponsor"].id, date(2030, 1, 1))
    projects.remove_member(project, users["removed member"].id, owner)
    build_contests(world, owner)
    search_indexer.drain()
    return world


CONTEST_TERMS = {"kind": "contest", "title": "Logo contest", "brief": "A logo", "prize_cents": 50000,
                 "currency": "EUR", "finalists_wanted": 3, "min_entries": 0, "finalist_bonus_cents": 5000,
                 "winner_share": 60, "pool_cents": 0, "terms_text": "terms", "transfer_text": "transfer",
                 "private_hours": 72, "public_hours": 96, "shortlist_hours": 72, "adjustments_hours": 120}


def build_contests(world, sponsor) -> None:
    """A contest of the sponsor's (no project: the role alone decides) in its public phase with the author's entry
    and an image, and a draft only the sponsor's team knows."""
    world.contest = contests.create_contest(sponsor, **CONTEST_TERMS)
    contests.open_contest(world.contest, sponsor)
    world.entry = contests.submit_entry(world.contest, world.author, "Round logo", "",
                                        [contests.Upload("logo.png", TINY_PNG)], True, 1)
    contests.advance(world.contest, sponsor)
    world.draft = contests.create_contest(sponsor, **{**CONTEST_TERMS, "title": "Draft contest"})


# Each rule: how to build the requests from the world, and the statuses a role may get when it
# sees the project's content (`sees`) or not. Anonymous visitors on sign-in-only routes get 302.
@dataclass(frozen=True)
class Rule:
    requests: object  # (world) -> list of (method, url, data)
    allowed: object = None  # roles that may act (None: anyone who sees), for action routes
    ok: int = 200
    refused: int | dict = 403  # or role -> status, 404 for the roles it does not name
    login: bool = False  # the route asks anonymous visitors to sign in before anything else
    visibility: str = "item"  # "item": follows the policy; "project": also open to members and the sponsor's team;
    # "none": any signed-in user; "site": the role alone decides; "feed": what anonymous visitors see;
    # "list": always answers
    #: what a project member who has not accepted the NDA gets where only those who did see (None: 404); the idea
    #: page asks them to accept it (403 with the link)
    without_nda: int | None = None


def get(url_of):
    return lambda w: [("GET", url_of(w), None)]


def post(url_of, data=None):
    return lambda w: [("POST", url_of(w), data or {})]


def idea(stage):
    return lambda w: w.ideas[stage]


THROWAWAYS = itertools.count()


def fresh_member(w):
    """A throwaway member for removal and role routes (so acting on them destroys nothing)."""
    user = accounts.register(f"throwaway{next(THROWAWAYS)}@example.org", "Throwaway", "x" * 12, "amateur")
    db.session.add(ProjectMembership(project_id=w.project.id, user_id=user.id, role="contributor"))
    db.session.commit()
    return user


def fresh_request(w):
    request = JoinRequest(project_id=w.project.id, user_id=fresh_member(w).id, message="")
    db.session.add(request)
    db.session.commit()
    return request


def fresh_invitation(w):
    return projects.invite(w.project, w.project.owner)


def fresh_warning(w):
    """A warning to a throwaway member (warning a matrix role would hold them back from taking part: a pending
    warning is a standing, like the charter, and would change the verdicts of every later route)."""
    member = accounts.register(f"warned{next(THROWAWAYS)}@example.org", "Warned", "x" * 12, "amateur")
    return console.warn(member, w.users["platform moderator"], "Tone", "Please keep it civil.")


def fresh_teammate(w):
    """A throwaway member of the sponsor's team (so removing them destroys nothing)."""
    return accounts.register(f"teammate{next(THROWAWAYS)}@example.org", "Teammate", "x" * 12, "professional",
                             organisation=w.project.organisation)


def fresh_team_invitation(w):
    """An open invitation to the sponsor's team (so withdrawing it always finds it open)."""
    invitation = OrganisationInvitation(organisation_id=w.project.organisation_id, role="member",
                                        email=f"invitee{next(THROWAWAYS)}@example.org")
    db.session.add(invitation)
    db.session.commit()
    return invitation


def org_slug(w):
    """The slug of the project's sponsoring organisation."""
    return w.project.organisation.slug


def fresh_interest(w):
    """An offer on the spec idea from a new organisation (so that selecting it always finds it pending)."""
    org = Organisation(slug=f"bidder-{next(THROWAWAYS)}", name="Bidder")
    bidder = accounts.register(f"bidder{next(THROWAWAYS)}@example.org", "Bidder", "x" * 12, "professional",
                               organisation=org)
    interest = Interest(idea=w.ideas[Stage.SPEC], organisation=org, user=bidder, pitch="pitch", terms="terms")
    db.session.add(interest)
    db.session.commit()
    return interest


def workspace(path=""):
    return lambda w: f"/ideas/{w.ideas[Stage.PARTNER_RND].id}/workspace{path}"


PARTNER = {"sponsor", "admin"}  # the partner's team works in the workspace; nobody else knows it


def fresh_appeal(w):
    """A post hidden by the owner and appealed by its author, waiting for another moderator."""
    post = forum.add_post(forum.thread_of_idea(w.ideas[Stage.SPEC]), w.author, "appealable")
    moderation.hide(post, w.project.owner, "off-topic")
    return moderation.appeal(post, w.author, "please look again")


def fresh_attachment(w):
    return attachments.attach(w.ideas[Stage.SPEC], w.author, "spec", "extra.txt", b"text")


S = lambda w: w.project.slug  # noqa: E731
EDITORS = MEMBERS | {"sponsor", "admin"}
SPEC_EDITORS = {"project moderator", "sponsor", "admin"}  # besides the idea's author, who is not a matrix role
MEMBER_VIEW = MEMBERS | {"sponsor", "admin"}
NON_MEMBERS = {"outsider", "removed member", "sponsor", "platform moderator", "admin"}
OWNER_ONLY = {"admin"}  # the owner is not one of the matrix roles
MEMBER_MANAGERS = {"project moderator", "admin"}
IN_PROJECT = {"login": True, "visibility": "project"}
SIGNED_IN = set(ROLES) - {"anonymous"}  # sign-in first; members know the project exists

RULES = {
    # Site-wide pages: always answer; the marker check guards what they list.
    "home.index": Rule(get(lambda w: "/"), visibility="list"),
    # Probes: open to anyone, about the process, never about content.
    "ops.healthz": Rule(get(lambda w: "/healthz"), visibility="list"),
    "ops.readyz": Rule(get(lambda w: "/readyz"), visibility="list"),
    "home.dashboard": Rule(get(lambda w: "/dashboard"), login=True, visibility="none"),
    "search.results": Rule(get(lambda w: f"/search?q={MARKER.lower()}"), visibility="list"),
    # The JSON API: the same answers as the pages (a session reads; writes need a token, so 401 here).
    "api.projects": Rule(get(lambda w: "/api/v1/projects"), visibility="list"),
    "api.project": Rule(get(lambda w: f"/api/v1/projects/{S(w)}"), visibility="project"),
    "api.ideas": Rule(get(lambda w: "/api/v1/ideas?limit=100&stage=spec"), visibility="list"),
    "api.idea": Rule(get(lambda w: f"/api/v1/ideas/{w.ideas[Stage.SPEC].id}")),
    "api.spec": Rule(get(lambda w: f"/api/v1/ideas/{w.ideas[Stage.SPEC].id}/spec")),
    "api.revisions": Rule(get(lambda w: f"/api/v1/ideas/{w.ideas[Stage.SPEC].id}/spec/revisions")),
    "api.thread": Rule(get(lambda w: f"/api/v1/threads/{w.post.thread_id}")),
    "api.posts": Rule(get(lambda w: f"/api/v1/threads/{w.post.thread_id}/posts")),
    "api.search_view": Rule(get(lambda w: f"/api/v1/search?q={MARKER.lower()}"), visibility="list"),
    "api.notifications": Rule(get(lambda w: "/api/v1/notifications"), allowed=set(ROLES) - {"anonymous"},
                              refused=401, visibility="site"),
    "api.propose": Rule(post(lambda w: f"/api/v1/projects/{S(w)}/ideas"), allowed=set(), refused=401,
                        visibility="site"),
    "api.vote": Rule(post(lambda w: f"/api/v1/ideas/{w.ideas[Stage.VOTE].id}/vote"), allowed=set(), refused=401,
                     visibility="site"),
    "api.move": Rule(post(lambda w: f"/api/v1/ideas/{w.ideas[Stage.IDEA].id}/transitions"), allowed=set(),
                     refused=401, visibility="site"),
    "api.reply": Rule(post(lambda w: f"/api/v1/threads/{w.post.thread_id}/posts"), allowed=set(), refused=401,
                      visibility="site"),
    # contests, entries, workspaces and dashboards: the verdicts of their pages (visitors get 404, not a sign-in)
    "api.contests_list": Rule(get(lambda w: "/api/v1/contests"), visibility="list"),
    "api.contest": Rule(get(lambda w: f"/api/v1/contests/{w.contest.id}"), visibility="list"),
    "api.contest_entries": Rule(get(lambda w: f"/api/v1/contests/{w.contest.id}/entries"), visibility="list"),
    "api.entry": Rule(get(lambda w: f"/api/v1/entries/{w.entry.id}"), allowed=SIGNED_IN, refused=404,
                      visibility="site"),
    "api.partnerships": Rule(get(lambda w: "/api/v1/partnerships"), allowed=SIGNED_IN, refused=401,
                             visibility="site"),
    "api.partnership": Rule(get(lambda w: f"/api/v1/ideas/{w.ideas[Stage.PARTNER_RND].id}/partnership"),
                            allowed=PARTNER, refused=404, visibility="site"),
    "api.dashboard": Rule(get(lambda w: "/api/v1/dashboard"), allowed=SIGNED_IN, refused=401, visibility="site"),
    "api.sponsor_dashboard_view": Rule(get(lambda w: f"/api/v1/organisations/{org_slug(w)}/dashboard"),
                                       allowed={"sponsor", "admin"}, refused=404, visibility="site"),
    "api.openapi": Rule(get(lambda w: "/api/v1/openapi.json"), visibility="list"),
    "api.reference": Rule(get(lambda w: "/api/v1/docs"), visibility="list"),
    "tokens.index": Rule(get(lambda w: "/settings/tokens"), login=True, visibility="none"),
    "tokens.revoke": Rule(post(lambda w: "/settings/tokens/999/revoke"), ok=404, login=True, visibility="none"),
    "webhooks.index": Rule(get(lambda w: "/settings/webhooks"), login=True, visibility="none"),
    "webhooks.delete": Rule(post(lambda w: "/settings/webhooks/999/delete"), ok=404, login=True, visibility="none"),
    "webhooks.replay": Rule(post(lambda w: "/settings/webhooks/deliveries/999/replay"), ok=404, login=True,
                            visibility="none"),
    "pipeline.veto": Rule(post(lambda w: f"/ideas/{w.ideas[Stage.SPEC].id}/veto", {"reason": "no"}),
                          allowed={"admin"}, ok=409, login=True),  # the matrix project lets the crowd decide alone
    # Partner R&D: offers are known to the sponsor that made them, to those who choose and, as the matrix project
    # lets the crowd back offers (its partner decider is the community), to the members who see the idea (another
    # sponsor's team aside: test_gates.py); workspaces to the partner's team (invited contributors: test_rnd.py).
    "rnd.scouting": Rule(get(lambda w: "/scouting"), allowed=PARTNER, login=True, visibility="site"),
    "rnd.partners": Rule(get(lambda w: f"/ideas/{w.ideas[Stage.SPEC].id}/partners"), login=True),
    "rnd.answer": Rule(lambda w: [("POST", f"/interests/{fresh_interest(w).id}/select", {})],
                       allowed={"project moderator", "admin"}, ok=(303, 409), login=True),
    "rnd.accept": Rule(get(lambda w: f"/interests/{w.interest.id}/accept"), allowed=PARTNER, ok=409, login=True),
    # the matrix project lets the crowd decide alone: nobody may veto its offers (test_gates.py vetoes)
    "rnd.veto": Rule(post(lambda w: f"/interests/{w.interest.id}/veto", {"reason": "no"}), allowed={"admin"}, ok=409,
                     login=True),
    "rnd.workspace": Rule(get(workspace()), allowed=PARTNER, refused=404, login=True, visibility="site"),
    "rnd.invite": Rule(post(workspace("/members")), allowed=PARTNER, ok=422, refused=404, login=True,
                       visibility="site"),
    "rnd.remove": Rule(post(workspace("/members/999/remove")), allowed=PARTNER, ok=404, refused=404, login=True,
                       visibility="site"),
    "rnd.add_milestone": Rule(post(workspace("/milestones")), allowed=PARTNER, ok=422, refused=404, login=True,
                              visibility="site"),
    "rnd.upload": Rule(post(workspace("/documents")), allowed=PARTNER, ok=422, refused=404, login=True,
                       visibility="site"),
    "rnd.decide": Rule(post(workspace("/decisions")), allowed=PARTNER, ok=422, refused=404, login=True,
                       visibility="site"),
    "rnd.publish": Rule(post(workspace("/updates")), allowed=PARTNER, ok=422, refused=404, login=True,
                        visibility="site"),
    "rnd.reward": Rule(post(workspace("/rewards")), allowed=PARTNER, ok=422, refused=404, login=True,
                       visibility="site"),
    "rnd.milestone": Rule(post(lambda w: f"/milestones/{w.milestone.id}/complete"), allowed=PARTNER, ok=(303, 409),
                          refused=404, login=True, visibility="site"),
    "rnd.add_task": Rule(post(lambda w: f"/milestones/{w.milestone.id}/tasks"), allowed=PARTNER, ok=400,
                         refused=404, login=True, visibility="site"),
    "rnd.toggle_task": Rule(post(lambda w: f"/milestones/{w.milestone.id}/tasks/999/toggle"), allowed=PARTNER,
                            ok=404, refused=404, login=True, visibility="site"),
    "karma.index": Rule(get(lambda w: "/karma"), login=True, visibility="none"),
    "karma.join": Rule(get(lambda w: f"/join/{karma.invite_link(w.author).code}"), visibility="list"),
    # The platform-wide board always answers (tested in test_karma); a project's board is for who sees all of it.
    "karma.leaderboard": Rule(get(lambda w: f"/leaderboard?project={S(w)}"), visibility="project",
                              allowed=lambda role, policy: sees(role, policy)),
    # Contests: the sponsor's team runs them; signed-in members see public-phase entries; originals stay the author's.
    "contests.index": Rule(get(lambda w: "/contests"), visibility="list"),
    "contests.show": Rule(get(lambda w: f"/contests/{w.contest.id}"), visibility="list"),
    "contests.create": Rule(get(lambda w: "/contests/new"), allowed=PARTNER, login=True, visibility="site"),
    "contests.open_": Rule(post(lambda w: f"/contests/{w.contest.id}/open"), allowed=PARTNER, ok=409, login=True,
                           visibility="site"),
    "contests.advance": Rule(post(lambda w: f"/contests/{w.draft.id}/advance"), allowed=PARTNER, ok=409,
                             refused=404, login=True, visibility="site"),
    "contests.enter": Rule(get(lambda w: f"/contests/{w.contest.id}/enter"), allowed=SIGNED_IN - {"sponsor"},
                           ok=409, login=True, visibility="site"),
    "contests.finalists": Rule(post(lambda w: f"/contests/{w.contest.id}/finalists"), allowed=PARTNER, ok=409,
                               login=True, visibility="site"),
    "contests.award": Rule(post(lambda w: f"/contests/{w.contest.id}/winner"), allowed=PARTNER, ok=400, login=True,
                           visibility="site"),
    "contests.transfer": Rule(get(lambda w: f"/contests/{w.contest.id}/transfer"), allowed={"admin"}, login=True,
                              visibility="site"),
    "contests.experts": Rule(get(lambda w: f"/contests/{w.contest.id}/experts"), allowed=PARTNER, login=True,
                             visibility="site"),
    "contests.entry": Rule(get(lambda w: f"/entries/{w.entry.id}"), allowed=SIGNED_IN, refused=404,
                           visibility="site"),
    "contests.withdraw": Rule(post(lambda w: f"/entries/{w.entry.id}/withdraw"), allowed={"admin"}, ok=409,
                              login=True, visibility="site"),
    # the sponsor's team gives no coup de cœur in its own contest (hearts share the participation pool)
    "contests.heart": Rule(post(lambda w: f"/entries/{w.entry.id}/heart"), allowed=SIGNED_IN - {"sponsor"},
                           ok=(303, 409), refused={"sponsor": 403}, login=True, visibility="site"),
    "contests.comment": Rule(post(lambda w: f"/entries/{w.entry.id}/comments"), allowed=SIGNED_IN, ok=400,
                             login=True, visibility="site"),
    "contests.adjustment": Rule(post(lambda w: f"/entries/{w.entry.id}/adjustment"), allowed=PARTNER, ok=409,
                                login=True, visibility="site"),
    "contests.revise": Rule(post(lambda w: f"/entries/{w.entry.id}/revisions"), allowed={"admin"}, ok=400,
                            login=True, visibility="site"),
    "contests.score": Rule(post(lambda w: f"/entries/{w.entry.id}/scores"), allowed=PARTNER, ok=409, login=True,
                           visibility="site"),
    "contests.thumbnail": Rule(get(lambda w: f"/contest-files/{w.entry.files[0].id}/thumbnail.png"),
                               allowed=SIGNED_IN, refused=404, visibility="site"),
    "contests.original": Rule(get(lambda w: f"/contest-files/{w.entry.files[0].id}/logo.png"), allowed={"admin"},
                              refused={role: 403 for role in SIGNED_IN}, visibility="site"),
    "ledger.payouts": Rule(get(lambda w: "/payouts"), login=True, visibility="none"),
    # An organisation's statement: its team only (a member's own CSV is every member's: test_money).
    "ledger.export": Rule(get(lambda w: "/payouts/organisation.csv"), allowed={"sponsor"}, refused=404, login=True,
                          visibility="site"),
    # The sponsor dashboard: the organisation's team and admins; everyone else 404 (visitors sign in first).
    "sponsors.dashboard": Rule(get(lambda w: f"/organisations/{w.project.organisation.slug}/dashboard"),
                               allowed={"sponsor", "admin"}, refused=404, login=True, visibility="site"),
    "sponsors.export": Rule(get(lambda w: f"/organisations/{w.project.organisation.slug}/dashboard/funnel.csv"),
                            allowed={"sponsor", "admin"}, refused=404, login=True, visibility="site"),
    "web.language": Rule(get(lambda w: "/language/fr?next=/"), ok=303, visibility="list"),
    "projects.index": Rule(get(lambda w: "/projects"), visibility="list"),
    "pipeline.index": Rule(lambda w: [("GET", f"/ideas?stage={s}", None) for s in ("", "spec", "partner_rnd",
                                                                                  "archived")],
                           visibility="list"),
    "accounts.profile": Rule(get(lambda w: f"/users/{w.author.id}"), visibility="list"),
    "accounts.signup": Rule(get(lambda w: "/signup"), visibility="list"),
    "accounts.login": Rule(get(lambda w: "/login"), visibility="list"),
    "accounts.logout": Rule(post(lambda w: "/logout"), ok=303, visibility="list"),
    "accounts.edit_profile": Rule(get(lambda w: "/settings/profile"), login=True, visibility="none"),
    "accounts.change_password": Rule(get(lambda w: "/settings/password"), login=True, visibility="none"),
    "accounts.forgot_password": Rule(get(lambda w: "/password/forgot"), visibility="list"),
    "accounts.reset_password": Rule(get(lambda w: "/password/reset/not-a-token"), ok=400, visibility="list"),
    # One's own sign-ins and address: any signed-in member (ending an unknown sign-in changes nothing).
    "accounts.sessions_page": Rule(get(lambda w: "/settings/sessions"), login=True, visibility="none"),
    "accounts.revoke_session": Rule(post(lambda w: "/settings/sessions/999999/revoke"), ok=303, login=True,
                                    visibility="none"),
    "accounts.revoke_other_sessions": Rule(post(lambda w: "/settings/sessions/revoke-others"), ok=303, login=True,
                                           visibility="none"),
    "accounts.email_settings": Rule(get(lambda w: "/settings/email"), login=True, visibility="none"),
    # One's own data: the archive (none prepared until asked for: 404, then prepared at once in tests) and the
    # deletion page (its POST would delete the role's account: tested in test_data_rights).
    "accounts.data_page": Rule(get(lambda w: "/settings/data"), login=True, visibility="none"),
    "accounts.download_data_archive": Rule(get(lambda w: "/settings/data/archive.zip"), ok=404, login=True,
                                           visibility="none"),
    "accounts.request_data_archive": Rule(post(lambda w: "/settings/data"), ok=303, login=True, visibility="none"),
    "accounts.delete_account": Rule(get(lambda w: "/settings/delete"), login=True, visibility="none"),
    "accounts.resend_verification": Rule(post(lambda w: "/settings/email/resend"), ok=303, login=True,
                                         visibility="none"),
    "accounts.verify_email": Rule(get(lambda w: "/email/verify/not-a-token"), ok=400, visibility="list"),
    "accounts.confirm_email_change": Rule(get(lambda w: "/email/change/not-a-token"), ok=400, visibility="list"),
    # Signing in through an organisation's provider: nobody in the matrix has one (an unknown domain: 422; an
    # answer to no sign-in started here: 400); its settings: the organisation's administrators (the sponsor is
    # not one: 403) and platform admins.
    "accounts.oidc_start": Rule(post(lambda w: "/login/organisation", {"org-email": "someone@nowhere.example"}),
                                ok=422, visibility="list"),
    "accounts.oidc_callback": Rule(get(lambda w: "/login/organisation/callback?state=forged&code=x"), ok=400,
                                   visibility="list"),
    "accounts.oidc_settings": Rule(get(lambda w: f"/organisations/{w.project.organisation.slug}/sign-in"),
                                   allowed={"admin"}, refused={"sponsor": 403}, login=True, visibility="site"),
    # The charter: anyone reads it; members accept the version in force (none in the matrix: 409); admins publish.
    "accounts.charter_page": Rule(get(lambda w: "/charter"), visibility="list"),
    "accounts.accept_charter": Rule(post(lambda w: "/charter/accept", {"number": "1"}), ok=409, login=True,
                                    visibility="none"),
    "accounts.publish_charter": Rule(get(lambda w: "/charter/edit"), allowed={"admin"}, refused=404, login=True,
                                     visibility="site"),
    # The platform's audit log (account events): administrators only.
    "platform_audit.index": Rule(get(lambda w: "/admin/audit"), allowed={"admin"}, refused=404, login=True,
                                 visibility="site"),
    # The email queue (what the mail server refused): administrators only.
    "notifications.mail_queue": Rule(get(lambda w: "/admin/mail"), allowed={"admin"}, refused=404, login=True,
                                      visibility="site"),
    "notifications.retry_mail": Rule(post(lambda w: "/admin/mail/1/retry"), allowed={"admin"}, ok=303, refused=404,
                                     login=True, visibility="site"),
    "projects.create": Rule(get(lambda w: "/projects/new"), login=True, visibility="none"),
    "forum.index": Rule(get(lambda w: "/forum"), visibility="list"),
    "forum.new_thread": Rule(get(lambda w: "/forum/new"), login=True, visibility="none"),
    "notifications.index": Rule(get(lambda w: "/notifications"), login=True, visibility="none"),
    "notifications.mark_read": Rule(post(lambda w: "/notifications/read"), ok=303, login=True, visibility="none"),
    # reads only the member's own notifications about the object named, whatever it is
    "notifications.read_about": Rule(post(lambda w: "/notifications/read/Idea/1"), ok=204, login=True,
                                     visibility="none"),
    "notifications.settings": Rule(get(lambda w: "/settings/notifications"), login=True, visibility="none"),
    # a signed link from a digest: it names its member, whoever opens it (looking changes nothing)
    "notifications.unsubscribe": Rule(get(lambda w: "/unsubscribe/" + w.unsubscribe_token), visibility="list"),
    "notifications.open_notification": Rule(post(lambda w: f"/notifications/{w.notification.id}/open"),
                                            allowed={"contributor"}, refused=404, ok=303, login=True),
    "members.accept": Rule(lambda w: [("GET", f"/invitations/{fresh_invitation(w).token}", None)], login=True,
                           visibility="none"),
    # Reading the project and its ideas: 200 for who sees, 404 for everyone else.
    "projects.show": Rule(get(lambda w: f"/projects/{S(w)}"), visibility="project"),
    "pipeline.export_ideas": Rule(get(lambda w: f"/projects/{S(w)}/ideas.csv"), visibility="project"),
    "pipeline.feed": Rule(get(lambda w: f"/projects/{S(w)}/feed.atom"), visibility="feed"),
    "pipeline.show": Rule(lambda w: [("GET", f"/ideas/{i.id}", None) for i in w.ideas.values()], without_nda=403),
    "specs.show": Rule(get(lambda w: f"/ideas/{w.ideas[Stage.SPEC].id}/spec")),
    "specs.revisions": Rule(get(lambda w: f"/ideas/{w.ideas[Stage.SPEC].id}/spec/revisions")),
    "specs.diff": Rule(get(lambda w: f"/ideas/{w.ideas[Stage.SPEC].id}/spec/diff?from=1&to=2")),
    "specs.export_file": Rule(lambda w: [("GET", f"/ideas/{w.ideas[Stage.SPEC].id}/spec/export.{extension}", None)
                                         for extension in ("md", "pdf")]),
    "forum.idea_thread": Rule(get(lambda w: f"/ideas/{w.ideas[Stage.SPEC].id}/discussion"), ok=303),
    "forum.project_thread": Rule(get(lambda w: f"/projects/{S(w)}/discussion"), ok=303, visibility="project"),
    # An idea's discussion is read under the idea: its thread page and a post's address lead there.
    "forum.thread": Rule(get(lambda w: f"/threads/{w.post.thread_id}"), ok=303),
    "forum.permalink": Rule(get(lambda w: f"/posts/{w.post.id}"), ok=303),
    "forum.reply_form": Rule(get(lambda w: f"/posts/{w.post.id}/reply"), allowed=set(ROLES), ok=303, login=True),
    "notifications.follow": Rule(post(lambda w: f"/threads/{w.post.thread_id}/follow"), allowed=set(ROLES), ok=303,
                                 login=True),
    "forum.reply": Rule(post(lambda w: f"/threads/{w.post.thread_id}/posts", {"body": ""}), allowed=set(ROLES),
                        ok=422, login=True),
    "forum.read": Rule(lambda w: [("POST", f"/threads/{w.post.thread_id}/read", {"post": w.post.id})],
                       allowed=set(ROLES), ok=204, login=True),
    "forum.edit_post": Rule(get(lambda w: f"/posts/{w.post.id}/edit"), allowed={"admin"}, login=True),
    "forum.react": Rule(post(lambda w: f"/posts/{w.post.id}/react"), allowed=set(ROLES), ok=303, login=True),
    "moderation.flag": Rule(post(lambda w: f"/posts/{w.post.id}/flag", {"reason": ""}), allowed=set(ROLES),
                            ok=409, login=True),
    "moderation.hide": Rule(post(lambda w: f"/posts/{w.post.id}/hide", {"reason": ""}), allowed=MANAGERS, ok=409,
                            login=True),
    "moderation.unhide": Rule(post(lambda w: f"/posts/{w.post.id}/unhide"), allowed=MANAGERS, ok=409, login=True),
    "moderation.dismiss_flags": Rule(post(lambda w: f"/posts/{w.post.id}/dismiss-flags"), allowed=MANAGERS, ok=409,
                                     login=True),
    "moderation.thread_state": Rule(post(lambda w: f"/threads/{w.post.thread_id}/state", {"action": ""}),
                                    allowed=MANAGERS, ok=409, login=True),
    "moderation.appeal": Rule(get(lambda w: f"/posts/{w.post.id}/appeal"), allowed={"admin"}, login=True),
    "moderation.decide": Rule(lambda w: [("POST", f"/appeals/{fresh_appeal(w).id}/decide", {"overturn": "0"})],
                              allowed=MANAGERS, ok=303, login=True),
    "moderation.sanction": Rule(post(lambda w: f"/users/{w.author.id}/sanction", {"action": ""}),
                                allowed={"platform moderator", "admin"}, ok=409, login=True, visibility="site"),
    "moderation.approve": Rule(post(lambda w: f"/posts/{w.post.id}/approve"), allowed=MANAGERS, ok=409, login=True),
    "moderation.move": Rule(post(lambda w: f"/threads/{w.post.thread_id}/move", {"category": ""}),
                            allowed=MANAGERS, ok=409, login=True),
    # With nothing selected everyone hears so (409); each selected post is checked before any changes.
    "moderation.bulk": Rule(post(lambda w: "/moderation/bulk", {"reason": "x"}), ok=409, login=True,
                            visibility="none"),
    # A moderator edits (the form) or redacts someone's post (who moderates the thread); an empty reason is refused.
    "moderation.moderator_edit": Rule(get(lambda w: f"/posts/{w.post.id}/moderate"), allowed=MANAGERS, login=True),
    "moderation.redact": Rule(post(lambda w: f"/posts/{w.post.id}/redact", {"reason": ""}), allowed=MANAGERS,
                              ok=409, login=True),
    "moderation.project_queue": Rule(get(lambda w: f"/projects/{S(w)}/moderation"), allowed=MANAGERS, **IN_PROJECT),
    "moderation.queue": Rule(get(lambda w: "/moderation"), allowed={"platform moderator", "admin"}, login=True,
                             visibility="site"),
    "attachments.download": Rule(get(lambda w: f"/attachments/{w.attachment.id}/{w.attachment.filename}")),
    # Acting: 404 for who may not see, sign-in for visitors, 403 with a reason for who may not act.
    "pipeline.propose": Rule(lambda w: [("GET", f"/projects/{S(w)}/ideas/new", None),
                                        ("POST", f"/projects/{S(w)}/ideas/new", {})],
                             allowed=sees, ok=(200, 422), **IN_PROJECT),
    "pipeline.edit": Rule(lambda w: [("GET", f"/ideas/{w.ideas[Stage.IDEA].id}/edit", None)], allowed={"admin"},
                          login=True),
    "pipeline.vote": Rule(post(lambda w: f"/ideas/{w.ideas[Stage.VOTE].id}/vote"), allowed=set(ROLES),
                          ok=(303, 409)),
    "pipeline.unvote": Rule(post(lambda w: f"/ideas/{w.ideas[Stage.VOTE].id}/unvote"), allowed=set(ROLES),
                            ok=(303, 409)),
    # support then withdraw it: the idea stays far from its support threshold for the next roles
    "pipeline.support": Rule(lambda w: [("POST", f"/ideas/{w.ideas[Stage.IDEA].id}/support", {}),
                                        ("POST", f"/ideas/{w.ideas[Stage.IDEA].id}/unsupport", {})],
                             allowed=set(ROLES), ok=(303, 409)),
    "pipeline.move": Rule(lambda w: [
        ("GET", f"/ideas/{w.ideas[Stage.IDEA].id}/move/vote", None),
        ("GET", f"/ideas/{w.ideas[Stage.IDEA].id}/move/archived", None),
        ("POST", f"/ideas/{w.ideas[Stage.VOTE].id}/move/archived", {"reason": ""}),
    ], allowed=MANAGERS, ok=(200, 409), login=True),
    "specs.edit": Rule(lambda w: [("GET", f"/ideas/{w.ideas[Stage.SPEC].id}/spec/edit", None)],
                       allowed=SPEC_EDITORS, login=True),
    "specs.restore": Rule(post(lambda w: f"/ideas/{w.ideas[Stage.SPEC].id}/spec/restore/1"), allowed=SPEC_EDITORS,
                          ok=303, login=True),
    "specs.amend": Rule(get(lambda w: f"/ideas/{w.ideas[Stage.SPEC].id}/spec/amendments/new"), allowed=EDITORS,
                        login=True),
    "specs.decide": Rule(post(lambda w: f"/ideas/{w.ideas[Stage.SPEC].id}/spec/amendments/999/reject"),
                         allowed=SPEC_EDITORS, ok=404, login=True),
    "specs.rate": Rule(post(lambda w: f"/ideas/{w.ideas[Stage.SPEC].id}/spec/features/rate",
                            {"feature": "nothing", "rating": "must"}), ok=404, login=True),
    "specs.approve": Rule(post(lambda w: f"/ideas/{w.ideas[Stage.SPEC].id}/spec/approve"), allowed=EDITORS, ok=303,
                          login=True),
    "attachments.upload": Rule(post(lambda w: f"/ideas/{w.ideas[Stage.SPEC].id}/attachments"), allowed=EDITORS,
                               ok=400, login=True),
    "attachments.delete": Rule(lambda w: [("POST", f"/attachments/{fresh_attachment(w).id}/delete", {})],
                               allowed=MANAGERS, ok=303, login=True),
    "projects.settings": Rule(get(lambda w: f"/projects/{S(w)}/settings"), allowed=OWNER_ONLY, **IN_PROJECT),
    "audit.index": Rule(get(lambda w: f"/projects/{S(w)}/audit"), allowed=OWNER_ONLY, **IN_PROJECT),
    "audit.export": Rule(get(lambda w: f"/projects/{S(w)}/audit.csv"), allowed=OWNER_ONLY, **IN_PROJECT),
    "nda.show": Rule(get(lambda w: f"/projects/{S(w)}/nda"), allowed=MEMBER_VIEW, **IN_PROJECT),
    "nda.diff": Rule(get(lambda w: f"/projects/{S(w)}/nda/diff"), allowed=MEMBER_VIEW, **IN_PROJECT),
    "nda.accept": Rule(post(lambda w: f"/projects/{S(w)}/nda/accept"), allowed=MEMBER_VIEW, ok=400, **IN_PROJECT),
    "nda.publish": Rule(get(lambda w: f"/projects/{S(w)}/nda/edit"), allowed=OWNER_ONLY, **IN_PROJECT),
    # the stages' schedule: its managers only (a post without a moment: refused as invalid, nothing scheduled)
    "schedule.show": Rule(get(lambda w: f"/projects/{S(w)}/schedule"), allowed=MEMBER_MANAGERS, **IN_PROJECT),
    "schedule.add": Rule(post(lambda w: f"/projects/{S(w)}/schedule", {"stage": "spec", "level": "public"}),
                         allowed=MEMBER_MANAGERS, ok=422, **IN_PROJECT),
    "schedule.delete": Rule(post(lambda w: f"/projects/{S(w)}/schedule/999999/delete"), allowed=MEMBER_MANAGERS,
                            ok=404, **IN_PROJECT),
    "members.index": Rule(get(lambda w: f"/projects/{S(w)}/members"), allowed=MEMBER_VIEW, **IN_PROJECT),
    "members.join": Rule(get(lambda w: f"/projects/{S(w)}/join"), allowed=NON_MEMBERS, **IN_PROJECT),
    "members.decide": Rule(lambda w: [("POST", f"/projects/{S(w)}/requests/{fresh_request(w).id}/approve", {})],
                           allowed=MEMBER_MANAGERS, ok=303, **IN_PROJECT),
    "members.invite": Rule(post(lambda w: f"/projects/{S(w)}/invitations", {"email": ""}),
                           allowed=MEMBER_MANAGERS, ok=303, **IN_PROJECT),
    "members.revoke": Rule(lambda w: [("POST", f"/projects/{S(w)}/invitations/{fresh_invitation(w).id}/revoke",
                                       {})], allowed=MEMBER_MANAGERS, ok=303, **IN_PROJECT),
    "members.remove": Rule(lambda w: [("POST", f"/projects/{S(w)}/members/{fresh_member(w).id}/remove", {})],
                           allowed=MEMBER_MANAGERS, ok=303, **IN_PROJECT),
    "members.role": Rule(lambda w: [("POST", f"/projects/{S(w)}/members/{fresh_member(w).id}/role",
                                     {"role": "moderator"})], allowed=OWNER_ONLY, ok=303, **IN_PROJECT),
    # Last, because it changes who is a member: members leave (303); others are told they are not (409).
    # the propose form's suggestions, as one types the title (who may propose sees them; the search's own access)
    "pipeline.similar": Rule(get(lambda w: f"/projects/{S(w)}/ideas/similar?title={MARKER.lower()}"), allowed=sees,
                             **IN_PROJECT),
    # moderators merge a duplicate: the chooser, the confirm page, and a refused post (into itself: 400; a merge that
    # succeeds would archive the idea later rules use)
    "pipeline.merge": Rule(lambda w: [
        ("GET", f"/ideas/{w.ideas[Stage.IDEA].id}/merge", None),
        ("GET", f"/ideas/{w.ideas[Stage.IDEA].id}/merge?into={w.ideas[Stage.VOTE].id}", None),
        ("POST", f"/ideas/{w.ideas[Stage.IDEA].id}/merge", {"into": str(w.ideas[Stage.IDEA].id), "reason": "same"}),
    ], allowed=MANAGERS, ok=(200, 400), login=True),
    # The moderation console: platform moderators and admins; members are told why (403), visitors sign in.
    "console.log": Rule(get(lambda w: "/moderation/log"), allowed={"platform moderator", "admin"}, login=True,
                        visibility="site"),
    "console.export_log": Rule(get(lambda w: "/moderation/log.csv"), allowed={"platform moderator", "admin"},
                               login=True, visibility="site"),
    "console.members": Rule(get(lambda w: "/moderation/members"), allowed={"platform moderator", "admin"},
                            login=True, visibility="site"),
    "console.member": Rule(get(lambda w: f"/moderation/members/{w.author.id}"),
                           allowed={"platform moderator", "admin"}, login=True, visibility="site"),
    # an empty reason: 409 for who may warn, nothing sent
    "console.warn": Rule(post(lambda w: f"/moderation/members/{w.author.id}/warn", {"reason": ""}),
                         allowed={"platform moderator", "admin"}, ok=409, login=True, visibility="site"),
    # a warning is its member's and the moderators' alone: 404 for everyone else
    "console.warning": Rule(lambda w: [("GET", f"/warnings/{fresh_warning(w).id}", None)],
                            allowed={"platform moderator", "admin"}, refused=404, login=True, visibility="site"),
    # only its member acknowledges it (admins may do everything); a moderator reads it but may not (403)
    "console.acknowledge": Rule(lambda w: [("POST", f"/warnings/{fresh_warning(w).id}/acknowledge", {})],
                                allowed={"admin"}, ok=303, refused={"platform moderator": 403}, login=True,
                                visibility="site"),
    # An organisation's public page: anyone (its projects panel lists what each role may see of them).
    "accounts.organisation": Rule(get(lambda w: f"/organisations/{org_slug(w)}"), visibility="list"),
    # An emailed invitation to a team: a forged link is a clear 400 for anyone (accepting is tested in
    # test_organisation_console).
    "accounts.organisation_invitation": Rule(get(lambda w: "/team-invitations/not-a-token"), ok=400,
                                             visibility="list"),
    # The team page: the organisation's team (the sponsor) and admins; everyone else 404.
    "accounts.organisation_team": Rule(get(lambda w: f"/organisations/{org_slug(w)}/team"),
                                       allowed={"sponsor", "admin"}, refused=404, login=True, visibility="site"),
    # Managing the team: its administrators (none in the world) and platform admins; the sponsor, a plain member,
    # 403; everyone else 404.
    "accounts.organisation_invite": Rule(post(lambda w: f"/organisations/{org_slug(w)}/team/invitations",
                                              {"email": "new.teammate@example.org", "role": "member"}),
                                         allowed={"admin"}, ok=303, refused={"sponsor": 403}, login=True,
                                         visibility="site"),
    "accounts.organisation_revoke_invitation": Rule(lambda w: [(
        "POST", f"/organisations/{org_slug(w)}/team/invitations/{fresh_team_invitation(w).id}/revoke", {})],
        allowed={"admin"}, ok=303, refused={"sponsor": 403}, login=True, visibility="site"),
    "accounts.organisation_set_role": Rule(lambda w: [(
        "POST", f"/organisations/{org_slug(w)}/team/{fresh_teammate(w).id}/role", {"role": "viewer"})],
        allowed={"admin"}, ok=303, refused={"sponsor": 403}, login=True, visibility="site"),
    "accounts.organisation_remove": Rule(lambda w: [(
        "POST", f"/organisations/{org_slug(w)}/team/{fresh_teammate(w).id}/remove", {})],
        allowed={"admin"}, ok=303, refused={"sponsor": 403}, login=True, visibility="site"),
    "members.leave": Rule(post(lambda w: f"/projects/{S(w)}/leave"), allowed=MEMBERS, ok=303, refused=409,
                          **IN_PROJECT),
    # LAST (after "members.leave"): the sponsor leaves the team (303); nobody else is on it (404, platform admins
    # too: there is nothing for them to leave).
    "accounts.organisation_leave": Rule(post(lambda w: f"/organisations/{org_slug(w)}/team/leave"), allowed={"sponsor"},
                                        ok=303, refused=404, login=True, visibility="site"),
}


def refusal(rule: Rule, role: str) -> int:
    return rule.refused.get(role, 404) if isinstance(rule.refused, dict) else rule.refused


def expected(rule: Rule, role: str, policy: str) -> set[int]:
    """The statuses this role may get on this route when the project follows this policy."""
    ok = set(rule.ok) if isinstance(rule.ok, tuple) else {rule.ok}
    if rule.visibility == "list":
        return ok
    if role == "anonymous" and rule.login:
        return {302}
    if rule.visibility == "none":
        return ok
    if rule.visibility == "site":  # not about the project: only the role decides
        return ok if role in rule.allowed else {refusal(rule, role)}
    if rule.visibility == "feed":
        return ok if policy == "public" else {404}
    if not (knows if rule.visibility == "project" else sees)(role, policy):
        return {rule.without_nda} if rule.without_nda and role == "contributor" and policy == "confidential" \
            else {404}
    if rule.allowed is None:
        return ok
    allowed = rule.allowed(role, policy) if callable(rule.allowed) else role in rule.allowed
    if role == "anonymous" and not allowed:
        return {303}  # sent to sign in
    return ok if allowed else {refusal(rule, role)}


def test_every_route_has_a_rule(app):
    """A route added without a rule here fails: nothing escapes the matrix."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert sorted(endpoints - RULES.keys()) == []
    assert sorted(RULES.keys() - endpoints) == []


@pytest.mark.parametrize("policy", POLICIES)
def test_policy_matrix(app, client, login_as, make_user, make_org, make_project, make_idea, add_member, policy):
    """Every route answers every role as the policy says, and leaks the marker to nobody outside."""
    world = build_world(policy, make_user, make_org, make_project, make_idea, add_member)
    failures, cells, verdicts = [], 0, {}
    for role in ROLES:
        for endpoint, rule in RULES.items():
            for number, (method, url, data) in enumerate(rule.requests(world)):
                with client.session_transaction() as session:
                    session.clear()
                if world.users[role] is not None:
                    login_as(world.users[role])
                response = client.open(url, method=method, data=data)
                cells += 1
                verdicts[f"{role} {endpoint} {method} #{number}"] = response.status_code
                body = response.get_data().decode("utf-8", "replace")
                allowed = expected(rule, role, policy)
                if response.status_code not in allowed:
                    failures.append(f"{role} {method} {url}: {response.status_code}, expected {sorted(allowed)}")
                # An invitation shows the project it invites to: the owner chose to reveal it.
                if not sees(role, policy) and MARKER in body and endpoint != "members.accept":
                    failures.append(f"{role} {method} {url}: the confidential marker leaked")
                if endpoint == "pipeline.index" and sees(role, policy) and "stage=spec" in url:
                    if MARKER not in body:
                        failures.append(f"{role} {method} {url}: a visible spec idea is missing from the list")
                if endpoint in ("search.results", "api.search_view", "api.ideas") and sees(role, policy) \
                        and MARKER not in body:
                    failures.append(f"{role} {method} {url}: search does not find what the role may see")
    print(f"policy {policy}: {cells} requests over {len(RULES)} routes x {len(ROLES)} roles")
    assert failures == []
    assert verdicts == recorded_verdicts(policy, verdicts)


def recorded_verdicts(policy: str, verdicts: dict) -> dict:
    """The snapshot's verdicts for this policy (written from these verdicts when asked to)."""
    recorded = json.loads(SNAPSHOT.read_text()) if SNAPSHOT.exists() else {}
    if os.environ.get("CROWDSPIRIT_WRITE_SNAPSHOT") == "1":
        recorded[policy] = verdicts
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    return recorded[policy]
