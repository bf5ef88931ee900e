"""Contest forms: the sponsor's contest, a member's entry, comments, adjustments, revisions, the transfer."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DecimalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..ledger.services import CURRENCIES
from .models import ContestKind

REQUIRED = [DataRequired()]
DEFAULT_TERMS = _l(
    "1. Your entry is your own original work and infringes nobody's rights.\n"
    "2. During the private phase only you and the sponsor's team see it; from the public phase every member sees it.\n"
    "3. The sponsor may choose finalists, ask them for adjustments and pick one winner.\n"
    "4. Only the winner transfers the copyright of the winning entry; every other entry stays yours.")
DEFAULT_TRANSFER = _l(
    "I, the author of the winning entry, transfer to the sponsor, exclusively and worldwide, for the whole legal "
    "term of protection, the rights to reproduce, adapt, publish and use the winning entry and its adjustments, "
    "in return for the winner's share of the prize. I confirm the entry is my original work.")
KIND_LABELS = {ContestKind.CONTEST: _l("Open contest (private creation, then public votes)"),
               ContestKind.CHALLENGE: _l("Expert challenge (submissions private to the sponsor, scored)")}


def whole_cents(form, field):
    """Amounts are stored in cents: refuse fractions of a cent."""
    if field.data is not None and (field.data * 100) % 1:
        raise ValidationError(_l("Use at most two decimals."))


def cents(value: Decimal | None) -> int:
    return int((value or 0) * 100)


MONEY = [InputRequired(), NumberRange(min=0, max=10_000_000), whole_cents]
HOURS = [InputRequired(), NumberRange(min=1, max=24 * 90)]


class ContestForm(FlaskForm):
    """A sponsor's contest or expert challenge."""

    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()])
    title = StringField(_l("Title"), validators=[*REQUIRED, Length(max=160)])
    brief = TextAreaField(_l("Brief"), validators=[*REQUIRED, Length(max=20_000)],
                          description=_l("What you are looking for; Markdown is accepted"))
    project_id = SelectField(_l("Project"), coerce=int, default=0, validate_choice=False,
                             description=_l("A contest inside a project is visible to whoever sees the project"))
    prize = DecimalField(_l("Prize"), places=2, validators=[InputRequired(), NumberRange(min=1, max=10_000_000),
                                                            whole_cents])
    currency = SelectField(_l("Currency"), choices=CURRENCIES)
    winner_share = IntegerField(_l("Winner's share of the prize (%)"), default=60,
                                validators=[InputRequired(), NumberRange(min=0, max=100)],
                                description=_l("The rest of the prize is the platform's commission"))
    finalists_wanted = IntegerField(_l("Finalists"), default=3,
                                    validators=[InputRequired(), NumberRange(min=1, max=10)])
    finalist_bonus = DecimalField(_l("Bonus for each other finalist"), places=2, default=Decimal("50.00"),
                                  validators=MONEY)
    pool = DecimalField(_l("Participation pool"), places=2, default=0, validators=MONEY,
                        description=_l("Shared among participants by entries, coups de cœur received and comments"))
    min_entries = IntegerField(_l("Entries expected"), default=20, validators=[InputRequired(),
                                                                               NumberRange(min=0, max=10_000)])
    private_hours = IntegerField(_l("Private creation (hours)"), default=72, validators=HOURS)
    public_hours = IntegerField(_l("Public phase (hours)"), default=96, validators=HOURS)
    shortlist_hours = IntegerField(_l("Shortlist (hours)"), default=72, validators=HOURS)
    adjustments_hours = IntegerField(_l("Adjustments (hours)"), default=120, validators=HOURS)
    terms_text = TextAreaField(_l("Entry terms"), validators=[*REQUIRED, Length(max=20_000)], default=DEFAULT_TERMS)
    transfer_text = TextAreaField(_l("Copyright transfer"), validators=[*REQUIRED, Length(max=20_000)],
                                  default=DEFAULT_TRANSFER)
    criteria = TextAreaField(_l("Scoring rubric (expert challenges)"), validators=[Optional(), Length(max=2000)],
                             description=_l("One criterion a line, “Name: weight” (weight 1 to 10)"))

    def values(self) -> dict:
        """The contest's columns from the form."""
        return {"kind": self.kind.data, "title": self.title.data.strip(), "brief": self.brief.data,
                "prize_cents": cents(self.prize.data), "currency": self.currency.data,
                "winner_share": self.winner_share.data, "finalists_wanted": self.finalists_wanted.data,
                "finalist_bonus_cents": cents(self.finalist_bonus.data), "pool_cents": cents(self.pool.data),
                "min_entries": self.min_entries.data, "private_hours": self.private_hours.data,
                "public_hours": self.public_hours.data, "shortlist_hours": self.shortlist_hours.data,
                "adjustments_hours": self.adjustments_hours.data, "terms_text": self.terms_text.data.strip(),
                "transfer_text": self.transfer_text.data.strip()}


class EntryForm(FlaskForm):
    """A member's entry, with the acceptance of the contest's terms."""

    title = StringField(_l("Title"), validators=[*REQUIRED, Length(max=160)])
    text = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10_000)])
    files = MultipleFileField(_l("Files"), description=_l("Images (PNG, JPEG, GIF), PDF or text; 6 files, 5 MB each"))
    accept_terms = BooleanField(_l("I have read and accept the contest's terms"))
    terms_version = HiddenField()


class RevisionForm(FlaskForm):
    """A finalist's revised version."""

    title = StringField(_l("Title"), validators=[*REQUIRED, Length(max=160)])
    text = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10_000)])
    note = StringField(_l("What changed?"), validators=[Optional(), Length(max=300)])
    files = MultipleFileField(_l("New files"))


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[*REQUIRED, Length(max=3000)])


class AdjustmentForm(FlaskForm):
    request = TextAreaField(_l("Changes you would like"), validators=[*REQUIRED, Length(max=3000)])


class TransferForm(FlaskForm):
    """The winner's signature."""

    accept = BooleanField(_l("I sign this copyright transfer"))
    version = HiddenField()
