"""Partner R&D's part of the access policy: offers are known to the sponsor that made them, to those who choose (the
project's partner decider says who) and, where the crowd has a say, to the members who see the idea; an R&D workspace
and everything in it (thread, documents, files) to the partner's team and the contributors it invited who are bound
by the project's NDA."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_, select

from .. import access
from ..access import OrganisationActor, Rule, acting_sponsor, acting_team, acts_for, author, fact
from ..extensions import db
from ..pipeline.models import Idea
from ..pipeline.rules import gate_decider, idea_visible
from ..projects.models import CROWD_SAY, Decider, Project
from ..projects.rules import member_manager, nda_cleared
from ..visibility import WORKSPACE
from .models import Interest, InterestStatus, Partnership, WorkspaceMember


def my_workspaces(user) -> frozenset:
    """The partnerships whose workspace the user works in: their organisation's, and those they are invited to
    once bound by the project's NDA (the "workspaces" fact)."""
    if isinstance(user, OrganisationActor):
        return frozenset()
    invited = select(WorkspaceMember.partnership_id).where(WorkspaceMember.user_id == user.id)
    own = Partnership.organisation_id == user.organisation_id if user.organisation_id else false()
    rows = db.session.execute(select(Partnership.id, Partnership.organisation_id, Idea.project_id)
                              .join(Idea, Idea.id == Partnership.idea_id)
                              .where(or_(own, Partnership.id.in_(invited)))).all()
    projects = {p.id: p for p in db.session.scalars(select(Project).where(
        Project.id.in_({row.project_id for row in rows})))}
    return frozenset(row.id for row in rows if row.organisation_id == user.organisation_id
                     or nda_cleared(user, projects[row.project_id]))


def workspace_keys(user) -> set[str]:
    """The search keys of the workspaces the user works in."""
    return {f"{WORKSPACE}:{partnership}" for partnership in fact("workspaces", user)}


def partner_team(user, obj) -> bool:
    """The team of the organisation behind an interest or a partnership."""
    return user.organisation_id is not None and user.organisation_id == obj.organisation_id


def acting_partner(user, obj) -> bool:
    """The members of the partner's team who act for it (not its viewers): they answer, invite and publish."""
    return acts_for(user, obj.organisation_id)


def invited_or_team(user, partnership) -> bool:
    """Who may know a workspace exists: the partner's team and the contributors invited into it."""
    return partner_team(user, partnership) or db.session.scalar(select(WorkspaceMember.id).where(
        WorkspaceMember.partnership_id == partnership.id, WorkspaceMember.user_id == user.id)) is not None


def participant(user, partnership) -> bool:
    """Who works in a workspace: the partner's team, and invited contributors bound by the project's NDA."""
    return partnership.id in fact("workspaces", user)


def workspace_file_visible(user, attachment) -> bool:
    """The files of an R&D workspace (attachments of the rnd part) are its participants' only."""
    return db.session.scalar(select(Partnership.id).where(
        Partnership.idea_id == attachment.idea_id)) in fact("workspaces", user)


def idea_of(obj) -> Idea:
    """The idea an offer is about (or the idea itself)."""
    return obj if isinstance(obj, Idea) else obj.idea


def chooser(user, obj) -> bool:
    """Who chooses among interested sponsors follows the project's gate 3 decider: the sponsor's team, the project's
    owner and moderators as a jury, or (the crowd backs offers) the idea's author and the project's owner and
    moderators."""
    idea = idea_of(obj)
    return gate_decider(user, idea, idea.project.partner_decider, managers=member_manager)


def crowd_reader(user, obj) -> bool:
    """Where the crowd has a say in choosing the R&D partner, the members who see the idea read its offers (another
    sponsor's team reads only its own)."""
    idea = idea_of(obj)
    project = idea.project
    return (project.partner_decider in CROWD_SAY and user.organisation_id in (None, project.organisation_id)
            and idea_visible(user, idea))


def backer(user, interest) -> bool:
    """Members who read an offer as the crowd back it (not the team that made it)."""
    return crowd_reader(user, interest) and not partner_team(user, interest)


