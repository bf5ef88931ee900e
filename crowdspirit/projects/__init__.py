"""Projects (fields a sponsor opens, or concepts a member carries): gates, stage policies, memberships, NDAs and
the audit log's page."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the projects' access rules, notices, panels and pages."""
    from ..accounts import archive
    from . import audit_views, indexing, kinds, members_views, nda_views, panels, rules, schedule, schedule_views, views
    from .models import NdaAcceptance, ProjectMembership

    rules.register()
    kinds.register()
    archive.register("nda_acceptances", lambda user: archive.rows_of(NdaAcceptance, NdaAcceptance.user_id == user.id))
    archive.register("memberships", lambda user: archive.rows_of(ProjectMembership,
                                                                 ProjectMembership.user_id == user.id))
    indexing.register()
    panels.register()
    app.jinja_env.globals["project_rules"] = panels.project_rules
    schedule.init_app(app)
    for blueprint in (views.bp, members_views.bp, nda_views.bp, audit_views.bp, schedule_views.bp):
        app.register_blueprint(blueprint)
