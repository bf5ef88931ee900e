"""Partner R&D forms: a sponsor's offer, workspace invitations, milestones, tasks, documents, decisions, updates."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .models import IpArrangement

IP_LABELS = {
    IpArrangement.ASSIGNMENT: _l("The sponsor owns the results; contributors are credited and rewarded"),
    IpArrangement.LICENCE: _l("Contributors keep the rights and license them exclusively to the sponsor"),
    IpArrangement.JOINT: _l("Owned jointly by the sponsor and the contributors"),
    IpArrangement.OPEN: _l("Published under an open hardware licence"),
}
CURRENCIES = ("EUR", "USD", "GBP", "CHF")
REQUIRED = [DataRequired()]


class InterestForm(FlaskForm):
    """A sponsor's offer to take an idea into partner R&D."""

    pitch = TextAreaField(_l("Why this idea?"), validators=[*REQUIRED, Length(max=2000)],
                          description=_l("Addressed to the idea's author and the project's moderators"))
    terms = TextAreaField(_l("Terms you offer"), validators=[*REQUIRED, Length(max=4000)],
                          description=_l("Budget, prototyping, timeline, how the product would reach the market"))
    reward_pool = DecimalField(_l("Reward pool for the contributors"), places=2, default=0,
                               validators=[InputRequired(), NumberRange(min=0, max=10_000_000)])
    currency = SelectField(_l("Currency"), choices=CURRENCIES)
    ip_arrangement = SelectField(_l("Intellectual property"),
                                 choices=[SelectChoice(k.value, label) for k, label in IP_LABELS.items()])

    @property
    def reward_pool_cents(self) -> int:
        return int(self.reward_pool.data * 100)


class InviteForm(FlaskForm):
    """Invite a community member into the workspace."""

    who = StringField(_l("Member's email or display name"), validators=[*REQUIRED, Length(max=254)])


class MilestoneForm(FlaskForm):
    """Plan a milestone."""

    title = StringField(_l("Milestone"), validators=[*REQUIRED, Length(max=160)])
    owner_id = SelectField(_l("Owner"), coerce=int, validate_choice=False)
    due_on = DateField(_l("Due on"), validators=[InputRequired(_l("Give the milestone a due date."))])


class TaskForm(FlaskForm):
    """Add a task to a milestone's checklist."""

    text = StringField(_l("Task"), validators=[*REQUIRED, Length(max=300)])


class DocumentForm(FlaskForm):
    """Upload a document, or a new version of one (same title)."""

    title = StringField(_l("Document title"), validators=[*REQUIRED, Length(max=160)],
                        description=_l("Use an existing title to add a new version"))
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])
    note = StringField(_l("What changed?"), validators=[Optional(), Length(max=200)])


class DecisionForm(FlaskForm):
    """Log a decision."""

    title = StringField(_l("Decision"), validators=[*REQUIRED, Length(max=160)])
    rationale = TextAreaField(_l("Why"), validators=[Optional(), Length(max=5000)])


class StatusUpdateForm(FlaskForm):
    """Tell the community what became of the idea."""

    headline = StringField(_l("Public headline"), validators=[*REQUIRED, Length(max=160)],
                           description=_l("Everyone who may see the project reads it: reveal nothing confidential"))
    body = TextAreaField(_l("Update"), validators=[*REQUIRED, Length(max=5000)])


class RewardForm(FlaskForm):
    """Pay an invited contributor from the partnership's reward pool, confirmed by the payer."""

    user_id = SelectField(_l("Contributor"), coerce=int, validate_choice=False)
    amount = DecimalField(_l("Amount"), places=2,
                          validators=[InputRequired(_l("Give the amount to pay.")),
                                      NumberRange(min=0.01, max=10_000_000, message=_l("Pay an amount above zero."))])
    confirm = BooleanField(_l("I confirm this payment: it leaves the reward pool for good"),
                           validators=[DataRequired(_l("Tick the box to confirm the payment."))])

    @property
    def cents(self) -> int:
        return int(self.amount.data * 100)
