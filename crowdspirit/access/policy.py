"""Who may see or do what, on which object, in which phase: written once, as data plus predicates.

Visibility comes from the project's policy for the stage an idea is in (public, community, project,
confidential) and flows down the chain project -> idea -> spec, attachments and history. `can` and
`require` answer for one object; `visible` restricts a query with the same rules in SQL, so lists,
counts, feeds and exports never show what the object check would refuse.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, false, func, or_, select, true
from sqlalchemy.orm import aliased

from ..contests.models import Contest, ContestKind, CopyrightTransfer, Entry, EntryFile, Phase
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..forum.models import Thread
from ..notifications.models import Notification
from ..pipeline.models import Idea
from ..projects.models import (
    POLICY_STAGES,
    MemberRole,
    NdaAcceptance,
    NdaVersion,
    Project,
    ProjectMembership,
    PromotionDecider,
    Visibility,
    VoteOpener,
)
from ..requestcache import forget, per_request
from ..rnd.models import Interest, InterestStatus, Partnership, WorkspaceMember


class SignInRequired(DomainError):
    """The action needs a signed-in user; the error handler sends the visitor to sign in."""

    status = 401


@dataclass(frozen=True)
class Scope:
    """A signed-in user's relations to projects, loaded once per request."""

    member_of: frozenset = frozenset()
    managing: frozenset = frozenset()
    #: projects whose confidential stages the user may see: owned, or current NDA accepted (or none)
    cleared: frozenset = frozenset()


def _load_scope(user_id: int) -> Scope:
    """Read the user's memberships and NDA acceptances (three small indexed queries)."""
    roles = dict(db.session.execute(
        select(ProjectMembership.project_id, ProjectMembership.role).where(ProjectMembership.user_id == user_id)
    ).all())
    current = (select(NdaVersion.project_id, func.max(NdaVersion.number).label("number"))
               .where(NdaVersion.project_id.in_(roles)).group_by(NdaVersion.project_id).subquery())
    with_nda = set(db.session.scalars(select(current.c.project_id)))
    accepted = set(db.session.scalars(
        select(NdaVersion.project_id)
        .join(current, and_(current.c.project_id == NdaVersion.project_id, current.c.number == NdaVersion.number))
        .join(NdaAcceptance, NdaAcceptance.nda_version_id == NdaVersion.id)
        .where(NdaAcceptance.user_id == user_id)
    ))
    return Scope(
        member_of=frozenset(roles),
        managing=frozenset(p for p, role in roles.items() if role in (MemberRole.OWNER, MemberRole.MODERATOR)),
        cleared=frozenset(p for p, role in roles.items()
                          if role == MemberRole.OWNER or p not in with_nda or p in accepted),
    )


class OrganisationActor:
    """Who an organisation's token reads as: the organisation's team, without its creator's personal memberships,
    NDA signatures or platform roles (the token outlives what its creator personally may see)."""

    is_authenticated, is_active, is_anonymous = True, True, False
    is_admin = is_moderator = banned = False

    def __init__(self, creator):
        self.id, self.organisation_id = creator.id, creator.organisation_id
        self.display_name, self.is_suspended = creator.display_name, creator.is_suspended

    @property
    def is_sponsor(self) -> bool:
        return True

    def get_id(self) -> str:
        return f"organisation:{self.organisation_id}"


def scope(user) -> Scope:
    """The user's project relations for this request (empty for visitors and organisation actors)."""
    if not user.is_authenticated or isinstance(user, OrganisationActor):
        return Scope()
    return per_request(f"access-scope:{user.id}", lambda: _load_scope(user.id))


def forget_scope(user) -> None:
    """Reload the user's relations on next use (after a membership or NDA change in this request)."""
    forget(f"access-scope:{user.id}")


def _project(obj) -> Project:
    """The project whose policy protects an object (projects protect themselves)."""
    return obj if isinstance(obj, Project) else obj.project


