"""A member's own dashboard: their ideas and stages, their contributions, and the decisions waiting for them."""

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..access import can, scope, visible
from ..extensions import db
from ..forum.models import Post
from ..pipeline.models import Idea, Vote
from ..projects.models import JoinRequest
from ..rnd import services as rnd
from ..specs.models import Amendment, SpecApproval

LIMIT = 50


@dataclass
class Dashboard:
    """What the dashboard shows; every figure is a count over the database."""

    ideas: list
    stages: Counter
    contributions: dict
    amendments: list
    join_requests: list
    #: sponsors' offers waiting for the user's choice, and selections waiting for the user's organisation
    offers: list
    selections: list
    #: (partnership, may enter) for the R&D workspaces the user works in or is invited to
    workspaces: list


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def dashboard(user) -> Dashboard:
    """The signed-in user's ideas (those they may still see), contributions and decisions awaiting them."""
    ideas = db.session.scalars(visible(select(Idea).where(Idea.author_id == user.id), user)
                               .options(joinedload(Idea.project)).order_by(Idea.id.desc())).all()
    contributions = {
        "ideas": _count(Idea, Idea.author_id == user.id),
        "votes": _count(Vote, Vote.user_id == user.id),
        "posts": _count(Post, Post.author_id == user.id, Post.hidden_at.is_(None), Post.pending.is_(False)),
        "amendments": _count(Amendment, Amendment.author_id == user.id),
        "accepted": _count(Amendment, Amendment.author_id == user.id, Amendment.status == "accepted"),
        "approvals": _count(SpecApproval, SpecApproval.user_id == user.id),
    }
    pending = db.session.scalars(select(Amendment).where(Amendment.status == "pending").order_by(Amendment.id)
                                 .options(joinedload(Amendment.idea).joinedload(Idea.project),
                                          joinedload(Amendment.author)).limit(500)).all()
    amendments = [a for a in pending if can(user, "spec.edit", a.idea)][:LIMIT]
    managing = scope(user).managing
    join_requests = db.session.scalars(select(JoinRequest).where(
        JoinRequest.status == "pending", JoinRequest.project_id.in_(managing)).order_by(JoinRequest.id)
        .options(joinedload(JoinRequest.user), joinedload(JoinRequest.project)).limit(LIMIT)).all() if managing else []
    partners = rnd.awaiting(user)
    return Dashboard(ideas[:LIMIT], Counter(i.stage for i in ideas), contributions, amendments, join_requests,
                     partners["choose"][:LIMIT], partners["answer"][:LIMIT], rnd.my_workspaces(user)[:LIMIT])
