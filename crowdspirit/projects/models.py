"""Projects (fields a sponsor opens, or concepts a member carries), their gates and members."""

import enum
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, case
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..database import utcnow
from ..extensions import db
from ..visibility import ANY_STAGE, LEVELS, Visibility


class ProjectKind(enum.StrEnum):
    """Sponsored by a company, or carried by a member (both exist in the field study)."""

    SPONSORED = "sponsored"
    SELF_CARRIED = "self_carried"


class Decider(enum.StrEnum):
    """Who decides at a gate of the pipeline: opening voting (idea -> vote), promotion to specification (vote ->
    spec), choosing the R&D partner (an offer selected, then accepted by its sponsor)."""

    #: the crowd: automatically at the gate's threshold (supports, votes, backers); the idea's author and the project's
    #: managers may also act (at gates 1 and 3 at any time, at gate 2 once the vote threshold is reached)
    COMMUNITY = "community"
    SPONSOR = "sponsor"  # the sponsoring organisation's team (its viewers aside)
    MODERATOR = "moderator"  # the project's managers (owner and moderators), as a jury
    SHORTLIST = "shortlist"  # the crowd shortlists (what reaches the threshold), the sponsor picks among them
    VETO = "veto"  # automatically at the threshold, but the sponsor may veto within veto_days


#: the deciders that give the sponsoring organisation a say (sponsored projects only)
SPONSOR_DECIDERS = (Decider.SPONSOR, Decider.SHORTLIST, Decider.VETO)
#: the deciders under which reaching the gate's threshold decides at once
CROWD_DECIDERS = (Decider.COMMUNITY, Decider.VETO)
#: the deciders under which the crowd's signal counts at all (the crowd supports, votes or backs)
CROWD_SAY = (Decider.COMMUNITY, Decider.SHORTLIST, Decider.VETO)
#: the gates, by the column naming their decider
GATE_COLUMNS = ("vote_decider", "promotion_decider", "partner_decider")


#: the per-stage policies a new project starts with, by kind (idea, vote, spec, partner R&D)
DEFAULT_POLICIES = {
    ProjectKind.SPONSORED: (Visibility.PUBLIC, Visibility.PUBLIC, Visibility.PROJECT, Visibility.CONFIDENTIAL),
    ProjectKind.SELF_CARRIED: (Visibility.PUBLIC, Visibility.PUBLIC, Visibility.COMMUNITY, Visibility.PROJECT),
}
POLICY_STAGES = ("idea", "vote", "spec", "partner_rnd")


#: the schedule's say on the stages' levels (projects.schedule registers it): levels(stage) -> {project id: level}
#: for the projects whose stored policy a passed boundary overrides, and set_by_hand(project id, stage) when a stage's
#: level is set by hand (it replaces the scheduled changes already passed)
_SCHEDULES: list[tuple[Callable[[str], dict], Callable[[int, str], None]]] = []


def follow_schedule(levels: Callable[[str], dict], set_by_hand: Callable[[int, str], None]) -> None:
    """Let a schedule say, at read time, which level each stage has now (Project.policy_* follow it), and hear when
    a level is set by hand."""
    _SCHEDULES[:] = [(levels, set_by_hand)]


def _scheduled_levels(stage: str) -> dict:
    """stage's levels set by a passed scheduled change and not yet stored, by project id."""
    return _SCHEDULES[0][0](stage) if _SCHEDULES else {}


def _stage_policy(stage: str) -> hybrid_property:
    """A stage's visibility now: the stored one, unless a scheduled change whose moment has passed says otherwise.
    The same in Python and in SQL, so that pages, counts, lists and search switch together at the boundary."""
    stored = f"stored_policy_{stage}"

    def now(project) -> str:
        return _scheduled_levels(stage).get(project.id) or getattr(project, stored)

    def store(project, level) -> None:
        setattr(project, stored, level)
        if _SCHEDULES and project.id is not None:
            _SCHEDULES[0][1](project.id, stage)

    def now_sql(cls):
        levels = _scheduled_levels(stage)
        column = getattr(cls, stored)
        return case(levels, value=cls.id, else_=column) if levels else column

    now.__name__ = store.__name__ = now_sql.__name__ = f"policy_{stage}"
    return hybrid_property(now, store, expr=now_sql)


class MemberRole(enum.StrEnum):
    """A user's role inside one project."""

    OWNER = "owner"
    MODERATOR = "moderator"
    CONTRIBUTOR = "contributor"


