"""The karma rules as data: what earns points, how many, and at most how many a day.

The defaults below can be overridden with KARMA_RULES, e.g. ``vote_cast=2/40,comment=3,referral=0``:
``name=points`` or ``name=points/daily cap`` (``/none`` for no cap); 0 points turns a rule off.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class KarmaRule:
    """One way to earn karma."""

    name: str
    points: int
    #: the most points a member earns from this rule in one UTC day (None: no cap)
    daily_cap: int | None


#: name -> (points, daily cap)
DEFAULTS: dict[str, tuple[int, int | None]] = {
    "idea_proposed": (5, 25),
    "idea_promoted": (20, None),
    "vote_cast": (1, 20),
    "comment": (2, 20),
    "amendment_accepted": (10, 50),
    "moderation_help": (3, 15),
    "referral": (10, 30),
    "contest_entry": (3, 15),
    "contest_finalist": (15, None),
    "contest_win": (50, None),
}

LABELS = {
    "idea_proposed": _l("Idea proposed"),
    "idea_promoted": _l("Idea promoted to specification"),
    "vote_cast": _l("Vote cast"),
    "comment": _l("Forum post"),
    "amendment_accepted": _l("Amendment accepted"),
    "moderation_help": _l("Moderation help (a flag upheld)"),
    "referral": _l("Referral of an active member"),
    "contest_entry": _l("Contest entry"),
    "contest_finalist": _l("Contest finalist"),
    "contest_win": _l("Contest win"),
}

EXPLANATIONS = {
    "idea_proposed": _l("for each idea you propose"),
    "idea_promoted": _l("when one of your ideas reaches the specification stage"),
    "vote_cast": _l("for each vote on someone else's idea"),
    "comment": _l("for each published forum post; taken back if a moderator hides it"),
    "amendment_accepted": _l("when a spec editor accepts your amendment"),
    "moderation_help": _l("when a moderator hides a post you flagged"),
    "referral": _l("when a member who joined through your invitation link becomes active"),
    "contest_entry": _l("for each contest entry"),
    "contest_finalist": _l("when your entry is shortlisted"),
    "contest_win": _l("when your entry wins a contest"),
}

#: why an event earned less than its rule's points, or why a reversal was written
CAUSES = {
    "capped": _l("daily cap reached"),
    "vote_withdrawn": _l("vote withdrawn"),
    "post_hidden": _l("post hidden by a moderator"),
    "flag_dismissed": _l("the post was shown again"),
    "entry_withdrawn": _l("contest entry withdrawn"),
}


def parse(text: str) -> dict[str, tuple[int, int | None]]:
    """Read a KARMA_RULES string into overrides; a clear ValueError names the first mistake."""
    overrides = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in DEFAULTS:
            raise ValueError(f"KARMA_RULES: {item!r} is not name=points[/cap] with a rule among {', '.join(DEFAULTS)}")
        points, _slash, cap = value.partition("/")
        try:
            parsed = (int(points), None if cap.strip().lower() in ("", "none") else int(cap))
        except ValueError:
            raise ValueError(f"KARMA_RULES: {item!r}: points and cap are whole numbers") from None
        if parsed[0] < 0 or (parsed[1] is not None and parsed[1] < 1):
            raise ValueError(f"KARMA_RULES: {item!r}: points are 0 or more (0 turns the rule off), a cap 1 or more")
        overrides[name] = parsed
    return overrides


def build(setting) -> dict[str, KarmaRule]:
    """The rules in force: the defaults with the setting's overrides (a KARMA_RULES string or a mapping)."""
    overrides = parse(setting) if isinstance(setting, str) else {
        name: parse(f"{name}={value}")[name] if isinstance(value, str) else tuple(value)
        for name, value in (setting or {}).items()}
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"KARMA_RULES: unknown rules {', '.join(sorted(unknown))}")
    return {name: KarmaRule(name, *overrides.get(name, default)) for name, default in DEFAULTS.items()}


def current() -> dict[str, KarmaRule]:
    """The rules of the running app (checked once when the app is built)."""
    return current_app.extensions["karma_rules"]