def sponsor_team(user, project: Project) -> bool:
    """A member of the organisation that sponsors the project."""
    return project.organisation_id is not None and user.organisation_id == project.organisation_id


def sees(user, project: Project, level: str) -> bool:
    """May the user see what the project holds at this visibility level?"""
    if level == Visibility.PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if user.is_admin or level == Visibility.COMMUNITY or sponsor_team(user, project):
        return True
    if level == Visibility.PROJECT:
        return user.is_moderator or project.id in scope(user).member_of
    return project.id in scope(user).cleared


def _sees_sql(user, project, level):
    """`sees` as a SQL condition on a project table (or alias) and a level expression."""
    allowed = [level == Visibility.PUBLIC]
    if user.is_authenticated:
        relations = scope(user)
        team = project.organisation_id == user.organisation_id if user.organisation_id else false()
        members = true() if user.is_moderator else project.id.in_(relations.member_of)
        allowed += [
            level == Visibility.COMMUNITY,
            and_(level == Visibility.PROJECT, or_(members, team)),
            and_(level == Visibility.CONFIDENTIAL, or_(project.id.in_(relations.cleared), team)),
        ]
    return or_(*allowed)


def idea_level(project, idea=Idea):
    """SQL: the policy level that governs an idea (its stage's, or for archived ideas the last one's)."""
    governing = func.coalesce(idea.archived_from, idea.stage)
    return case({stage: getattr(project, f"policy_{stage}") for stage in POLICY_STAGES}, value=governing,
                else_=Visibility.CONFIDENTIAL.value)


# Predicates: (user, obj) -> bool. The user is signed in when they are called, except for view rules.
def anyone(user, obj) -> bool:
    return True


def signed_in(user, obj) -> bool:
    return True


def partnered_projects(user) -> frozenset:
    """The projects where the user's organisation partners an idea in R&D."""
    if not user.is_authenticated or not user.organisation_id:
        return frozenset()
    return per_request(f"partnered:{user.organisation_id}", lambda: frozenset(db.session.scalars(
        select(Idea.project_id).where(Idea.partner_id == user.organisation_id).distinct())))


def project_visible(user, project) -> bool:
    """Someone may know a project exists if they may see one of its stages, belong to it, or partner one of its
    ideas."""
    if user.is_authenticated and (project.id in scope(user).member_of or sponsor_team(user, project)
                                  or project.id in partnered_projects(user)):
        return True
    return any(sees(user, project, project.policy(stage)) for stage in POLICY_STAGES)


#: the level of what an R&D workspace holds: its participants only, whatever the project's policies
WORKSPACE = "workspace"
#: visibility levels from the widest audience to the narrowest
LEVELS = (Visibility.PUBLIC, Visibility.COMMUNITY, Visibility.PROJECT, Visibility.CONFIDENTIAL)


def governed_by(obj) -> tuple[Project | None, str]:
    """Whose policy, for which stage, protects an idea (or its spec, history, files) or a thread (or its posts).

    An idea follows its governing stage; a thread follows its idea, or its project's open idea
    stage; an R&D workspace's thread follows the workspace; community threads are governed by no project (public).
    """
    if isinstance(obj, Thread) or hasattr(obj, "thread"):
        thread = obj if isinstance(obj, Thread) else obj.thread
        if thread.partnership_id is not None:
            return thread.project, WORKSPACE
        if thread.idea_id is not None:
            return governed_by(thread.idea)
        if thread.project_id is not None:
            return thread.own_project, "idea"
        return None, Visibility.PUBLIC.value
    idea = obj if isinstance(obj, Idea) else obj.idea
    return idea.project, idea.governing_stage


def level_of(obj) -> str:
    """The visibility level that protects an object; a project's summary is as visible as its most open stage."""
    if isinstance(obj, Project):
        return min((obj.policy(stage) for stage in POLICY_STAGES), key=LEVELS.index)
    project, stage = governed_by(obj)
    if stage == WORKSPACE:
        return WORKSPACE
    return Visibility.PUBLIC if project is None else project.policy(stage)


