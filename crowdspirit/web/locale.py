"""Which language a request is answered in: the choice made in this browser, else the signed-in member's, else the
browser's."""

from functools import cache

from babel import support
from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup
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


def language():
    """The moment's language as Flask-Babel chose it (its Locale object): what get_locale() returns, read with one
    look through Flask's context where get_locale() takes three (a member's page asks some forty times)."""
    if not has_app_context():
        return get_locale()
    chosen = getattr(getattr(g._get_current_object(), "_flask_babel", None), "babel_locale", None)
    return chosen if chosen is not None else get_locale()


def _catalog():
    """The translations of the moment's language: Flask-Babel's, asked for once per language (it finds them again
    for every string, three lookups of the request's context each); a page's strings, asked for in the same language
    object, skip even the lookup by language (Babel's locales hash and compare field by field)."""
    global _latest
    current = language()
    latest, catalog = _latest
    if current is not latest:
        catalog = _CATALOGS.get(current)
        if catalog is None:
            catalog = _CATALOGS[current] = get_translations()
        _latest = (current, catalog)
    return catalog


def _as_template_wants(eval_ctx, text: str, variables: dict) -> str:
    """A translated string as Jinja's "newstyle" gettext gives it: markup where the template escapes (its
    variables are then escaped), and always formatted with the variables (so that "%%" reads "%" everywhere)."""
    text = Markup(text) if eval_ctx.autoescape else text
    return text % variables if variables or "%" in text else text


@pass_eval_context
def _gettext(eval_ctx, string: str, **variables) -> str:
    """Templates' _() and gettext()."""
    return _as_template_wants(eval_ctx, _catalog().ugettext(string), variables)


@pass_eval_context
def _ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    """Templates' ngettext(): num is also the %(num)d of the text."""
    variables.setdefault("num", num)
    return _as_template_wants(eval_ctx, _catalog().ungettext(singular, plural, num), variables)


@pass_eval_context
def _pgettext(eval_ctx, context: str, string: str, **variables) -> str:
    """Templates' pgettext(): a string told apart by its context."""
    variables.setdefault("context", context)
    return _as_template_wants(eval_ctx, _catalog().upgettext(context, string), variables)


@pass_eval_context
def _npgettext(eval_ctx, context: str, singular: str, plural: str, num: int, **variables) -> str:
    """Templates' npgettext()."""
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    return _as_template_wants(eval_ctx, _catalog().unpgettext(context, singular, plural, num), variables)


def install_gettext(app) -> None:
    """Give templates' _(), gettext(), ngettext(), pgettext() and npgettext() the translations through _catalog
    (after Flask-Babel's init_app, which installs its own). Jinja's i18n extension would reach each string through
    three calls that each inspect their callee (_ -> gettext -> the function): 9 us a string, where these take 3."""
    app.jinja_env.newstyle_gettext = True  # what {% trans %} blocks pass, if a template ever uses one
    app.jinja_env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext,
                                 npgettext=_npgettext)
