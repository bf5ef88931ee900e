"""Partner R&D's notices: offers of partnership, the crowd's backing of them, their selection, veto and acceptance,
invitations into a workspace and the workspace's milestones falling due."""

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import notices
from ..access import can
from ..forum.services import thread_of_partnership

#: what an offer reaching its backing threshold asks of those who choose, by the project's gate 3 decider
BACKED = {"sponsor": _l("it waits for your choice"), "moderator": _l("it waits for your choice"),
          "shortlist": _l("it joins the shortlist you pick from"),
          "veto": _l("it is selected unless you veto it in time")}


def _partners_page(interest) -> str:
    """The idea's offers of partnership, where they are chosen and answered."""
    return url_for("rnd.partners", idea_id=interest.idea_id)


def _seen_project(member):
    """The project keeps an invitation readable once the invitee may see it; until then it is theirs alone."""
    project = member.partnership.idea.project
    return project if can(member.user, "project.view", project) else None


def _workspace_name(member) -> str:
    """What the invitee may know the workspace by, now: its idea's title, else its project's, else the partner's
    name (a confidential title never reaches someone who may not see it)."""
    idea = member.partnership.idea
    if can(member.user, "idea.view", idea):
        return idea.title
    if can(member.user, "project.view", idea.project):
        return idea.project.title
    return member.partnership.organisation.name


def _due(milestone) -> str:
    """The milestone's title and due date, in the reader's language."""
    return _("“%(milestone)s”, due on %(date)s", milestone=milestone.title, date=format_date(milestone.due_on))


def register() -> None:
    """Declare the offers', the workspace invitations' and the milestones' notices."""
    rnd = _l("Partner R&D")
    offer = {"group": rnd, "view": "interest.notice", "guard": lambda interest: interest.idea,
             "title": lambda interest: interest.idea.title, "link": _partners_page}
    notices.declare("rnd.offer", label=_l("Offers of partnership on the ideas whose partner you choose"),
                    default="now", text=_l("%(who)s offered a partnership on “%(title)s”"), **offer)
    notices.declare("rnd.selected", label=_l("Your organisation's offers that were selected"), default="now",
                    text=_l("%(who)s chose your organisation's offer on “%(title)s”: accept or decline it"),
                    offered_to=notices.sponsors, **offer)
    notices.declare("rnd.backed_selected", label=_l("Your organisation's offers that members' backing selected"),
                    default="now", text=_l("Members' backing selected your organisation's offer on “%(title)s”: "
                                           "accept or decline it"), offered_to=notices.sponsors, **offer)
    notices.declare("rnd.chosen", label=_l("Offers selected on your ideas and on those whose partner you choose"),
                    default="now", text=_l("The offer of %(detail)s is selected for “%(title)s”: it is that sponsor's "
                                           "to accept or decline"), **offer)
    notices.declare("rnd.backed", label=_l("Offers of partnership that reached their backing threshold, for those "
                                           "who choose"), default="daily", details=BACKED,
                    text=_l("An offer on “%(title)s” reached its backing threshold: %(detail)s"), **offer)
    notices.declare("rnd.vetoed", label=_l("Offers the crowd selected that the sponsor vetoed"), default="now",
                    text=_l("%(who)s vetoed the offer the crowd selected on “%(title)s”"), **offer)
    notices.declare("rnd.accepted", label=_l("Partnerships accepted on the ideas whose partner you choose"),
                    default="daily", text=_l("%(who)s accepted the partnership on “%(title)s”: it moves to partner "
                                             "R&D"), **offer)
    # the invitee may not see the idea, nor even its project, yet: told by name (no view to hold), the notice names
    # what they may see when they read it, and is kept by the project once they see it, theirs alone until then
    notices.declare("rnd.invited", label=_l("Invitations into an R&D workspace"), group=rnd, default="now",
                    text=_l("%(who)s invited you into the R&D workspace of “%(title)s”"), guard=_seen_project,
                    title=_workspace_name,
                    link=lambda member: url_for("rnd.workspace", idea_id=member.partnership.idea_id))
    notices.declare("rnd.milestone", label=_l("Milestones of your R&D workspaces due in two days"), group=rnd,
                    default="daily", text=_l("A milestone of your R&D workspace is due soon: %(title)s"),
                    view="milestone.view", guard=lambda milestone: thread_of_partnership(milestone.partnership),
                    title=_due, link=lambda milestone: url_for("rnd.workspace", idea_id=milestone.partnership.idea_id,
                                                               _anchor=f"milestone-{milestone.id}"))
