"""The specification's notices: amendments proposed, told to the spec's editors, and their fate, told to their
authors with the editor's reason."""

from flask import url_for
from flask_babel import lazy_gettext as _l

from .. import notices
from .forms import SECTION_LABELS


def register() -> None:
    """Declare the amendments' notices."""
    amendment = {"group": _l("Specifications"), "view": "spec.view", "guard": lambda amendment: amendment.idea,
                 "title": lambda amendment: amendment.idea.title,
                 "link": lambda amendment: url_for("specs.show", idea_id=amendment.idea_id, _anchor="amendments")}
    notices.declare("amendment.proposed", label=_l("Amendments proposed to the specifications you edit"),
                    default="daily", details=SECTION_LABELS,
                    text=_l("%(who)s proposed an amendment to the section “%(detail)s” of the specification of "
                            "“%(title)s”"), **amendment)
    notices.declare("amendment.decided", label=_l("Decisions on your amendments"), default="daily",
                    details={"accepted": _l("accepted"), "rejected": _l("rejected")},
                    text=_l("Your amendment to the specification of “%(title)s” was %(detail)s by %(who)s"),
                    **amendment)