def access_key(obj) -> str:
    """The key a search document carries: where its visibility is decided (project and stage, or workspace), not
    the level itself, so that a policy change takes effect in search at once, without reindexing."""
    if isinstance(obj, Project):
        return f"{obj.id}:any"
    project, stage = governed_by(obj)
    if stage == WORKSPACE:
        return f"{WORKSPACE}:{(obj if isinstance(obj, Thread) else obj.thread).partnership_id}"
    return Visibility.PUBLIC.value if project is None else f"{project.id}:{stage}"


def search_keys(user) -> frozenset | None:
    """The access keys of everything the user may see, from the current policies (None: everything, for admins)."""
    if user.is_authenticated and user.is_admin:
        return None

    def compute() -> frozenset:
        keys = {Visibility.PUBLIC.value}
        for project in db.session.scalars(select(Project)):
            keys.update(f"{project.id}:{stage}" for stage in (*POLICY_STAGES, "archived")
                        if sees(user, project, project.policy(stage)))
            if project_visible(user, project):
                keys.add(f"{project.id}:any")
        keys.update(f"{WORKSPACE}:{partnership}" for partnership in workspaces(user))
        return frozenset(keys)

    return per_request(f"search-keys:{user.get_id()}", compute)


def idea_visible(user, obj) -> bool:
    """An idea (and its spec, history, attachments) follows the policy of its governing stage; its R&D partner's
    team always sees it."""
    idea = obj if isinstance(obj, Idea) else obj.idea
    if user.is_authenticated and idea.partner_id is not None and user.organisation_id == idea.partner_id:
        return True
    return sees(user, idea.project, level_of(idea))


def thread_visible(user, obj) -> bool:
    """A thread (and its posts) is visible where its level allows; a workspace's thread to its participants only."""
    thread = obj.thread if hasattr(obj, "thread") else obj
    if thread.partnership_id is not None:
        return thread.partnership_id in workspaces(user)
    if thread.idea_id is not None:
        return idea_visible(user, thread.idea)
    return thread.project is None or sees(user, thread.project, level_of(thread))


def forum_moderator(user, obj) -> bool:
    """Platform moderators everywhere; a project's owner and moderators in its threads."""
    thread = obj.thread if hasattr(obj, "thread") else obj
    return user.is_moderator or (thread.project is not None and member_manager(user, thread.project))


def flagger(user, post) -> bool:
    return post.author_id != user.id


def post_visible(user, post) -> bool:
    """A post follows its thread; a post held for approval shows only to its author and moderators."""
    if not thread_visible(user, post):
        return False
    if not post.pending:
        return True
    return user.is_authenticated and (post.author_id == user.id or forum_moderator(user, post))


def trusted_poster(user, thread) -> bool:
    """Members whose karma reached KARMA_TRUSTED_POSTER post at once where first posts are held (0: nobody)."""
    threshold = current_app.config["KARMA_TRUSTED_POSTER"]
    return threshold > 0 and getattr(user, "karma", 0) >= threshold


def announcer(user, thread) -> bool:
    """Only platform moderators open threads in the announcements category."""
    return thread.category != "announcements" or user.is_moderator


def can_propose(user, project) -> bool:
    """Proposing needs to see the project's idea stage."""
    return sees(user, project, project.policy("idea"))


def owner(user, obj) -> bool:
    return _project(obj).owner_id == user.id


def member(user, obj) -> bool:
    """A project member (any role) or the sponsor's team."""
    project = _project(obj)
    return project.id in scope(user).member_of or sponsor_team(user, project)


def not_member(user, obj) -> bool:
    return _project(obj).id not in scope(user).member_of


def member_manager(user, obj) -> bool:
    """The project's owner and project moderators manage its members."""
    return _project(obj).id in scope(user).managing


