"""The projects' notices: a request to join decided, an invitation to a project, a new NDA version to accept, a
change of who sees a stage coming within a day."""

from flask import url_for
from flask_babel import lazy_gettext as _l

from .. import notices


def register() -> None:
    """Declare the membership, NDA and schedule notices."""
    projects = _l("Projects")
    notices.declare("project.request", label=_l("Answers to your requests to join a project"), group=projects,
                    default="now", text=_l("Your request to join “%(title)s” was %(detail)s"), view="project.view",
                    link=lambda project: url_for("projects.show", slug=project.slug),
                    details={"approved": _l("accepted: welcome!"), "refused": _l("refused by its managers")})
    # the invitee may not see the project yet: the notice is theirs alone and names what the invitation page shows
    notices.declare("project.invitation", label=_l("Invitations to join a project"), group=projects, default="now",
                    text=_l("You are invited to join “%(title)s”"), guard=lambda invitation: None,
                    title=lambda invitation: invitation.project.title,
                    link=lambda invitation: url_for("members.accept", token=invitation.token))
    # kept by the project, which members see whether or not they accepted its current NDA
    notices.declare("project.nda", label=_l("New NDA versions to accept"), group=projects, default="now",
                    text=_l("Accept version %(detail)s of the NDA of “%(title)s” to see its confidential stages again"),
                    view="nda.view",
                    link=lambda project: url_for("nda.show", slug=project.slug))
    # told by projects.schedule a day ahead, to the members who see the stage before or after the change
    notices.declare("project.schedule", label=_l("Coming changes of who sees a project's stages"), group=projects,
                    default="app", text=_l("Who sees the %(detail)s stage of “%(title)s” changes within a day"),
                    view="project.view", link=lambda project: url_for("projects.show", slug=project.slug),
                    details={"idea": _l("idea"), "vote": _l("voting"), "spec": _l("specification"),
                             "partner_rnd": _l("partner R&D")})
