"""Forms to create a project and to set its gates."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from .models import ProjectKind, PromotionDecider, Visibility, VoteOpener


class ProjectForm(FlaskForm):
    """A member or sponsor opens a project."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=3, max=120)])
    summary = StringField(_l("One-line summary"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)],
                                description=_l("Markdown is supported"))
    kind = RadioField(_l("Kind of project"), default=ProjectKind.SELF_CARRIED.value, choices=[
        SelectChoice(ProjectKind.SELF_CARRIED.value, _l("Self-carried: a concept I want to develop")),
        SelectChoice(ProjectKind.SPONSORED.value, _l("Sponsored: a field my organisation wants explored")),
    ])


VISIBILITY_CHOICES = [
    SelectChoice(Visibility.PUBLIC.value, _l("Public: anyone, even signed out")),
    SelectChoice(Visibility.COMMUNITY.value, _l("Community: signed-in members of CrowdSpirit")),
    SelectChoice(Visibility.PROJECT.value, _l("Project: the project's members and the sponsor's team")),
    SelectChoice(Visibility.CONFIDENTIAL.value,
                 _l("Confidential: members who accepted the NDA, and the sponsor's team")),
]


class SettingsForm(FlaskForm):
    """The owner sets the project's description and pipeline gates."""

    summary = StringField(_l("One-line summary"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    vote_opener = SelectField(_l("Who may open voting on an idea"), choices=[
        SelectChoice(VoteOpener.AUTHOR.value, _l("The idea's author or the project's managers")),
        SelectChoice(VoteOpener.MANAGERS.value, _l("The project's managers only")),
    ])
    vote_threshold = IntegerField(_l("Votes needed for promotion"),
                                  validators=[InputRequired(), NumberRange(min=1, max=100000)])
    voting_days = IntegerField(_l("Voting window (days)"),
                               validators=[InputRequired(), NumberRange(min=1, max=365)])
    promotion_decider = SelectField(_l("Who decides promotion to specification"), choices=[
        SelectChoice(PromotionDecider.COMMUNITY.value, _l("The community: automatic at the vote threshold")),
        SelectChoice(PromotionDecider.SPONSOR.value, _l("The sponsor")),
        SelectChoice(PromotionDecider.MODERATOR.value, _l("The project's moderators, as a jury")),
        SelectChoice(PromotionDecider.SHORTLIST.value,
                     _l("The community shortlists (vote threshold), then the sponsor picks")),
        SelectChoice(PromotionDecider.VETO.value,
                     _l("The community, automatic at the threshold, under the sponsor's veto")),
    ])
    veto_days = IntegerField(_l("Days the sponsor has to veto a crowd promotion"),
                             validators=[Optional(), NumberRange(min=1, max=90)])
    rnd_partner_id = SelectField(_l("Sponsors that may take ideas into R&D"), coerce=int,
                                 description=_l("Leave open to let any sponsor offer a partnership"))
    hold_first_posts = BooleanField(_l("Hold a member's first post in this project's discussions for approval"))
    policy_idea = SelectField(_l("Who sees ideas in the idea stage"), choices=VISIBILITY_CHOICES)
    policy_vote = SelectField(_l("Who sees ideas in the vote stage"), choices=VISIBILITY_CHOICES)
    policy_spec = SelectField(_l("Who sees ideas and specifications in the spec stage"), choices=VISIBILITY_CHOICES)
    policy_partner_rnd = SelectField(_l("Who sees ideas in partner R&D"), choices=VISIBILITY_CHOICES)


class JoinForm(FlaskForm):
    """A member asks to join a project."""

    message = TextAreaField(_l("A word for the project's managers"), validators=[Optional(), Length(max=500)])


class InviteForm(FlaskForm):
    """A manager invites a member by email, or creates an invitation link when no email is given."""

    email = StringField(_l("Member's email"), validators=[Optional(), Length(max=254)],
                        description=_l("Leave empty to create a link that anyone signed in can use for 7 days"))


class NdaForm(FlaskForm):
    """The owner publishes a new NDA version."""

    text = TextAreaField(_l("NDA text"), validators=[DataRequired(), Length(max=50000)],
                         description=_l("Markdown is supported. Publishing asks every member to accept it again."))


class NdaAcceptForm(FlaskForm):
    """A member accepts the version they read."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