def manager(user, obj) -> bool:
    """Project owner, project moderator or platform moderator: they run the pipeline."""
    return user.is_moderator or member_manager(user, obj)


def author(user, obj) -> bool:
    return obj.author_id == user.id


def author_or_member(user, obj) -> bool:
    return author(user, obj) or member(user, obj)


def spec_editor(user, idea) -> bool:
    """The idea's author, the project's managers and the sponsor's team edit the spec and decide amendments."""
    return author(user, idea) or member_manager(user, idea) or sponsor_team(user, _project(idea))


def token_holder(user, token) -> bool:
    """A personal token is its creator's; an organisation's token belongs to all the organisation's members."""
    if token.organisation_id is not None:
        return token.organisation_id == user.organisation_id
    return token.user_id == user.id


def hook_manager(user, hook) -> bool:
    """A project's webhooks are its owner's; an organisation's webhooks belong to all its members."""
    if hook.project_id is not None:
        return hook.project.owner_id == user.id
    return hook.organisation_id == user.organisation_id


def organisation_member(user, organisation) -> bool:
    """A member of the organisation: its team reads its sponsor dashboard."""
    return user.organisation_id is not None and user.organisation_id == organisation.id


def uploader_or_manager(user, attachment) -> bool:
    return attachment.uploader_id == user.id or manager(user, attachment)


def vote_opener(user, idea) -> bool:
    """The project decides whether the author may open voting, or its managers only."""
    if _project(idea).vote_opener == VoteOpener.AUTHOR and author(user, idea):
        return True
    return manager(user, idea)


def promoter(user, idea) -> bool:
    """Who decides promotion to spec follows the project's setting."""
    decider = _project(idea).promotion_decider
    if decider in (PromotionDecider.SPONSOR, PromotionDecider.SHORTLIST):
        return sponsor_team(user, _project(idea))
    if decider == PromotionDecider.MODERATOR:
        return manager(user, idea)
    return manager(user, idea) or author(user, idea)  # the crowd decides: anyone in charge, at threshold


def vetoer(user, idea) -> bool:
    """Under the veto model, the sponsor's team may veto what the crowd promoted."""
    return _project(idea).promotion_decider == PromotionDecider.VETO and sponsor_team(user, _project(idea))


def nda_cleared(user, project) -> bool:
    """Bound by the project's current NDA: its owner, who accepted it, or anyone when the project has none."""
    if project.id in scope(user).cleared:
        return True
    with_nda = per_request("projects-with-nda", lambda: frozenset(db.session.scalars(
        select(NdaVersion.project_id).distinct())))
    return project.id not in with_nda


def workspaces(user) -> frozenset:
    """The partnerships whose workspace the user works in: their organisation's, and those they are invited to
    once bound by the project's NDA."""
    if not user.is_authenticated or isinstance(user, OrganisationActor):
        return frozenset()

    def compute() -> frozenset:
        invited = select(WorkspaceMember.partnership_id).where(WorkspaceMember.user_id == user.id)
        own = Partnership.organisation_id == user.organisation_id if user.organisation_id else false()
        rows = db.session.execute(select(Partnership.id, Partnership.organisation_id, Idea.project_id)
                                  .join(Idea, Idea.id == Partnership.idea_id)
                                  .where(or_(own, Partnership.id.in_(invited)))).all()
        projects = {p.id: p for p in db.session.scalars(select(Project).where(
            Project.id.in_({row.project_id for row in rows})))}
        return frozenset(row.id for row in rows if row.organisation_id == user.organisation_id
                         or nda_cleared(user, projects[row.project_id]))

    return per_request(f"workspaces:{user.id}", compute)


def partner_team(user, obj) -> bool:
    """The team of the organisation behind an interest or a partnership."""
    return user.organisation_id is not None and user.organisation_id == obj.organisation_id


