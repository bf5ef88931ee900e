"""Partner R&D rules: scouting, interest -> selection -> partnership, the workspace's work, public status updates.

Money: accepting a partnership moves its reward pool from the sponsor's account to the partnership's escrow; the
partner's team pays the workspace's invited contributors from it (each payment confirmed by the payer, in full: like
a contest's participation pool, the platform takes no share of it); when the idea leaves partner R&D (archived, the
partnership's end) what is left returns to the sponsor. Every movement is one balanced ledger transaction.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from flask import url_for
from flask_babel import format_currency, format_datetime, lazy_ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, false, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from .. import access, clock, notices
from ..access import can, fact, forget_facts, require, visible
from ..accounts.models import Organisation, User
from ..attachments import services as attachments
from ..audit import services as audit
from ..database import insert_once, utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..forum import services as forum
from ..ledger import services as ledger
from ..notifications.models import Notification
from ..pipeline import services as pipeline
from ..pipeline.models import Idea, Stage, Tag
from ..projects.models import CROWD_DECIDERS, Decider
from ..projects.services import manager_ids
from ..specs.models import Amendment, SpecRevision
from ..specs.services import readiness_of
from .models import (
    Backing,
    Decision,
    Document,
    DocumentVersion,
    Interest,
    InterestStatus,
    Milestone,
    Partnership,
    StatusUpdate,
    Task,
    WorkspaceMember,
)

BOARD_LIMIT = 500  # spec-stage ideas considered by one scouting board view
BOARD_SORTS = ("votes", "newest", "readiness")
OPEN = (InterestStatus.PENDING, InterestStatus.SELECTED)
#: a milestone's participants are told this many days before it is due (or later, while it is still ahead)
MILESTONE_NOTICE_DAYS = 2


# --- Scouting board ------------------------------------------------------------------------------
@dataclass
class Candidate:
    """An idea on the scouting board, with what a sponsor weighs."""

    idea: Idea
    readiness: object
    contributors: int
    expertise: list[str]
    #: the viewer's organisation's interest in it, if any
    interest: Interest | None


def _contributors(idea_ids: list[int]) -> dict[int, set[int]]:
    """idea id -> the users who wrote it, its spec revisions or its amendments."""
    rows = db.session.execute(
        select(Idea.id, Idea.author_id).where(Idea.id.in_(idea_ids))
        .union(select(SpecRevision.idea_id, SpecRevision.author_id).where(SpecRevision.idea_id.in_(idea_ids)),
               select(Amendment.idea_id, Amendment.author_id).where(Amendment.idea_id.in_(idea_ids)))).all()
    found: dict[int, set[int]] = {}
    for idea_id, user_id in rows:
        found.setdefault(idea_id, set()).add(user_id)
    return found


def scouting_board(user, *, project_id=None, tag="", min_votes=0, ready_only=False, skill="",
                   sort="votes") -> list[Candidate]:
    """Ideas in specification the sponsor may see, with readiness, contributors and their expertise, filtered."""
    query = visible(select(Idea).where(Idea.stage == Stage.SPEC, Idea.vote_count >= min_votes)
                    .options(joinedload(Idea.project), selectinload(Idea.tags)), user)
    if project_id is not None:
        query = query.where(Idea.project_id == project_id)
    if tag:
        query = query.where(Idea.tags.any(Tag.name == tag))
    order = {"newest": Idea.id.desc(), "votes": Idea.vote_count.desc()}.get(sort, Idea.vote_count.desc())
    ideas = db.session.scalars(query.order_by(order, Idea.id.desc()).limit(BOARD_LIMIT)).unique().all()
    checklists = readiness_of(ideas)
    people = _contributors([idea.id for idea in ideas])
    skills = {u.id: u.skill_list for u in db.session.scalars(
        select(User).where(User.id.in_(set().union(*people.values())))) } if people else {}
    interests = {i.idea_id: i for i in db.session.scalars(select(Interest).where(
        Interest.organisation_id == user.organisation_id, Interest.idea_id.in_([i.id for i in ideas])))}
    board = []
    for idea in ideas:
        expertise = Counter(s.lower() for person in people.get(idea.id, ()) for s in skills.get(person, ()))
        if (ready_only and not checklists[idea.id].ready) or (skill and skill.lower() not in expertise):
            continue
        board.append(Candidate(idea, checklists[idea.id], len(people.get(idea.id, ())),
                               [name for name, _count in expertise.most_common(5)], interests.get(idea.id)))
    if sort == "readiness":
        board.sort(key=lambda c: (not c.readiness.ready, -c.readiness.approvals, -c.idea.vote_count))
    return board


# --- Interest, selection, partnership ------------------------------------------------------------
def _check_open_for_partners(idea: Idea) -> None:
    if idea.stage != Stage.SPEC:
        raise Conflict(_l("Only ideas in specification can be offered a partnership."))


def express_interest(idea: Idea, user, pitch: str, terms: str, reward_pool_cents: int, currency: str,
                     ip_arrangement: str) -> Interest:
    """The sponsor offers to take the idea into partner R&D on these terms (again, after a withdrawal)."""
    _check_open_for_partners(idea)
    partner = idea.project.rnd_partner_id
    if partner is not None and partner != user.organisation_id:
        raise Conflict(_l("Only %(name)s may take this project's ideas into partner R&D.",
                          name=idea.project.rnd_partner.name))
    interest = db.session.scalar(select(Interest).where(Interest.idea_id == idea.id,
                                                        Interest.organisation_id == user.organisation_id))
    if interest is not None and interest.status in (*OPEN, InterestStatus.ACCEPTED):
        raise Conflict(_l("Your organisation has already offered to partner on this idea."))
    if interest is None:
        interest = Interest(idea=idea, organisation_id=user.organisation_id)
        db.session.add(interest)
    interest.user_id, interest.pitch, interest.terms = user.id, pitch.strip(), terms.strip()
    interest.reward_pool_cents, interest.currency, interest.ip_arrangement = reward_pool_cents, currency, ip_arrangement
    interest.status, interest.created_at, interest.decided_by_id, interest.decided_at = (
        InterestStatus.PENDING, utcnow(), None, None)
    audit.record(idea.project_id, user, "rnd.interest", f"idea #{idea.id}", user.organisation.name)
    db.session.flush()  # the notice names the interest by its key
    notices.tell("rnd.offer", interest, to=choosers(idea), actor=user, note=interest.pitch)
    db.session.commit()
    return interest


def choosers(idea: Idea) -> set[int]:
    """The ids of those who choose the idea's R&D partner, by the project's gate 3 decider: the sponsor's team, the
    project's owner and moderators, or (the crowd backs offers) the idea's author and them."""
    decider = idea.project.partner_decider
    if decider in (Decider.SPONSOR, Decider.SHORTLIST):
        return pipeline.deciders(idea.project, decider)
    if decider == Decider.MODERATOR:
        return manager_ids(idea.project)
    return {idea.author_id, *manager_ids(idea.project)}


def team(organisation_id: int) -> set[int]:
    """The ids of an organisation's members (a sponsor's team)."""
    return set(db.session.scalars(select(User.id).where(User.organisation_id == organisation_id)))


def interests(idea: Idea, user) -> list[Interest]:
    """The offers on an idea that the user may know of: all for those who choose, their own for a sponsor."""
    query = select(Interest).where(Interest.idea_id == idea.id).options(
        joinedload(Interest.organisation), joinedload(Interest.user)).order_by(Interest.id)
    return [i for i in db.session.scalars(query) if can(user, "interest.view", i)]


def load_interest(interest_id: int, user, action: str) -> Interest:
    """The interest if the user may do action on it (404 for who may not know it)."""
    return require(user, action, db.session.get(Interest, interest_id))


def _decide(interest: Interest, user, expected: tuple, status: InterestStatus, message) -> None:
    """Move the interest from one of the expected statuses to status (compare-and-set; user None: the crowd's
    backing decided), or refuse."""
    changed = db.session.execute(update(Interest).where(Interest.id == interest.id, Interest.status.in_(expected))
                                 .values(status=status, decided_by_id=user and user.id, decided_at=utcnow())).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(message)


def check_backed(interest: Interest) -> None:
    """Where the crowd shortlists offers or chooses under the sponsor's veto, only an offer at the backing threshold
    may be selected."""
    project = interest.idea.project
    if project.partner_decider in (Decider.SHORTLIST, Decider.VETO) \
            and interest.backer_count < project.backing_threshold:
        raise Conflict(lazy_ngettext("This offer needs %(num)d member's backing to be selected; it has %(c)d.",
                                     "This offer needs %(num)d members' backing to be selected; it has %(c)d.",
                                     project.backing_threshold, c=interest.backer_count))


def _select(interest: Interest, user) -> None:
    """Select the offer (user None: the crowd's backing did) unless another one is, and tell its sponsor's team and
    the idea's author (uncommitted)."""
    _check_open_for_partners(interest.idea)
    chosen = db.session.scalar(select(Interest).where(Interest.idea_id == interest.idea_id,
                                                      Interest.status == InterestStatus.SELECTED))
    if chosen is not None:
        raise Conflict(_l("%(name)s is selected already; wait for its answer or cancel the selection.",
                          name=chosen.organisation.name))
    _decide(interest, user, (InterestStatus.PENDING,), InterestStatus.SELECTED,
            _l("This offer is no longer open."))
    audit.record(interest.idea.project_id, user, "rnd.selected", f"idea #{interest.idea_id}",
                 interest.organisation.name)
    notices.tell("rnd.selected" if user else "rnd.backed_selected", interest, to=team(interest.organisation_id),
                 actor=user)
    notices.tell("rnd.chosen", interest, to=choosers(interest.idea) if user is None else {interest.idea.author_id},
                 actor=user, detail=interest.organisation.name)


def select_interest(interest: Interest, user) -> None:
    """Those who choose (the project's partner decider) select this sponsor; the sponsor then accepts or declines."""
    check_backed(interest)
    _select(interest, user)
    db.session.commit()


ALREADY_BACKED = _l("You already back this offer.")
_OFFERS = Interest.__table__
#: add to an offer's backer count in SQL (atomic under concurrent backings) and read the new count back, while the
#: offer waits for a choice
_COUNT_BACKING = (update(_OFFERS).where(_OFFERS.c.id == bindparam("offer"), _OFFERS.c.status == InterestStatus.PENDING)
                  .values(backer_count=_OFFERS.c.backer_count + bindparam("change")).returning(_OFFERS.c.backer_count))


def _count_backing(interest: Interest, change: int) -> int:
    """Add change to the offer's backer count in the backing's transaction and return the new count; an offer chosen
    or withdrawn meanwhile refuses it, the backing's row rolled back with it."""
    count = db.session.execute(_COUNT_BACKING, {"offer": interest.id, "change": change}).scalar_one_or_none()
    if count is None:
        db.session.rollback()
        raise Conflict(_l("This offer is no longer waiting for a choice."))
    return count


def back(interest: Interest, user) -> int:
    """The member backs the offer and the new count is returned; at the backing threshold its deciders are told and,
    where the crowd chooses, the offer is selected (unless another one is)."""
    _check_open_for_partners(interest.idea)
    if not insert_once(Backing, interest_id=interest.id, user_id=user.id, created_at=utcnow()):
        db.session.rollback()
        raise Conflict(ALREADY_BACKED)
    count = _count_backing(interest, +1)
    project = interest.idea.project
    if count == project.backing_threshold:
        pipeline.tell_deciders(interest, "rnd.backed", project.partner_decider)
    db.session.commit()
    if project.partner_decider in CROWD_DECIDERS and count >= project.backing_threshold:
        try:
            _select(interest, None)
        except Conflict:  # another offer is selected, or this one was chosen meanwhile: the backing stays counted
            db.session.rollback()
        else:
            db.session.commit()
    return count


def unback(interest: Interest, user) -> int:
    """The member takes their backing back while the offer waits for a choice; the new count is returned."""
    removed = db.session.execute(delete(Backing).where(Backing.interest_id == interest.id,
                                                       Backing.user_id == user.id)).rowcount
    if not removed:
        db.session.rollback()
        raise Conflict(_l("You do not back this offer."))
    count = _count_backing(interest, -1)
    db.session.commit()
    return count


def backed_offers(idea: Idea, user) -> set[int]:
    """The ids of the idea's offers the user backs."""
    if not user.is_authenticated:
        return set()
    return set(db.session.scalars(select(Backing.interest_id).join(Interest, Interest.id == Backing.interest_id)
                                  .where(Interest.idea_id == idea.id, Backing.user_id == user.id)))


def veto_deadline(interest: Interest):
    """Until when the project's sponsor may veto the offer the crowd selected (None: no veto possible)."""
    project = interest.idea.project
    if (project.partner_decider != Decider.VETO or interest.status != InterestStatus.SELECTED
            or interest.decided_by_id is not None or interest.decided_at is None):
        return None
    return interest.decided_at + timedelta(days=project.veto_days)


def veto_open_until(interest: Interest):
    """The veto deadline of the crowd's selection while it is still ahead (None once passed, or none applies)."""
    return pipeline.open_until(veto_deadline(interest))


def veto_offer(interest: Interest, user, reason: str) -> None:
    """The project's sponsor vetoes the offer the crowd selected, within the veto window, saying why: it is declined,
    its team and the idea's author are told why."""
    pipeline.check_veto(veto_deadline(interest), reason, _l("Only an offer the crowd has just selected can be vetoed."),
                        _l("Say why the sponsor vetoes this offer."))
    _decide(interest, user, (InterestStatus.SELECTED,), InterestStatus.DECLINED, _l("This offer is no longer open."))
    audit.record(interest.idea.project_id, user, "rnd.vetoed", f"idea #{interest.idea_id}",
                 f"{interest.organisation.name}: {reason.strip()}"[:200])
    notices.tell("rnd.vetoed", interest, to=team(interest.organisation_id) | choosers(interest.idea), actor=user,
                 note=reason.strip())
    db.session.commit()


def cancel_selection(interest: Interest, user) -> None:
    """Take a selection back before the sponsor answers: the offer waits again with the others."""
    _decide(interest, user, (InterestStatus.SELECTED,), InterestStatus.PENDING,
            _l("This offer is not selected (or was answered meanwhile)."))
    db.session.commit()


def withdraw_interest(interest: Interest, user) -> None:
    """The sponsor takes back its offer while it is open."""
    _decide(interest, user, OPEN, InterestStatus.WITHDRAWN, _l("This offer is no longer open."))
    db.session.commit()


def decline_selection(interest: Interest, user) -> None:
    """The selected sponsor turns the partnership down; the author and moderators may choose another."""
    _decide(interest, user, (InterestStatus.SELECTED,), InterestStatus.DECLINED,
            _l("Your organisation has not been selected for this idea (or has answered already)."))
    db.session.commit()


def open_partnership(idea: Idea, organisation_id: int, accepted_by=None, interest: Interest | None = None
                     ) -> Partnership:
    """Add (uncommitted) the partnership that takes the idea into R&D, with the author invited into its workspace
    and the workspace's private thread."""
    partnership = Partnership(idea=idea, organisation_id=organisation_id, interest=interest,
                              accepted_by_id=accepted_by and accepted_by.id)
    if interest is not None:
        partnership.terms, partnership.reward_pool_cents = interest.terms, interest.reward_pool_cents
        partnership.currency, partnership.ip_arrangement = interest.currency, interest.ip_arrangement
    partnership.members.append(WorkspaceMember(user_id=idea.author_id, invited_by_id=accepted_by and accepted_by.id))
    db.session.add(partnership)
    forum.open_partnership_thread(partnership)
    return partnership


def check_unvetoable(interest: Interest) -> None:
    """A selection the project's sponsor may still veto waits for its window to close (the sponsor's own offer
    does not)."""
    until = veto_open_until(interest)
    if until is not None and interest.organisation_id != interest.idea.project.organisation_id:
        raise Conflict(_l("The project's sponsor may veto this selection until %(date)s: accept it after that.",
                          date=format_datetime(until, "short")))


def accept(interest: Interest, user, message: str = "") -> Partnership:
    """The selected sponsor accepts: the partnership is recorded and the idea moves to partner R&D, at once."""
    if interest.status != InterestStatus.SELECTED:
        raise Conflict(_l("Your organisation has not been selected for this idea (or has answered already)."))
    check_unvetoable(interest)
    idea = interest.idea
    try:
        partnership = open_partnership(idea, interest.organisation_id, user, interest)
        _fund_pool(partnership)
        _decide(interest, user, (InterestStatus.SELECTED,), InterestStatus.ACCEPTED,
                _l("Your organisation has not been selected for this idea (or has answered already)."))
        db.session.execute(update(Interest).where(Interest.idea_id == idea.id, Interest.id != interest.id,
                                                  Interest.status.in_(OPEN))
                           .values(status=InterestStatus.DECLINED, decided_at=utcnow()))
        notices.tell("rnd.accepted", interest, to=choosers(idea), actor=user, note=message)
        pipeline.transition(idea, Stage.PARTNER_RND, user, message or str(_l("Partnership accepted.")),
                            interest.organisation, direct=False)
    except DomainError:
        db.session.rollback()
        raise
    return partnership


# --- The workspace -------------------------------------------------------------------------------
def partnership_of(idea: Idea) -> Partnership | None:
    """The partnership that took the idea into R&D, if any."""
    return db.session.scalar(select(Partnership).where(Partnership.idea_id == idea.id))


def load_workspace(idea_id: int, user, action: str = "workspace.view") -> Partnership:
    """The partnership of the idea if the user may do action in its workspace (404 for who may not know it)."""
    idea = db.session.get(Idea, idea_id)
    return require(user, action, idea and partnership_of(idea))


@dataclass
class Participant:
    """Someone in the workspace: the partner's team by right, or an invited contributor."""

    user: User
    invited: WorkspaceMember | None
    #: False for an invited contributor who has not accepted the project's current NDA yet
    cleared: bool


def participants(partnership: Partnership) -> list[Participant]:
    """The partner's team, then the invited contributors, each saying whether they may enter yet."""
    team = db.session.scalars(select(User).where(User.organisation_id == partnership.organisation_id)
                              .order_by(User.display_name)).all()
    invited = db.session.scalars(select(WorkspaceMember).where(WorkspaceMember.partnership_id == partnership.id)
                                 .options(joinedload(WorkspaceMember.user)).order_by(WorkspaceMember.id)).all()
    return [Participant(u, None, True) for u in team] + [
        Participant(m.user, m, partnership.id in fact("workspaces", m.user)) for m in invited
        if m.user.organisation_id != partnership.organisation_id]


def invite(partnership: Partnership, inviter, email_or_name: str) -> WorkspaceMember:
    """Invite a community member into the workspace, by email or display name."""
    text = email_or_name.strip()
    user = db.session.scalar(select(User).where(
        (func.lower(User.email) == text.lower()) | (func.lower(User.display_name) == text.lower())))
    if user is None or user.banned:
        raise DomainError(_l("No member has this email or name."))
    exists = db.session.scalar(select(WorkspaceMember.id).where(WorkspaceMember.partnership_id == partnership.id,
                                                                WorkspaceMember.user_id == user.id))
    if exists is not None or user.organisation_id == partnership.organisation_id:
        raise Conflict(_l("%(name)s is in this workspace already.", name=user.display_name))
    member = WorkspaceMember(partnership=partnership, user=user, invited_by_id=inviter.id)
    db.session.add(member)
    audit.record(partnership.idea.project_id, inviter, "rnd.invited", f"idea #{partnership.idea_id}",
                 user.display_name)
    access.changed(partnership.idea.project_id, "rnd.invited")
    db.session.flush()  # the notice names the invitation by its key
    notices.tell("rnd.invited", member, to=[user.id], actor=inviter)
    db.session.commit()
    return member


def remove_member(partnership: Partnership, remover, user_id: int) -> None:
    """Take an invited contributor out of the workspace (the idea's author always stays); live readers leave."""
    if user_id == partnership.idea.author_id:
        raise Conflict(_l("The idea's author always takes part in its workspace."))
    member = db.session.scalar(select(WorkspaceMember).where(WorkspaceMember.partnership_id == partnership.id,
                                                             WorkspaceMember.user_id == user_id))
    if member is None:
        raise NotFound(_l("This person is not invited into this workspace."))
    db.session.delete(member)
    audit.record(partnership.idea.project_id, remover, "rnd.removed", f"idea #{partnership.idea_id}",
                 member.user.display_name)
    access.changed(partnership.idea.project_id, "rnd.removed")
    forget_facts(member.user)
    db.session.commit()


def _check_owner(partnership: Partnership, owner_id: int) -> None:
    """A milestone's owner must be one of the workspace's participants."""
    if not any(p.user.id == owner_id and p.cleared for p in participants(partnership)):
        raise DomainError(_l("Choose the milestone's owner among the workspace's participants."))


def add_milestone(partnership: Partnership, title: str, owner_id: int | None, due_on: date) -> Milestone:
    """Plan a milestone with an owner and a due date."""
    if not owner_id:
        raise DomainError(_l("Every milestone needs an owner."))
    _check_owner(partnership, owner_id)
    milestone = Milestone(partnership=partnership, title=title.strip(), owner_id=owner_id, due_on=due_on)
    db.session.add(milestone)
    db.session.commit()
    return milestone


def remind_due_milestones() -> int:
    """Tell the participants of each open milestone due within MILESTONE_NOTICE_DAYS, once per milestone (run
    daily); returns how many milestones were told of."""
    today = clock.now().date()
    told = select(Notification.subject_id).where(Notification.kind == "rnd.milestone",
                                                 Notification.subject_type == Milestone.__name__)
    due = db.session.scalars(select(Milestone).where(
        Milestone.done_at.is_(None), Milestone.due_on.between(today, today + timedelta(days=MILESTONE_NOTICE_DAYS)),
        Milestone.id.not_in(told)).order_by(Milestone.id)).all()
    for milestone in due:
        notices.tell("rnd.milestone", milestone,
                     to=[p.user.id for p in participants(milestone.partnership) if p.cleared])
    db.session.commit()
    return len(due)


def load_milestone(milestone_id: int, user) -> Milestone:
    """The milestone if the user works in its workspace."""
    milestone = db.session.get(Milestone, milestone_id)
    require(user, "workspace.work", milestone and milestone.partnership)
    return milestone


def add_task(milestone: Milestone, text: str) -> Task:
    """Add an item to a milestone's checklist (an open milestone only)."""
    if milestone.done_at is not None:
        raise Conflict(_l("This milestone is done; reopen it to add tasks."))
    task = Task(milestone=milestone, text=text.strip())
    db.session.add(task)
    db.session.commit()
    return task


def toggle_task(milestone: Milestone, task_id: int, user) -> Task:
    """Tick or untick a task of an open milestone."""
    task = db.session.get(Task, task_id)
    if task is None or task.milestone_id != milestone.id:
        raise NotFound(_l("This task does not exist."))
    if milestone.done_at is not None:
        raise Conflict(_l("This milestone is done; reopen it to change its tasks."))
    task.done_at, task.done_by_id = (None, None) if task.done_at else (utcnow(), user.id)
    db.session.commit()
    return task


def complete_milestone(milestone: Milestone) -> None:
    """Mark the milestone done once every task is."""
    if milestone.done_at is not None:
        raise Conflict(_l("This milestone is done already."))
    left = sum(task.done_at is None for task in milestone.tasks)
    if left:
        raise Conflict(lazy_ngettext("%(num)d task of this milestone is still open.",
                                     "%(num)d tasks of this milestone are still open.", left))
    milestone.done_at = utcnow()
    db.session.commit()


def reopen_milestone(milestone: Milestone) -> None:
    """Reopen a milestone marked done."""
    if milestone.done_at is None:
        raise Conflict(_l("This milestone is open already."))
    milestone.done_at = None
    db.session.commit()


def upload_document(partnership: Partnership, user, title: str, filename: str, content: bytes,
                    note: str = "") -> DocumentVersion:
    """Store a file as the next version of the workspace document with this title (a new document if none)."""
    title = title.strip()
    document = db.session.scalar(select(Document).where(Document.partnership_id == partnership.id,
                                                        Document.title == title))
    attachment = attachments.attach(partnership.idea, user, "rnd", filename, content)
    if document is None:
        document = Document(partnership=partnership, title=title)
        db.session.add(document)
    number = 1 + (db.session.scalar(select(func.max(DocumentVersion.number)).where(
        DocumentVersion.document_id == document.id)) or 0) if document.id else 1
    version = DocumentVersion(document=document, number=number, attachment=attachment, note=note.strip())
    db.session.add(version)
    db.session.commit()
    return version


def record_decision(partnership: Partnership, user, title: str, rationale: str) -> Decision:
    """Add an entry to the decisions log."""
    decision = Decision(partnership=partnership, author_id=user.id, title=title.strip(), rationale=rationale.strip())
    db.session.add(decision)
    db.session.commit()
    return decision


@dataclass
class Workspace:
    """Everything a workspace page shows."""

    partnership: Partnership
    participants: list
    milestones: list
    documents: list
    decisions: list
    updates: list
    thread: object


def workspace(partnership: Partnership) -> Workspace:
    """The workspace's participants, plan, documents, decisions, public updates and private thread."""
    milestones = db.session.scalars(select(Milestone).where(Milestone.partnership_id == partnership.id)
                                    .options(joinedload(Milestone.owner), selectinload(Milestone.tasks))
                                    .order_by(Milestone.done_at.is_not(None), Milestone.due_on, Milestone.id)).all()
    documents = db.session.scalars(select(Document).where(Document.partnership_id == partnership.id)
                                   .options(selectinload(Document.versions).joinedload(DocumentVersion.attachment))
                                   .order_by(Document.title)).all()
    decisions = db.session.scalars(select(Decision).where(Decision.partnership_id == partnership.id)
                                   .options(joinedload(Decision.author)).order_by(Decision.id.desc())).all()
    return Workspace(partnership, participants(partnership), milestones, documents, decisions,
                     updates_of(partnership), forum.thread_of_partnership(partnership))


# --- Public status updates -----------------------------------------------------------------------
def publish_update(partnership: Partnership, user, headline: str, body: str) -> StatusUpdate:
    """The sponsor tells the community what became of the idea; everyone who may see the project reads it."""
    update_ = StatusUpdate(partnership=partnership, author_id=user.id, headline=headline.strip(), body=body.strip())
    db.session.add(update_)
    audit.record(partnership.idea.project_id, user, "rnd.update", f"idea #{partnership.idea_id}", headline[:100])
    db.session.commit()
    return update_


def updates_of(partnership: Partnership) -> list:
    """A partnership's public updates, newest first, as rows (see _updates_statement)."""
    return db.session.execute(_updates_statement(of_project=False), {"partnership": partnership.id}).all()


def project_updates(project, limit: int = 20) -> list:
    """The latest public updates of a project's partnerships (shown on the project page), newest first, as rows."""
    return db.session.execute(_updates_statement(of_project=True), {"project": project.id, "limit": limit}).all()


@cache
def _updates_statement(of_project: bool):
    """The public updates of partnership "partnership", or the newest "limit" of project "project", newest first, as
    rows (id, headline, body, created_at, author: their name, organisation: the sponsor's name); built once each."""
    query = (select(StatusUpdate.id, StatusUpdate.headline, StatusUpdate.body, StatusUpdate.created_at,
                    User.display_name.label("author"), Organisation.name.label("organisation"))
             .join(Partnership, Partnership.id == StatusUpdate.partnership_id)
             .join(Organisation, Organisation.id == Partnership.organisation_id)
             .outerjoin(User, User.id == StatusUpdate.author_id).order_by(StatusUpdate.id.desc()))
    if not of_project:
        return query.where(StatusUpdate.partnership_id == bindparam("partnership"))
    return (query.join(Idea, Idea.id == Partnership.idea_id)
            .where(Idea.project_id + 0 == bindparam("project"))  # a value: SQLite starts from the few partnerships
            .limit(bindparam("limit")))


def my_workspaces(user) -> list[tuple[Partnership, bool]]:
    """The workspaces the user works in or is invited to, each with whether they may enter yet (NDA)."""
    invited = select(WorkspaceMember.partnership_id).where(WorkspaceMember.user_id == user.id)
    own = Partnership.organisation_id == user.organisation_id if user.organisation_id else false()
    found = db.session.scalars(select(Partnership).where(or_(own, Partnership.id.in_(invited)))
                               .options(joinedload(Partnership.idea)).order_by(Partnership.id.desc())).all()
    return [(partnership, partnership.id in fact("workspaces", user)) for partnership in found]


# --- What waits for a user -----------------------------------------------------------------------
def awaiting(user) -> dict[str, list[Interest]]:
    """Offers waiting for the user's choice (as author or project moderator), and selections waiting for the
    answer of the user's organisation."""
    to_choose = [i for i in db.session.scalars(
        select(Interest).join(Idea, Idea.id == Interest.idea_id)
        .where(Interest.status == InterestStatus.PENDING, Idea.stage == Stage.SPEC)
        .options(joinedload(Interest.idea), joinedload(Interest.organisation)).order_by(Interest.id).limit(200))
        if can(user, "interest.select", i)]
    to_answer = db.session.scalars(
        select(Interest).where(Interest.status == InterestStatus.SELECTED,
                               Interest.organisation_id == user.organisation_id)
        .options(joinedload(Interest.idea)).order_by(Interest.id)).all() if user.organisation_id else []
    return {"choose": to_choose, "answer": to_answer}


# --- The reward pool -----------------------------------------------------------------------------
ledger.MEMOS.update({
    "rnd.pool_funded": _l("Partnership accepted: reward pool put in escrow"),
    "rnd.reward": _l("Reward from a partnership's pool"),
    "rnd.pool_refund": _l("Unused reward pool returned to the sponsor"),
})


def _partnership_sources(ids) -> dict[int, tuple[str, str]]:
    """Partnership id -> (its idea's title, its workspace) for statements."""
    return {p.id: (p.idea.title, url_for("rnd.workspace", idea_id=p.idea_id)) for p in db.session.scalars(
        select(Partnership).where(Partnership.id.in_(ids)).options(joinedload(Partnership.idea)))}


ledger.register_source("partnership", Partnership, "workspace.view", _partnership_sources,
                       _l("a partnership you can no longer see"))


def pool_account(partnership: Partnership) -> str:
    """The escrow account holding the partnership's reward pool."""
    return ledger.escrow_account(partnership.id, "partnership")


def _fund_pool(partnership: Partnership) -> None:
    """Move the accepted partnership's reward pool from the sponsor's account into its escrow (uncommitted)."""
    if partnership.reward_pool_cents <= 0:
        return
    db.session.flush()  # the escrow is named by the partnership's id
    ledger.post("rnd.pool_funded", [(ledger.sponsor_account(partnership.organisation_id),
                                     -partnership.reward_pool_cents),
                                    (pool_account(partnership), partnership.reward_pool_cents)],
                partnership.currency, ("partnership", partnership.id))


def pool_held(partnership: Partnership) -> int:
    """What the partnership's escrow still holds of its reward pool, in cents of its currency."""
    return ledger.balance(pool_account(partnership), partnership.currency)


def rewardable(partnership: Partnership) -> list[User]:
    """Who may be paid from the pool: the contributors invited into the workspace (not the partner's team)."""
    return db.session.scalars(select(User).join(WorkspaceMember, WorkspaceMember.user_id == User.id).where(
        WorkspaceMember.partnership_id == partnership.id,
        or_(User.organisation_id.is_(None), User.organisation_id != partnership.organisation_id))
        .order_by(User.display_name)).all()


def reward(partnership: Partnership, payer, user_id: int, cents: int) -> None:
    """The partner's team pays an invited contributor from the reward pool, while the partnership lasts."""
    if partnership.idea.stage != Stage.PARTNER_RND:
        raise Conflict(_l("This partnership has ended: its reward pool pays no more."))
    payee = next((u for u in rewardable(partnership) if u.id == user_id), None)
    if payee is None:
        raise DomainError(_l("Choose a contributor invited into this workspace."))
    if not isinstance(cents, int) or cents <= 0:
        raise DomainError(_l("Pay an amount above zero."))
    db.session.execute(select(Partnership.id).where(Partnership.id == partnership.id).with_for_update())
    escrow = pool_account(partnership)
    ledger.post("rnd.reward", [(escrow, -cents), (ledger.member_account(payee.id), cents)], partnership.currency,
                ("partnership", partnership.id))
    if pool_held(partnership) < 0:  # read after this payment's write: a payment made meanwhile counts too
        db.session.rollback()
        raise Conflict(_l("The reward pool holds only %(amount)s.",
                          amount=format_currency(pool_held(partnership) / 100, partnership.currency)))
    # the amount stays in the ledger: the project's audit log is read by its managers, not only the partner
    audit.record(partnership.idea.project_id, payer, "rnd.reward", f"idea #{partnership.idea_id}", payee.display_name)
    db.session.commit()


def _return_pool(idea: Idea, **_context) -> None:
    """An idea archived out of partner R&D ends its partnership: what is left of the reward pool returns to the
    sponsor (in the move's transaction)."""
    partnership = partnership_of(idea)
    left = pool_held(partnership) if partnership is not None else 0
    if left > 0:
        ledger.post("rnd.pool_refund", [(pool_account(partnership), -left),
                                        (ledger.sponsor_account(partnership.organisation_id), left)],
                    partnership.currency, ("partnership", partnership.id))


pipeline.STAGES.on_enter(Stage.ARCHIVED, _return_pool)
