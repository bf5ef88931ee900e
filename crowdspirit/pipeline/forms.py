"""Forms to propose or edit an idea, to move it between stages and to merge a duplicate into another idea."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..errors import DomainError
from .services import parse_tags


class IdeaForm(FlaskForm):
    """A member proposes or edits an idea."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=3, max=120)])
    summary = StringField(_l("Summary"), validators=[DataRequired(), Length(max=300)],
                          description=_l("One or two sentences shown in lists"))
    body = TextAreaField(_l("Details"), validators=[Optional(), Length(max=20000)],
                         description=_l("Markdown is supported"))
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=300)],
                       description=_l("Comma separated, e.g. audio, wearable"))

    def validate_tags(self, field):
        """Report malformed tags together with the other fields' errors."""
        try:
            parse_tags(field.data)
        except DomainError as error:
            raise ValidationError(str(error.message)) from None


class TransitionForm(FlaskForm):
    """Confirm a stage change, with a reason."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class MergeForm(FlaskForm):
    """Confirm the merge of a duplicate into another idea, saying why."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("Shown in the idea's history and in the notices the authors and voters get"))
