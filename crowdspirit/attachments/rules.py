"""The attachments' part of the access policy: a file follows what it is attached to."""

from flask_babel import lazy_gettext as _l

from .. import access
from ..access import Rule
from ..pipeline.rules import idea_visible
from ..projects.rules import author_or_member, manager
from .models import Attachment


def attachment_visible(user, attachment) -> bool:
    """A file follows its idea, unless the domain owning its part registered a rule of its own
    ("attachment.<part>.view": the R&D workspace's files are its participants')."""
    part_rule = f"attachment.{attachment.part}.view"
    if access.registered(part_rule):
        return access.can(user, part_rule, attachment)
    return idea_visible(user, attachment)


def uploader_or_manager(user, attachment) -> bool:
    return attachment.uploader_id == user.id or manager(user, attachment)


RULES = {
    "attachment.view": Rule(attachment_visible, needs_account=False),
    "attachment.add": Rule(author_or_member, _l("Only the author and the project's members can attach files.")),
    "attachment.delete": Rule(uploader_or_manager, _l("Only who uploaded a file, or a manager, can remove it.")),
}


def register() -> None:
    """Register the attachments' rules with the access core."""
    access.register(rules=RULES, views={Attachment: "attachment.view"})
