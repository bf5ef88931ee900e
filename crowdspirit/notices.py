"""Who hears of what, declared by the domain whose event it is.

A domain declares each kind of notice it gives (`declare`: its label and text in both languages, its default channel,
who is told, what they must be allowed to see, where it links) and says that one happened (`tell`) inside the
transaction of the change. The notifications domain delivers them after the commit, through the event outbox: to the
people who may see what the notice names at that moment, in the channels each of them chose.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import events
from .signals import notice_given

#: the ways a member can hear of a kind, in the order the settings page offers them
CHANNELS = ("app", "now", "daily", "weekly", "off")


@dataclass(frozen=True)
class Kind:
    """One kind of notice: what the member reads and how it reaches them unless they chose otherwise."""

    name: str
    #: the settings page's and the filter's name for the kind ("Partnership offers"), a lazy string
    label: object
    #: what the notice says, a lazy string with %(who)s (the actor), %(title)s (the subject's) and %(detail)s
    text: object
    #: the section of the settings page ("Ideas", "Contests"...), a lazy string
    group: object
    #: one of CHANNELS
    default: str = "daily"
    #: the action the recipient must be allowed on the subject when it is delivered (None: the notice is theirs alone)
    view: str | None = None
    #: subject -> the object whose visibility keeps the notice readable (an idea, a thread, a project), or None
    guard: Callable = lambda subject: subject
    #: (subject, details) -> the ids of the people told, when `tell` names nobody
    audience: Callable | None = None
    #: subject -> the address the notice opens (None: the subject's own page, as the notifications domain knows it)
    link: Callable | None = None
    #: subject -> the title shown (None: the subject's title or name)
    title: Callable | None = None
    #: detail value -> its label, for a detail that is a code ("vetoed" -> "refused by the sponsor")
    details: dict = field(default_factory=dict)
    #: told even while suspended or banned (a sanction, its appeal)
    reaches_sanctioned: bool = False
    #: the channels the settings page offers for it (a weekly summary is weekly or nothing)
    channels: tuple = CHANNELS
    #: user -> whether the settings page offers the kind to them (None: to everyone; a sponsors' kind to sponsors)
    offered_to: Callable | None = None


def sponsors(user) -> bool:
    """`offered_to` for the kinds only a sponsor's team hears of."""
    return user.organisation_id is not None


#: name -> Kind, in the order the domains declared them
KINDS: dict[str, Kind] = {}
#: callables told of every notice as it is delivered (webhooks), with the kind, subject, the people it names (before
#: anyone's preferences or access are checked), actor, detail and note; run inside the delivering transaction
LISTENERS: list[Callable] = []


def declare(name: str, **options) -> Kind:
    """Declare a kind of notice (at start-up; declaring it again replaces it)."""
    if options.get("default", "daily") not in options.get("channels", CHANNELS):
        raise ValueError(f"unknown default channel for {name}")
    KINDS[name] = Kind(name=name, **options)
    return KINDS[name]


def listen(listener: Callable) -> None:
    """Have listener(kind, subject, people, actor, detail, note) called for every notice delivered (at start-up;
    idempotent): a domain hears every kind without the notifications domain knowing it."""
    if listener not in LISTENERS:
        LISTENERS.append(listener)


def delivered(kind: Kind, subject, people: set[int], actor=None, detail: str = "", note: str = "") -> None:
    """Pass a notice being delivered to every listener (the notifications domain calls it for every kind it
    delivers, whether a domain told it or the forum's posts and ideas' moves gave it)."""
    for listener in LISTENERS:
        listener(kind, subject, people, actor, detail, note)


def tell(kind: str, subject, to: Iterable[int] | None = None, actor=None, detail: str = "", note: str = "",
         once: bool = False) -> None:
    """Say, inside the current transaction, that this kind of thing happened to subject: delivered after the commit
    to `to` (user ids) or to the kind's audience, minus the actor; `note` is the actor's reason, shown with it;
    `once`: not to whoever was already told this kind about this subject (a reminder, a threshold reached again)."""
    if kind not in KINDS:
        raise KeyError(f"undeclared notice kind {kind!r}")
    events.emit(notice_given, subject, kind=kind, to=sorted(set(to)) if to is not None else None, actor=actor,
                detail=detail, note=(note or "")[:300], once=once)
