"""The specification editing form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

SECTION_LIMIT = [Optional(), Length(max=20000)]
SECTION_LABELS = {
    "problem": _l("Problem"),
    "target_users": _l("Target users"),
    "features": _l("Features"),
    "constraints": _l("Constraints"),
    "target_price": _l("Target price"),
}


class SpecForm(FlaskForm):
    """Edit the spec's sections; base_number detects edits saved meanwhile."""

    base_number = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    problem = TextAreaField(SECTION_LABELS["problem"], validators=SECTION_LIMIT)
    target_users = TextAreaField(SECTION_LABELS["target_users"], validators=SECTION_LIMIT)
    features = TextAreaField(SECTION_LABELS["features"], validators=SECTION_LIMIT)
    constraints = TextAreaField(SECTION_LABELS["constraints"], validators=SECTION_LIMIT)
    target_price = TextAreaField(SECTION_LABELS["target_price"], validators=SECTION_LIMIT)
    note = StringField(_l("What did you change?"), validators=[Optional(), Length(max=200)])