def invited_or_team(user, partnership) -> bool:
    """Who may know a workspace exists: the partner's team and the contributors invited into it."""
    return partner_team(user, partnership) or db.session.scalar(select(WorkspaceMember.id).where(
        WorkspaceMember.partnership_id == partnership.id, WorkspaceMember.user_id == user.id)) is not None


def participant(user, partnership) -> bool:
    """Who works in a workspace: the partner's team, and invited contributors bound by the project's NDA."""
    return partnership.id in workspaces(user)


def chooser(user, obj) -> bool:
    """The idea's author and the project's owner and moderators choose among interested sponsors."""
    idea = obj if isinstance(obj, Idea) else obj.idea
    return author(user, idea) or member_manager(user, idea)


def interest_party(user, interest) -> bool:
    """An interest is known to the sponsor that expressed it and to those who choose."""
    return partner_team(user, interest) or chooser(user, interest)


def selected_sponsor(user, idea) -> bool:
    """The team of the sponsor selected for the idea (or accepting, in the transaction that moves it)."""
    return user.organisation_id is not None and db.session.scalar(select(Interest.id).where(
        Interest.idea_id == idea.id, Interest.organisation_id == user.organisation_id,
        Interest.status.in_((InterestStatus.SELECTED, InterestStatus.ACCEPTED)))) is not None


def sponsor(user, obj) -> bool:
    return user.organisation_id is not None


def attachment_visible(user, attachment) -> bool:
    """A file follows its idea; the files of an R&D workspace are its participants' only."""
    if attachment.part != "rnd":
        return idea_visible(user, attachment)
    return user.is_authenticated and db.session.scalar(select(Partnership.id).where(
        Partnership.idea_id == attachment.idea_id)) in workspaces(user)


def contest_team(user, obj) -> bool:
    """The team of the organisation that runs a contest (or the contest of an entry or file)."""
    contest = obj if isinstance(obj, Contest) else obj.contest
    return user.is_authenticated and user.organisation_id is not None and (
        user.organisation_id == contest.organisation_id)


def contest_visible(user, contest) -> bool:
    """A draft is its sponsor's team's; an open contest is as visible as its project (everyone's without one)."""
    if contest.phase == Phase.DRAFT and not contest_team(user, contest):
        return False
    return contest.project is None or project_visible(user, contest.project)


def entry_visible(user, obj) -> bool:
    """An entry (and its files' previews): its author always; the sponsor's team unless withdrawn; other members
    only once a contest's public phase has begun (never in an expert challenge)."""
    entry = obj.entry if isinstance(obj, EntryFile) else obj
    contest = entry.contest
    if not user.is_authenticated or not contest_visible(user, contest):
        return False
    if entry.author_id == user.id:
        return True
    if entry.withdrawn_at is not None:
        return False
    return contest_team(user, contest) or (
        contest.kind == ContestKind.CONTEST and contest.phase not in (Phase.DRAFT, Phase.PRIVATE))


def entrant(user, contest) -> bool:
    return not contest_team(user, contest)


def not_entry_author(user, entry) -> bool:
    return entry.author_id != user.id


def original_reader(user, file) -> bool:
    """An entry's original files are its author's; the sponsor's team gets the winner's once the transfer is signed."""
    entry = file.entry
    if entry.author_id == user.id:
        return True
    return contest_team(user, entry) and entry.won_at is not None and db.session.scalar(
        select(CopyrightTransfer.id).where(CopyrightTransfer.entry_id == entry.id)) is not None


def contest_winner(user, contest) -> bool:
    return contest.winner_entry_id is not None and db.session.get(Entry, contest.winner_entry_id).author_id == user.id


@dataclass(frozen=True)
class Rule:
    """Who may perform an action, and what a refused user is told."""

    allowed: Callable
    refusal: object = None
    needs_account: bool = True


