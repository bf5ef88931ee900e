"""`flask crowdspirit karma-check`: every stored total recomputed from the event log, and repaired on demand."""

from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from ..accounts.models import User
from ..database import dialect_insert
from ..extensions import db
from .models import KarmaEvent, KarmaTotal


@dataclass
class Drift:
    """Totals that differ from the log: (user id, stored, logged) and (user id, project id, stored, logged)."""

    members: list = field(default_factory=list)
    projects: list = field(default_factory=list)
    checked: int = 0

    def __bool__(self) -> bool:
        return bool(self.members or self.projects)


def logged_totals() -> tuple[dict, dict]:
    """The totals the event log gives: per member, and per member and project."""
    members = dict(db.session.execute(select(KarmaEvent.user_id, func.sum(KarmaEvent.points))
                                      .group_by(KarmaEvent.user_id)).all())
    projects = {(user_id, project_id): points for user_id, project_id, points in db.session.execute(
        select(KarmaEvent.user_id, KarmaEvent.project_id, func.sum(KarmaEvent.points))
        .where(KarmaEvent.project_id.is_not(None)).group_by(KarmaEvent.user_id, KarmaEvent.project_id))}
    return members, projects


def check(repair: bool = False) -> Drift:
    """Compare users.karma and karma_totals with the sums of the log; with repair, set them from the log."""
    logged_members, logged_projects = logged_totals()
    stored_members = dict(db.session.execute(select(User.id, User.karma)).all())
    stored_projects = {(u, p): points for u, p, points in db.session.execute(
        select(KarmaTotal.user_id, KarmaTotal.project_id, KarmaTotal.points))}
    drift = Drift(checked=len(stored_members) + len(stored_projects.keys() | logged_projects.keys()))
    drift.members = [(user_id, stored, logged_members.get(user_id, 0)) for user_id, stored in sorted(
        stored_members.items()) if stored != logged_members.get(user_id, 0)]
    drift.projects = [(*key, stored_projects.get(key, 0), logged_projects.get(key, 0)) for key in sorted(
        stored_projects.keys() | logged_projects.keys()) if stored_projects.get(key, 0) != logged_projects.get(key, 0)]
    if repair and drift:
        _repair(drift)
    return drift


def _repair(drift: Drift) -> None:
    """Set each differing total to the log's sum, computed inside the UPDATE itself."""
    for user_id, _stored, _logged in drift.members:
        logged = (select(func.coalesce(func.sum(KarmaEvent.points), 0)).where(KarmaEvent.user_id == user_id)
                  .scalar_subquery())
        db.session.execute(update(User).where(User.id == user_id).values(karma=logged))
    for user_id, project_id, _stored, _logged in drift.projects:
        logged = (select(func.coalesce(func.sum(KarmaEvent.points), 0))
                  .where(KarmaEvent.user_id == user_id, KarmaEvent.project_id == project_id).scalar_subquery())
        statement = dialect_insert(KarmaTotal).values(user_id=user_id, project_id=project_id, points=logged)
        db.session.execute(statement.on_conflict_do_update(index_elements=["user_id", "project_id"],
                                                           set_={"points": statement.excluded.points}))
    db.session.commit()
