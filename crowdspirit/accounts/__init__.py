"""Accounts: users and organisations (sponsors) with their public page and team, sign-up and sign-in with lockout,
passwords and their reset, profiles."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the accounts' access rules, the session's user loader, profile labels, pages and create-admin."""
    from .. import events
    from ..commands import crowdspirit_cli
    from ..extensions import login_manager
    from ..signals import data_archive_requested
    from . import (  # noqa: F401
        archive,
        charter_views,
        commands,
        indexing,
        oidc_views,
        organisation_views,
        rules,
        sessions,
        settings_views,
        views,
    )

    rules.register()
    events.subscribe(data_archive_requested, archive.prepare)
    archive.register("charter_acceptances", lambda user: archive.rows_of(
        models.CharterAcceptance, models.CharterAcceptance.user_id == user.id))
    archive.register("sign_ins", lambda user: archive.rows_of(
        models.UserSession, models.UserSession.user_id == user.id, leave_out={"key_hash"}))
    indexing.register()
    login_manager.user_loader(sessions.load)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = views.SIGN_IN_MESSAGE
    login_manager.login_message_category = "info"
    app.jinja_env.globals.update(PROFILE_KIND_LABELS=views.PROFILE_KIND_LABELS, member_chrome=views.member_chrome,
                                 standing_notice=views.standing_notice)
    app.register_blueprint(views.bp)
    crowdspirit_cli.add_command(commands.create_admin)
