"""What the search backends share: filters read as stored values, facet order, and the shape of an answer."""

from collections import Counter
from dataclasses import dataclass

from . import registry

FACETS = ("kind", "project", "stage", "tags")


class Busy(Exception):
    """Another indexer holds the writer lock; try again later."""


@dataclass
class Matches:
    """What a backend found among the documents a user may see: how many, facet counts, one page of keys, and a
    corrected query when nothing was found."""

    total: int
    facets: dict[str, list[tuple[str, int]]]
    keys: list[str]
    suggestion: str | None = None


def most_edits(word: str) -> int:
    """How many edits a "did you mean" word may be from the typed one: one up to six letters, two beyond (so that
    "casque" is not corrected into "case", nor "podcst" into "post")."""
    return 1 if len(word) <= 6 else 2


def filter_values(name: str, values: list[str]) -> tuple[str, list[str]]:
    """A query filter (tag:, type:, and those the domains registered: stage:, project:, author:) as a stored field
    and the values it accepts (any of them)."""
    if name == "tag":
        return "tags", values
    if name == "type":
        aliases = registry.kind_aliases()
        return "kind", [aliases.get(v, v) for v in values]
    return registry.FILTERS[name](values)


def ordered_facets(counts: dict[str, Counter]) -> dict[str, list[tuple[str, int]]]:
    """Facet values with their counts, most frequent first (ties alphabetical), empty values left out."""
    return {name: sorted(((value, n) for value, n in counts.get(name, Counter()).items() if value),
                         key=lambda item: (-item[1], item[0])) for name in FACETS}