def sees_every_stage(user, project) -> bool:
    """Figures summed over all of a project's stages are for those who see every stage (they reveal nothing new)."""
    return all(sees(user, project, project.policy(stage)) for stage in POLICY_STAGES)


CHOOSERS_ONLY = _l("Only the idea's author and the project's owner and moderators choose its R&D partner.")

RULES: dict[str, Rule] = {
    "project.view": Rule(project_visible, needs_account=False),
    "project.edit": Rule(owner, _l("Only the project owner can change its settings.")),
    "project.audit": Rule(owner, _l("Only the project owner can read its audit log.")),
    "project.leaderboard": Rule(sees_every_stage, _l(
        "This project's leaderboard counts work done in stages you may not see."), needs_account=False),
    "project.join": Rule(not_member, _l("You are already a member of this project.")),
    "project.members": Rule(member, _l("Only the project's members can see who else is in it.")),
    "project.manage_members": Rule(member_manager, _l("Only the project's owner and moderators manage its members.")),
    "nda.view": Rule(member, _l("Only the project's members are asked to accept its NDA; join the project first.")),
    "nda.publish": Rule(owner, _l("Only the project owner can publish its NDA.")),
    "idea.view": Rule(idea_visible, needs_account=False),
    "idea.propose": Rule(can_propose, _l("You may not propose ideas in this project.")),
    "idea.edit": Rule(author, _l("Only the author can edit this idea.")),
    "idea.vote": Rule(signed_in),
    "idea.open_vote": Rule(vote_opener, _l("Only the author or the project's managers can open voting on this idea.")),
    "idea.promote": Rule(promoter, _l(
        "In this project, promotion to specification is decided by someone else (see the project's rules).")),
    "idea.veto": Rule(vetoer, _l("Only the sponsor may veto, and only in projects where the crowd decides under "
                                 "the sponsor's veto.")),
    "idea.start_rnd": Rule(selected_sponsor, _l(
        "Only the sponsor selected by the idea's author and the project's moderators takes it into partner R&D.")),
    "idea.express_interest": Rule(sponsor, _l("Only sponsors' R&D teams express interest in ideas.")),
    "idea.choose_partner": Rule(chooser, CHOOSERS_ONLY),
    "idea.partners": Rule(lambda user, idea: sponsor(user, idea) or chooser(user, idea), _l(
        "Offers of partnership are seen by sponsors, the idea's author and the project's owner and moderators.")),
    "interest.view": Rule(interest_party),
    "interest.select": Rule(chooser, CHOOSERS_ONLY),
    "interest.respond": Rule(partner_team, _l("Only the sponsor that expressed this interest can answer for it.")),
    "rnd.scout": Rule(sponsor, _l("The scouting board is for sponsors' R&D teams.")),
    "workspace.know": Rule(invited_or_team),
    "workspace.view": Rule(participant, _l("Accept the project's current NDA to enter this R&D workspace.")),
    "workspace.work": Rule(participant, _l("Only the workspace's participants work in it.")),
    "workspace.invite": Rule(partner_team, _l("Only the partner's team invites contributors into the workspace.")),
    "workspace.publish": Rule(partner_team, _l("Only the partner's team publishes status updates.")),
    "idea.archive": Rule(manager, _l("Only the project's managers can archive an idea.")),
    "spec.view": Rule(idea_visible, needs_account=False),
    "spec.edit": Rule(spec_editor, _l("Only the idea's author, the project's managers and the sponsor's team edit "
                                      "this specification; propose an amendment instead.")),
    "spec.amend": Rule(author_or_member, _l(
        "Only the project's members can propose amendments to this specification; join the project first.")),
    "spec.approve": Rule(member, _l("Only the project's members approve the specification.")),
    "spec.rate": Rule(signed_in),
    "thread.view": Rule(thread_visible, needs_account=False),
    "thread.create": Rule(announcer, _l("Only moderators post announcements.")),
    "thread.post": Rule(signed_in),
    "post.view": Rule(post_visible, needs_account=False),
    "thread.follow": Rule(signed_in),
    "post.edit": Rule(author, _l("Only the author can edit this post.")),
    "post.skip_hold": Rule(trusted_poster,
                           _l("Your first posts here wait for a moderator until your karma is higher.")),
    "post.react": Rule(signed_in),
    "post.flag": Rule(flagger, _l("You cannot flag your own post.")),
    "post.moderate": Rule(forum_moderator, _l("Only moderators can hide or show posts.")),
    "post.appeal": Rule(author, _l("Only the author of a hidden post can appeal.")),
    "thread.moderate": Rule(forum_moderator, _l("Only moderators can lock or pin threads.")),
    "project.moderate": Rule(manager, _l("Only the project's owner and moderators moderate its discussions.")),
    "forum.queue": Rule(lambda user, obj: user.is_moderator, _l("Only moderators see the flag queue.")),
    "user.sanction": Rule(lambda user, target: user.is_moderator and not target.is_admin and target.id != user.id,
                          _l("Only moderators suspend or ban members (and never themselves or an admin).")),
    "attachment.view": Rule(attachment_visible, needs_account=False),
    "token.manage": Rule(token_holder),
    "webhook.manage": Rule(hook_manager),
    "contest.view": Rule(contest_visible, needs_account=False),
    "contest.create": Rule(sponsor, _l("Only sponsors' teams open contests.")),
    "contest.manage": Rule(contest_team, _l("Only the sponsor's team runs this contest.")),
    "contest.enter": Rule(entrant, _l("The sponsor's team does not enter its own contest.")),
    "contest.sign": Rule(contest_winner, _l("Only the winner signs the copyright transfer.")),
    "entry.view": Rule(entry_visible, needs_account=False),
    "entry.withdraw": Rule(author, _l("Only the entry's author can withdraw it.")),
    "entry.revise": Rule(author, _l("Only the entry's author can revise it.")),
    "entry.vote": Rule(not_entry_author, _l("You cannot give a coup de cœur to your own entry.")),
    "entry.comment": Rule(signed_in),
    "entry.judge": Rule(contest_team, _l("Only the sponsor's team judges the entries.")),
    "entry.original": Rule(original_reader, _l(
        "The original files stay with their author until the winner signs the copyright transfer; the sponsor can "
        "download the winning entry's originals once it is signed.")),
    "payouts.view": Rule(signed_in),
    "organisation.dashboard": Rule(organisation_member),
    "attachment.add": Rule(author_or_member, _l("Only the author and the project's members can attach files.")),
    "attachment.delete": Rule(uploader_or_manager, _l("Only who uploaded a file, or a manager, can remove it.")),
}