class Project(db.Model):
    """A field to explore (sponsored) or a concept to develop (self-carried), with its gates."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default=ProjectKind.SELF_CARRIED)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: the sponsoring organisation (sponsored projects only)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: who opens voting on an idea (gate 1; see Decider)
    vote_decider: Mapped[str] = mapped_column(String(20), default=Decider.COMMUNITY, server_default="community")
    #: members' supports that open voting on an idea (community, veto) or shortlist it (shortlist)
    support_threshold: Mapped[int] = mapped_column(default=5, server_default="5")
    #: votes needed before an idea may be promoted to specification
    vote_threshold: Mapped[int] = mapped_column(default=10)
    #: how long an idea stays open for votes once voting opens
    voting_days: Mapped[int] = mapped_column(default=14)
    #: who promotes a voted idea to specification (gate 2; see Decider)
    promotion_decider: Mapped[str] = mapped_column(String(20), default=Decider.COMMUNITY)
    #: who chooses the offer of partnership that takes an idea into R&D (gate 3; see Decider)
    partner_decider: Mapped[str] = mapped_column(String(20), default=Decider.COMMUNITY, server_default="community")
    #: members backing an offer of partnership that select it (community, veto) or shortlist it (shortlist)
    backing_threshold: Mapped[int] = mapped_column(default=5, server_default="5")
    #: under the veto decider: days after a crowd decision during which the sponsor may veto it
    veto_days: Mapped[int] = mapped_column(default=7, server_default="7")
    #: members' approvals of the current spec revision needed before partner R&D
    spec_approvals_needed: Mapped[int] = mapped_column(default=2, server_default="2")
    #: the only organisation that may take ideas into partner R&D; None lets any sponsor express interest
    rnd_partner_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    #: hold a member's first post in the project's discussions until a moderator approves it
    hold_first_posts: Mapped[bool] = mapped_column(default=False)
    #: who may see the project's ideas in each stage (see Visibility), until a scheduled change's moment passes
    #: (projects.schedule moves the stored value then; read the policy_* attributes, which follow the schedule)
    stored_policy_idea: Mapped[str] = mapped_column("policy_idea", String(20),
                                                    server_default=Visibility.PUBLIC.value)
    stored_policy_vote: Mapped[str] = mapped_column("policy_vote", String(20),
                                                    server_default=Visibility.PUBLIC.value)
    stored_policy_spec: Mapped[str] = mapped_column("policy_spec", String(20),
                                                    server_default=Visibility.PROJECT.value)
    stored_policy_partner_rnd: Mapped[str] = mapped_column("policy_partner_rnd", String(20),
                                                           server_default=Visibility.CONFIDENTIAL.value)
    policy_idea = _stage_policy("idea")
    policy_vote = _stage_policy("vote")
    policy_spec = _stage_policy("spec")
    policy_partner_rnd = _stage_policy("partner_rnd")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    rnd_partner: Mapped[Organisation | None] = relationship(foreign_keys=[rnd_partner_id])
    memberships: Mapped[list["ProjectMembership"]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )

    def policy(self, stage: str) -> str:
        """The visibility of the project's ideas in a pipeline stage; ANY_STAGE: the most open one (what the project's
        own summary follows); unknown stages fail closed."""
        if stage == ANY_STAGE:
            return min((self.policy(stage) for stage in POLICY_STAGES), key=LEVELS.index)
        return getattr(self, f"policy_{stage}") if stage in POLICY_STAGES else Visibility.CONFIDENTIAL

    @property
    def access_policy(self) -> tuple:
        """A project protects itself, with all its stages (access.governed_by)."""
        return self, ANY_STAGE


class JoinRequest(db.Model):
    """A member asks to join a project; the owner or a project moderator decides."""

    __tablename__ = "join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    message: Mapped[str] = mapped_column(String(500), default="")
    #: pending, approved or refused
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    project: Mapped[Project] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Invitation(db.Model):
    """An invitation to join a project: for one user, or for whoever holds the link."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    #: the secret part of the invitation link
    token: Mapped[str] = mapped_column(String(64), unique=True)
    #: set for an invitation addressed to one user; None for a link anyone may use until it expires
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(default=False)

    project: Mapped[Project] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class NdaVersion(db.Model):
    """One published version of a project's non-disclosure agreement; the newest is current."""

    __tablename__ = "nda_versions"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class NdaAcceptance(db.Model):
    """A user accepted one NDA version: who, which version, when, from which address."""

    __tablename__ = "nda_acceptances"
    __table_args__ = (UniqueConstraint("nda_version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nda_version_id: Mapped[int] = mapped_column(ForeignKey("nda_versions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship()


class ProjectMembership(db.Model):
    """A user's role in a project."""

    __tablename__ = "project_memberships"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=MemberRole.CONTRIBUTOR)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()
