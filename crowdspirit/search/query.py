"""What people type into the search box, read into words, phrases, exclusions and field filters.

The reader never fails: a stray quote, an unknown filter or an overlong query becomes a note the
results page shows, and whatever could be understood is still searched.
"""

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

MAX_LENGTH = 200
MAX_TERMS = 12
FILTERS = ("tag", "stage", "project", "author", "type")
_TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))', re.UNICODE)


@dataclass
class ParsedQuery:
    """A query as understood: what must match, what must not, the filters, and notes for the user."""

    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    #: -tag:x and the like: results matching them are left out
    excluded_filters: dict[str, list[str]] = field(default_factory=dict)
    notes: list = field(default_factory=list)
    #: the last word, with no space after it: matched as a prefix too (the same everywhere: page, htmx, API)
    prefix: str | None = None

    @property
    def searchable(self) -> bool:
        """Something positive to look for: a word, a phrase or a filter."""
        return bool(self.words or self.phrases or self.filters)


def parse(text: str) -> ParsedQuery:
    """Read a query string; never raises. The last word (no space after it) is also a prefix."""
    parsed = ParsedQuery()
    text = text.replace("\x00", " ")
    if len(text) > MAX_LENGTH:
        text = text[:MAX_LENGTH]
        parsed.notes.append(_l("Your search was long: only its first %(count)d characters were used.",
                               count=MAX_LENGTH))
    if text.count('"') % 2:
        parsed.notes.append(_l("A quote was not closed: the phrase runs to the end of your search."))
    terms = 0
    for match in _TOKEN.finditer(text):
        negated, name, phrase, word = match.groups()
        value = (phrase if phrase is not None else word).strip()
        name = name.lower() if name else None
        if name and name not in FILTERS:
            parsed.notes.append(_l("Unknown filter “%(name)s:”; use tag:, stage:, project:, author: or type:.",
                                   name=name))
            continue
        if not re.search(r"\w", value):
            continue
        terms += 1
        if terms > MAX_TERMS:
            parsed.notes.append(_l("Only the first %(count)d words and filters were used.", count=MAX_TERMS))
            break
        if name:
            (parsed.excluded_filters if negated else parsed.filters).setdefault(name, []).append(value.lower())
        elif negated:
            parsed.excluded.append(value)
        elif phrase is not None:
            parsed.phrases.append(value)
        else:
            parsed.words.append(value)
    if parsed.words and not text.endswith((" ", '"')) and parsed.words[-1] == text.split()[-1]:
        parsed.prefix = parsed.words[-1]
    if not parsed.searchable and (parsed.excluded or parsed.excluded_filters):
        parsed.notes.append(_l("Say what to look for, not only what to leave out."))
    return parsed


def _quoted(text: str) -> str:
    """A filter value or exclusion as typed: in quotes when it holds a space."""
    return f'"{text}"' if " " in text else text


def unparse(parsed: ParsedQuery, replace: dict[str, str]) -> str:
    """The query text again with some words replaced (for "did you mean")."""
    parts = [replace.get(w, w) for w in parsed.words]
    parts += [f'"{p}"' for p in parsed.phrases] + [f"-{_quoted(e)}" for e in parsed.excluded]
    for sign, filters in (("", parsed.filters), ("-", parsed.excluded_filters)):
        parts += [f"{sign}{name}:{_quoted(value)}" for name, values in filters.items() for value in values]
    return " ".join(parts)