#: what a suspended member may still do: read
READ_ACTIONS = frozenset(action for action, rule in RULES.items() if action.endswith(".view")) | {
    "project.leaderboard",
    "project.members", "project.audit", "forum.queue", "token.manage", "webhook.manage", "interest.view",
    "workspace.know", "rnd.scout", "payouts.view", "organisation.dashboard"}

#: which rule decides whether a user may know that an object of each kind exists
VIEW_ACTION = {"Project": "project.view", "Idea": "idea.view", "Attachment": "attachment.view",
               "Thread": "thread.view", "Post": "post.view", "ApiToken": "token.manage", "Webhook": "webhook.manage",
               "Interest": "interest.view", "Partnership": "workspace.know",
               "Contest": "contest.view", "Entry": "entry.view", "EntryFile": "entry.view",
               "Organisation": "organisation.dashboard"}  # organisations have no page of their own yet


def can(user, action: str, obj) -> bool:
    """May this user perform this action on this object? Admins may do everything."""
    rule = RULES[action]
    if not user.is_authenticated:
        return not rule.needs_account and rule.allowed(user, obj)
    if user.is_suspended and action not in READ_ACTIONS:
        return False
    return user.is_admin or rule.allowed(user, obj)


def require(user, action: str, obj):
    """Return obj if allowed; else 404 for who may not know it exists, sign-in or 403 otherwise."""
    view_action = VIEW_ACTION.get(type(obj).__name__)
    if obj is None or (view_action and not can(user, view_action, obj)):
        raise NotFound(_l("This page does not exist, or you may not see it."))
    if can(user, action, obj):
        return obj
    if not user.is_authenticated:
        raise SignInRequired(_l("Please sign in to do this."))
    if user.is_suspended and action not in READ_ACTIONS:
        raise Forbidden(_l("Your account is suspended until %(date)s: you can read but not take part.",
                           date=format_datetime(user.suspended_until, "short")))
    raise Forbidden(RULES[action].refusal or _l("You may not do this."))


