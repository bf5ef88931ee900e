"""Projects (fields a sponsor opens, or concepts a member carries): gates, stage policies, memberships, NDAs and
the audit log's page."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the projects' access rules, panels and pages."""
    from . import audit_views, indexing, members_views, nda_views, panels, rules, views

    rules.register()
    indexing.register()
    panels.register()
    for blueprint in (views.bp, members_views.bp, nda_views.bp, audit_views.bp):
        app.register_blueprint(blueprint)
