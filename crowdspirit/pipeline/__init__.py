"""The pipeline: ideas, tags, votes, and the stages they move through (idea -> vote -> spec -> partner R&D)."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the pipeline's access rules, notices, panels, stage labels for templates, the project cards' idea
    count and its pages."""
    from ..accounts import archive
    from ..commands import crowdspirit_cli
    from ..projects import services as projects
    from . import commands, indexing, kinds, panels, rules, services, views
    from .models import Idea, Stage, Vote

    rules.register()
    kinds.register()
    crowdspirit_cli.add_command(commands.remind_sponsors)
    indexing.register()
    panels.register()
    archive.register("ideas", lambda user: archive.rows_of(Idea, Idea.author_id == user.id))
    archive.register("votes", lambda user: archive.rows_of(Vote, Vote.user_id == user.id))
    projects.CARD_COUNTS["ideas"] = services.idea_counts
    app.jinja_env.globals.update(Stage=Stage, STAGE_LABELS=services.STAGE_LABELS, stage_badge=services.stage_badge,
                                 idea_rows=panels.idea_rows)
    app.register_blueprint(views.bp)