def visible(query, user):
    """Restrict a select() over ideas or projects to the rows the user may see.

    Every list, count, feed, export and profile passes its query through here; the SQL mirrors
    `sees`, so a row is listed exactly when its page would open.
    """
    if user.is_authenticated and user.is_admin:
        return query
    entity = query.column_descriptions[0]["entity"]
    if entity is Idea:
        policy_project = aliased(Project)
        allowed = _sees_sql(user, policy_project, idea_level(policy_project))
        if user.is_authenticated and user.organisation_id:
            allowed = or_(allowed, Idea.partner_id == user.organisation_id)
        return query.join(policy_project, policy_project.id == Idea.project_id).where(allowed)
    if entity is Project:
        belongs = []
        if user.is_authenticated:
            belongs.append(Project.id.in_(scope(user).member_of))
            if user.organisation_id:
                belongs += [Project.organisation_id == user.organisation_id,
                            Project.id.in_(partnered_projects(user))]
        return query.where(or_(*belongs, *[_sees_sql(user, Project, getattr(Project, f"policy_{stage}"))
                                           for stage in POLICY_STAGES]))
    if entity is Thread:
        return query.where(_readable_threads(user))
    if entity is Contest:
        return query.where(_contests_sql(user))
    if entity is Entry:
        return query.where(_entries_sql(user))
    if entity is Notification:
        return query.where(Notification.thread_id.in_(select(Thread.id).where(_readable_threads(user))))
    raise TypeError(f"visible() does not know how to filter {entity!r}")


def _readable_threads(user):
    """SQL on threads mirroring thread_visible: community threads, and those whose idea or project is visible."""
    ideas = visible(select(Idea.id), user)
    projects = select(Project.id).where(_sees_sql(user, Project, Project.policy_idea))
    return or_(Thread.category.is_not(None), Thread.idea_id.in_(ideas), Thread.project_id.in_(projects),
               Thread.partnership_id.in_(workspaces(user)))


def _contests_sql(user):
    """SQL on contests mirroring contest_visible."""
    opened = Contest.phase != Phase.DRAFT
    if user.is_authenticated and user.organisation_id:
        opened = or_(opened, Contest.organisation_id == user.organisation_id)
    return and_(opened, or_(Contest.project_id.is_(None), Contest.project_id.in_(visible(select(Project.id), user))))


def _entries_sql(user):
    """SQL on entries mirroring entry_visible: nobody is ever counted or shown someone else's private entry."""
    if not user.is_authenticated:
        return false()
    seen = select(Contest.id).where(_contests_sql(user))
    public = seen.where(Contest.kind == ContestKind.CONTEST, Contest.phase.not_in((Phase.DRAFT, Phase.PRIVATE)))
    others = [Entry.contest_id.in_(public)]
    if user.organisation_id:
        others.append(Entry.contest_id.in_(seen.where(Contest.organisation_id == user.organisation_id)))
    return or_(and_(Entry.author_id == user.id, Entry.contest_id.in_(seen)),
               and_(Entry.withdrawn_at.is_(None), or_(*others)))
