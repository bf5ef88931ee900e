"""The specification's forms: editing, amendments and their decisions."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from .models import SECTIONS

SECTION_LIMIT = [Optional(), Length(max=20000)]
SECTION_LABELS = {
    "problem": _l("Problem"),
    "target_users": _l("Target users"),
    "use_cases": _l("Use cases"),
    "features": _l("Features"),
    "constraints": _l("Technical constraints"),
    "bom_estimate": _l("Bill of materials estimate"),
    "target_price": _l("Target price"),
    "open_questions": _l("Open questions"),
}
SECTION_HELP = {
    "features": _l("One feature per line, starting with its priority: Must:, Should:, Could: or Won't:"),
    "open_questions": _l("A checklist: “- [ ] question” while open, “- [x] question” once settled"),
}


class SpecForm(FlaskForm):
    """Edit the spec's sections; base_number detects edits saved meanwhile."""

    base_number = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    note = StringField(_l("What did you change?"), validators=[Optional(), Length(max=200)])


for _name in SECTIONS:
    setattr(SpecForm, _name, TextAreaField(SECTION_LABELS[_name], validators=SECTION_LIMIT,
                                           description=SECTION_HELP.get(_name, "")))


class AmendmentForm(FlaskForm):
    """Propose new text for one section, and say why."""

    section = SelectField(_l("Section"), choices=[SelectChoice(n, SECTION_LABELS[n]) for n in SECTIONS])
    text = TextAreaField(_l("Proposed text"), validators=[DataRequired(), Length(max=20000)],
                         description=_l("The whole section as you would write it; Markdown is supported"))
    reason = StringField(_l("Why?"), validators=[Optional(), Length(max=500)])


class DecisionForm(FlaskForm):
    """An editor's reason for accepting or rejecting an amendment (required to reject)."""

    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
