"""Forms to create a project and to set its gates."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from .models import GATE_COLUMNS, SPONSOR_DECIDERS, Decider, ProjectKind, Visibility


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


def decider_field(label, community, shortlist, veto) -> SelectField:
    """A gate's "who decides" select: the five models, the crowd's three said in the gate's own words."""
    return SelectField(label, choices=[
        SelectChoice(Decider.COMMUNITY.value, community), SelectChoice(Decider.SPONSOR.value, _l("The sponsor")),
        SelectChoice(Decider.MODERATOR.value, _l("The project's moderators, as a jury")),
        SelectChoice(Decider.SHORTLIST.value, shortlist), SelectChoice(Decider.VETO.value, veto)])


class SettingsForm(FlaskForm):
    """The owner sets the project's description and pipeline gates."""

    summary = StringField(_l("One-line summary"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    vote_decider = decider_field(
        _l("Who opens voting on an idea"),
        _l("The community: automatic at the support threshold; the author or the managers may open it before"),
        _l("The community shortlists (support threshold), then the sponsor picks"),
        _l("The community, automatic at the support threshold, under the sponsor's veto"))
    support_threshold = IntegerField(_l("Supports needed to open voting"),
                                     validators=[InputRequired(), NumberRange(min=1, max=100000)])
    vote_threshold = IntegerField(_l("Votes needed for promotion"),
                                  validators=[InputRequired(), NumberRange(min=1, max=100000)])
    voting_days = IntegerField(_l("Voting window (days)"),
                               validators=[InputRequired(), NumberRange(min=1, max=365)])
    promotion_decider = decider_field(
        _l("Who decides promotion to specification"), _l("The community: automatic at the vote threshold"),
        _l("The community shortlists (vote threshold), then the sponsor picks"),
        _l("The community, automatic at the threshold, under the sponsor's veto"))
    partner_decider = decider_field(
        _l("Who chooses the R&D partner among sponsors' offers"),
        _l("The community: automatic at the backing threshold; the idea's author or the managers may choose before"),
        _l("The community shortlists (backing threshold), then the sponsor picks"),
        _l("The community, automatic at the backing threshold, under the sponsor's veto"))
    backing_threshold = IntegerField(_l("Members' backing that selects an offer"),
                                     validators=[InputRequired(), NumberRange(min=1, max=100000)])
    veto_days = IntegerField(_l("Days the sponsor has to veto a decision of the crowd"),
                             validators=[Optional(), NumberRange(min=1, max=90)])
    rnd_partner_id = SelectField(_l("Sponsors that may take ideas into R&D"), coerce=int,
                                 description=_l("Leave open to let any sponsor offer a partnership"))
    hold_first_posts = BooleanField(_l("Hold a member's first post in this project's discussions for approval"))
    policy_idea = SelectField(_l("Who sees ideas in the idea stage"), choices=VISIBILITY_CHOICES)
    policy_vote = SelectField(_l("Who sees ideas in the vote stage"), choices=VISIBILITY_CHOICES)
    policy_spec = SelectField(_l("Who sees ideas and specifications in the spec stage"), choices=VISIBILITY_CHOICES)
    policy_partner_rnd = SelectField(_l("Who sees ideas in partner R&D"), choices=VISIBILITY_CHOICES)

    def gate_settings(self, project) -> dict:
        """The three gates' deciders and thresholds as update_settings takes them (the veto window kept when left
        empty)."""
        return {**{column: self[column].data for column in GATE_COLUMNS},
                "support_threshold": self.support_threshold.data, "vote_threshold": self.vote_threshold.data,
                "backing_threshold": self.backing_threshold.data, "voting_days": self.voting_days.data,
                "veto_days": self.veto_days.data or project.veto_days}

    def refuse_gates(self, message) -> None:
        """Show update_settings' refusal on the gates that give the sponsor a say (what it refuses in a project
        without one), else on the promotion gate."""
        refused = [column for column in GATE_COLUMNS if self[column].data in SPONSOR_DECIDERS] or ["promotion_decider"]
        for column in refused:
            self[column].errors = [message]


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
