"""Forms to start a thread, to write or edit a post, and a moderator's edit."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from .services import CATEGORY_LABELS, MAX_POST_LENGTH


class PostForm(FlaskForm):
    """A reply (quoting reply_to when set) or an edit."""

    body = TextAreaField(_l("Your message"), validators=[DataRequired(), Length(max=MAX_POST_LENGTH)],
                         description=_l("Markdown is supported"))
    reply_to = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def under(self, post_id: int) -> "PostForm":
        """The form in place under the post it answers, its fields' ids its own (the page has another reply form)."""
        self.body.id, self.reply_to.id = f"body-{post_id}", f"reply_to-{post_id}"
        return self


class ModeratorEditForm(FlaskForm):
    """A moderator's new text for someone's post, with the reason shown on it."""

    body = TextAreaField(_l("The post's text"), validators=[DataRequired(), Length(max=MAX_POST_LENGTH)],
                         description=_l("Markdown is supported"))
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)],
                         description=_l("Shown on the post (“Edited by a moderator: …”) and sent to its author"))


class ThreadForm(PostForm):
    """A new community thread and its first post."""

    category = SelectField(_l("Category"),
                           choices=[SelectChoice(c.value, label) for c, label in CATEGORY_LABELS.items()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=3, max=160)])
