"""Which language a request is answered in: the visitor's choice, else their browser's."""

from flask import current_app, has_request_context, request, session


def select_locale() -> str:
    """The session's chosen language, else the best match for Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
