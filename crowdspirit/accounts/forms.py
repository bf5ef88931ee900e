"""Sign-up, sign-in and profile forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from .models import ProfileKind

PROFILE_CHOICES = [
    SelectChoice(ProfileKind.AMATEUR.value, _l("Amateur")),
    SelectChoice(ProfileKind.STUDENT.value, _l("Student")),
    SelectChoice(ProfileKind.PROFESSIONAL.value, _l("Professional")),
    SelectChoice(ProfileKind.EXPERT.value, _l("Expert")),
]


class ProfileFields(FlaskForm):
    """The fields a member edits on their profile (and gives at sign-up)."""

    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=80)])
    profile_kind = SelectField(_l("I am"), choices=PROFILE_CHOICES, default="amateur")
    skills = StringField(_l("Skills"), validators=[Optional(), Length(max=500)],
                         description=_l("Comma separated, e.g. electronics, industrial design"))


class SignupForm(ProfileFields):
    """A visitor creates an account."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=200)],
                             description=_l("At least 10 characters"))
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])
    #: the code of the invitation link the visitor came through (/join/<code>); an unknown one is ignored
    ref = HiddenField()
    #: required while a charter is in force (the view checks it against the version shown)
    charter = BooleanField(_l("I have read and accept the platform's charter"))
    charter_version = HiddenField()


class LoginForm(FlaskForm):
    """A member signs in."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ProfileForm(ProfileFields):
    """A member edits their profile, and the language they read."""

    bio = TextAreaField(_l("About me"), validators=[Optional(), Length(max=5000)],
                        description=_l("Markdown is supported"))
    language = SelectField(_l("Language"), choices=[SelectChoice("en", "English"), SelectChoice("fr", "Français")],
                           validators=[Optional()], description=_l("Your pages, notifications and emails"))


class CurrentPasswordField(FlaskForm):
    """The password a member has now (declared first so that forms show it first)."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])


class NewPasswordFields(FlaskForm):
    """A new password, typed twice."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)],
                             description=_l("At least 10 characters"))
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class ChangePasswordForm(CurrentPasswordField, NewPasswordFields):
    """A signed-in member replaces their password."""


class ForgotPasswordForm(FlaskForm):
    """A member who forgot their password asks for a reset link."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class DeleteAccountForm(CurrentPasswordField):
    """A member deletes their account, after typing their password again."""

    remove_posts = BooleanField(_l("Also remove the text of my forum posts (they then read \"removed at the "
                                   "author's request\")"))
    confirm = BooleanField(_l("I understand that this cannot be undone"), validators=[DataRequired()])


class ChangeEmailForm(CurrentPasswordField):
    """A member moves their account to another address (confirmed from that address)."""

    email = EmailField(_l("New email address"), validators=[DataRequired(), Email(), Length(max=254)])


class CharterForm(FlaskForm):
    """An administrator publishes a new version of the charter, in both languages."""

    text_en = TextAreaField(_l("Charter in English"), validators=[DataRequired(), Length(max=50_000)],
                            description=_l("Markdown is supported"), render_kw={"rows": 14})
    text_fr = TextAreaField(_l("Charter in French"), validators=[DataRequired(), Length(max=50_000)],
                            render_kw={"rows": 14})
    note = StringField(_l("What changed"), validators=[Optional(), Length(max=300)],
                       description=_l("Shown to members asked to accept the new version"))


class AcceptCharterForm(FlaskForm):
    """A member accepts the version of the charter they read."""

    number = IntegerField(validators=[DataRequired()])


class OrganisationSignInForm(FlaskForm):
    """Sign in through one's organisation: by work email (its domain finds the organisation) or by its name."""

    email = EmailField(_l("Work email"), validators=[Optional(), Email(), Length(max=254)])
    organisation = SelectField(_l("Or choose your organisation"), choices=[], default="")


class IdentityProviderForm(FlaskForm):
    """An organisation's OpenID provider, as its administrator registers it."""

    issuer = URLField(_l("Issuer URL"), validators=[DataRequired(), Length(max=300)],
                      description=_l("As the provider's discovery document names it, e.g. https://login.example.com"))
    client_id = StringField(_l("Client ID"), validators=[DataRequired(), Length(max=200)])
    #: not named client_secret, so that the saved (encrypted) secret never fills it
    secret = PasswordField(_l("Client secret"), validators=[Optional(), Length(max=500)])
    allowed_domains = StringField(
        _l("Allowed email domains"), validators=[DataRequired(), Length(max=500)],
        description=_l("Separated by spaces or commas, e.g. helios.example lab.helios.example"))


def organisation_sign_in_form(organisations) -> OrganisationSignInForm:
    """The form to sign in through one's organisation, offering the organisations that have a provider."""
    form = OrganisationSignInForm(prefix="org")
    form.organisation.choices = [("", _l("(found from my email)")), *((o.slug, o.name) for o in organisations)]
    return form


class TeamInviteForm(FlaskForm):
    """An organisation's administrator invites someone to its team by email, with a role."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)],
                       filters=[lambda value: value.strip() if value else value])
    role = SelectField(_l("Role"), choices=[SelectChoice("member", _l("Member")), SelectChoice("viewer", _l("Viewer")),
                                           SelectChoice("admin", _l("Administrator"))], default="member")
