"""The specification's part of the access policy: it follows its idea; who edits, amends, approves and rates."""

from flask_babel import lazy_gettext as _l

from .. import access
from ..access import Rule, acting_team, author, signed_in
from ..pipeline.rules import idea_visible
from ..projects.rules import author_or_member, member, member_manager, project_of


def spec_editor(user, idea) -> bool:
    """The idea's author, the project's managers and the sponsor's team edit the spec and decide amendments."""
    return author(user, idea) or member_manager(user, idea) or acting_team(user, project_of(idea))


def spec_reader(user, idea) -> bool:
    """Who may read the spec may take it away as a file: the spec's view action decides, nothing looser."""
    return access.can(user, "spec.view", idea)


RULES = {
    "spec.view": Rule(idea_visible, needs_account=False),
    "spec.export": Rule(spec_reader, needs_account=False, reads=True),
    "spec.edit": Rule(spec_editor, _l("Only the idea's author, the project's managers and the sponsor's team edit "
                                      "this specification; propose an amendment instead.")),
    "spec.amend": Rule(author_or_member, _l(
        "Only the project's members can propose amendments to this specification; join the project first."),
                       takes_part=True),
    "spec.approve": Rule(member, _l("Only the project's members approve the specification.")),
    "spec.rate": Rule(signed_in, takes_part=True),
}


def register() -> None:
    """Register the specification's rules with the access core."""
    access.register(rules=RULES)