def offer_vetoer(user, interest) -> bool:
    """Where the crowd chooses under the sponsor's veto, the sponsor's team may veto the offer the crowd selected."""
    project = interest.idea.project
    return project.partner_decider == Decider.VETO and acting_team(user, project)


def interest_party(user, interest) -> bool:
    """An interest is known to the sponsor that expressed it, to those who choose, to the idea's author and, where the
    crowd has a say, to the members who see the idea."""
    return (partner_team(user, interest) or chooser(user, interest) or author(user, interest.idea)
            or crowd_reader(user, interest))


def told_of_interest(user, interest) -> bool:
    """Who hears what became of an offer: its parties, while they may see its idea (its title is in the notice)."""
    return interest_party(user, interest) and idea_visible(user, interest.idea)


def milestone_participant(user, milestone) -> bool:
    """A milestone is known to the participants of its workspace."""
    return participant(user, milestone.partnership)


def selected_sponsor(user, idea) -> bool:
    """The team of the sponsor selected for the idea (or accepting, in the transaction that moves it), its viewers
    aside."""
    return acting_sponsor(user, idea) and db.session.scalar(select(Interest.id).where(
        Interest.idea_id == idea.id, Interest.organisation_id == user.organisation_id,
        Interest.status.in_((InterestStatus.SELECTED, InterestStatus.ACCEPTED)))) is not None


def sponsor(user, obj) -> bool:
    return user.organisation_id is not None


def offer_reader(user, idea) -> bool:
    return sponsor(user, idea) or chooser(user, idea) or author(user, idea) or crowd_reader(user, idea)


CHOOSERS_ONLY = _l("In this project, someone else chooses the idea's R&D partner (see the project's rules).")

RULES = {
    "idea.start_rnd": Rule(selected_sponsor, _l(
        "Only the sponsor whose offer was selected takes it into partner R&D.")),
    "idea.express_interest": Rule(acting_sponsor, _l("Only sponsors' R&D teams express interest in ideas.")),
    "idea.choose_partner": Rule(chooser, CHOOSERS_ONLY),
    "idea.partners": Rule(offer_reader, _l(
        "Offers of partnership are seen by sponsors, the idea's author and those who choose its R&D partner.")),
    "interest.view": Rule(interest_party),
    "interest.notice": Rule(told_of_interest, reads=True),
    "interest.select": Rule(chooser, CHOOSERS_ONLY),
    "interest.back": Rule(backer, _l("Members who see the idea back offers, in projects where the crowd has a say in "
                                     "choosing the R&D partner (not the team that made the offer)."), takes_part=True),
    "interest.veto": Rule(offer_vetoer, _l("Only the sponsor may veto, and only the offer the crowd selected where it "
                                           "chooses under the sponsor's veto.")),
    "interest.respond": Rule(acting_partner, _l("Only the sponsor that expressed this interest can answer for it.")),
    "rnd.scout": Rule(sponsor, _l("The scouting board is for sponsors' R&D teams."), reads=True),
    "workspace.know": Rule(invited_or_team, reads=True),
    "workspace.view": Rule(participant, _l("Accept the project's current NDA to enter this R&D workspace.")),
    "workspace.work": Rule(participant, _l("Only the workspace's participants work in it.")),
    "workspace.invite": Rule(acting_partner, _l("Only the partner's team invites contributors into the workspace.")),
    "workspace.publish": Rule(acting_partner, _l("Only the partner's team publishes status updates.")),
    "workspace.reward": Rule(acting_partner, _l("Only the partner's team pays contributors from the reward pool.")),
    "milestone.view": Rule(milestone_participant),
    "attachment.rnd.view": Rule(workspace_file_visible),
}


def register() -> None:
    """Register partner R&D's rules, the "workspaces" fact and the workspaces' search keys with the access core."""
    access.register(rules=RULES, views={Interest: "interest.view", Partnership: "workspace.know"},
                    facts={"workspaces": my_workspaces}, keys={"workspaces": workspace_keys})
