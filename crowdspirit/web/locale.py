"""Which language a request is answered in: the choice made in this browser, else the signed-in member's, else the
browser's."""

from functools import cache

from babel import support
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from wtforms.i18n import messages_path


def select_locale() -> str:
    """The session's chosen language, else the signed-in member's (kept on their account), else the best match for
    Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang") or getattr(current_user, "language", None)
    return chosen if chosen in languages else _browsers(languages)


def without_account() -> str:
    """The request's language as far as it is known without the member's account (the session's choice, else the
    browser's): for the page that says the database did not answer, which must not ask it who is signed in."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    return chosen if chosen in languages else _browsers(languages)


def _browsers(languages) -> str:
    """The best match for Accept-Language, else the default language."""
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


@cache
def _wtforms_catalog(language: str) -> support.Translations:
    """WTForms' own messages in one language, read once per process."""
    return support.Translations.load(messages_path(), [language], domain="wtforms")


class _WTFormsMessages:
    """WTForms' messages in the language of the moment they are asked for (Flask-WTF's interface)."""

    def ugettext(self, string: str) -> str:
        return _wtforms_catalog(str(get_locale())).ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalog(str(get_locale())).ungettext(singular, plural, n)


_WTFORMS_MESSAGES = _WTFormsMessages()


def wtforms_messages() -> None:
    """Give the request WTForms' messages where Flask-WTF looks for them (it would read the catalog from disk again
    for every request that shows a form)."""
    request.wtforms_translations = _WTFORMS_MESSAGES


#: the translations of each language, as Flask-Babel gave them (see install_gettext)
_CATALOGS: dict = {}
#: the language last asked for (Flask-Babel's object for it, the same through a request) and its translations
_latest: tuple = (None, None)


def _catalog():
    """The translations of the moment's language: Flask-Babel's, asked for once per language (it finds them again
    for every string, three lookups of the request's context each); a page's strings, asked for in the same language
    object, skip even the lookup by language (Babel's locales hash and compare field by field)."""
    global _latest
    language = get_locale()
    latest, catalog = _latest
    if language is not latest:
        catalog = _CATALOGS.get(language)
        if catalog is None:
            catalog = _CATALOGS[language] = get_translations()
        _latest = (language, catalog)
    return catalog


def install_gettext(app) -> None:
    """Give templates' _(), ngettext() and pgettext() the translations through _catalog (after Flask-Babel's
    init_app, which installs its own)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: _catalog().ugettext(string),
        ngettext=lambda singular, plural, n: _catalog().ungettext(singular, plural, n),
        pgettext=lambda context, string: _catalog().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: _catalog().unpgettext(context, singular, plural, n),
        newstyle=True)
