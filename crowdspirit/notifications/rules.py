"""Notifications' part of the access policy: a notification is readable while what keeps it (its thread, idea or
project) is; one kept by none is its member's alone (a sanction, a payout)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from .. import access
from ..access import Rule
from ..forum.models import Thread
from ..pipeline.models import Idea
from ..projects.models import Project
from .models import Notification


def visible_notifications(query, user):
    """SQL: the notifications whose thread, idea or project the user may still see (a member who loses access loses
    them), each looked up by its key, and those kept by none."""
    thread_seen = (access.visible(select(Thread.id).where(Thread.id == Notification.thread_id), user)
                   .correlate_except(Thread).exists())
    idea_seen = (access.visible(select(Idea.id).where(Idea.id == Notification.idea_id), user)
                 .correlate_except(Idea).exists())
    project_seen = (access.visible(select(Project.id).where(Project.id == Notification.project_id), user)
                    .correlate_except(Project).exists())
    own = and_(Notification.thread_id.is_(None), Notification.idea_id.is_(None), Notification.project_id.is_(None))
    return query.where(or_(thread_seen, idea_seen, project_seen, own))


RULES = {
    # the emails waiting, retried or failed: administrators only (the core lets them do everything)
    "mail.review": Rule(lambda user, _obj: False, _l("Only administrators see the email queue.")),
}


def register() -> None:
    """Register the notifications' SQL filter and the email queue's rule with the access core."""
    access.register(rules=RULES, filters={Notification: visible_notifications})
