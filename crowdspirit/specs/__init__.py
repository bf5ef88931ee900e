"""The specification stage: structured sections with revisions, amendments, approvals and the readiness checklist."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the specification's access rules, its notices, its panel, its part of the pipeline's lifecycle (the
    spec's first revision on entering the stage, readiness before partner R&D) and its pages."""
    from ..accounts import archive
    from ..pipeline.models import Stage
    from ..pipeline.services import STAGES
    from . import indexing, kinds, panels, rules, services, views
    from .models import Amendment

    rules.register()
    kinds.register()
    indexing.register()
    panels.register()
    archive.register("amendments", lambda user: archive.rows_of(Amendment, Amendment.author_id == user.id))
    STAGES.on_enter(Stage.SPEC, services.start_spec)
    STAGES.gate(Stage.PARTNER_RND, services.ready_for_rnd)
    app.register_blueprint(views.bp)
