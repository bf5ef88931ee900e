"""What the domains registered at start-up: their rules, the rule that hides each model, SQL filters, facts about
users, search keys and the people behind each relation. The access core reads only these tables."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """Who may perform an action, and what a refused user is told."""

    allowed: Callable
    refusal: object = None
    needs_account: bool = True
    #: a suspended member may still do it (they read); actions named "*.view" always may
    reads: bool = False
    #: taking part (posting, voting, proposing): also needs the member in good standing (see Standing)
    takes_part: bool = False


@dataclass(frozen=True)
class Standing:
    """A condition a member meets before taking part anywhere (a confirmed address, the current charter accepted),
    what a member who does not is told, and where they put it right."""

    met: Callable
    refusal: object
    #: () -> (url, label) of the page that puts it right
    remedy: Callable | None = None


#: action ("idea.vote") -> its rule
RULES: dict[str, Rule] = {}
#: model class -> the action that decides whether a user may know that a row of it exists (else 404)
VIEW_ACTIONS: dict[type, str] = {}
#: model class -> (select(), user) -> the select() restricted to the rows the user may see
FILTERS: dict[type, Callable] = {}
#: name -> user -> a fact about the user computed once per request (their memberships, their workspaces...)
FACTS: dict[str, Callable] = {}
#: name -> user -> the search access keys the user holds (see keys.access_key)
KEY_SOURCES: dict[str, Callable] = {}
#: relation ("member_of", "cleared", "team") -> project -> select() of the ids of the users holding it
PEOPLE: dict[str, Callable] = {}
#: name -> the Standing every action that takes part needs
STANDINGS: dict[str, Standing] = {}


def register(*, rules: dict | None = None, views: dict | None = None, filters: dict | None = None,
             facts: dict | None = None, keys: dict | None = None, people: dict | None = None,
             standings: dict | None = None) -> None:
    """Add a domain's part of the policy (called by the domain's rules.register at start-up; idempotent)."""
    for table, entries in ((RULES, rules), (VIEW_ACTIONS, views), (FILTERS, filters), (FACTS, facts),
                           (KEY_SOURCES, keys), (PEOPLE, people), (STANDINGS, standings)):
        table.update(entries or {})


def registered(action: str) -> bool:
    """Whether some domain registered a rule for this action."""
    return action in RULES


def reads(action: str) -> bool:
    """Whether a suspended member may still do this (read)."""
    return action.endswith(".view") or RULES[action].reads


def rules_table() -> Iterable[tuple[str, str, str]]:
    """Every registered action with the predicate deciding it and what a refused member is told, sorted by action."""
    for action in sorted(RULES):
        rule = RULES[action]
        name = f"{rule.allowed.__module__.removeprefix('crowdspirit.')}.{rule.allowed.__qualname__}"
        flags = [flag for flag, on in (("visitors too", not rule.needs_account), ("reads", reads(action)),
                                       ("takes part", rule.takes_part)) if on]
        yield action, name + (f" ({', '.join(flags)})" if flags else ""), str(rule.refusal or "")
