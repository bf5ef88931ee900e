"""Pages assembled from panels that domains register: the idea page shows the specification's, partner R&D's, the
files' and the discussion's panels, and the project page the pipeline's ideas, without their views importing those
domains. A panel is a template plus a function giving its context (None: nothing to show for this object)."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template
from flask_login import current_user
from markupsafe import Markup


@dataclass(frozen=True)
class Panel:
    """One named part of a page, drawn by the domain that registered it."""

    name: str
    template: str
    #: (obj, user) -> the template's context, or None when the panel shows nothing for this object and user
    context: Callable
    #: where on the page it goes ("main", "aside"...) and in which order within that slot
    slot: str = "main"
    order: int = 50
    #: the template that answers an htmx request for this panel alone (the page's primary list)
    fragment: str | None = None


#: page name -> panel name -> Panel
_PANELS: dict[str, dict[str, Panel]] = {}


def register(page: str, panel: Panel) -> None:
    """Add a domain's panel to a page (at start-up; registering a panel again replaces it)."""
    _PANELS.setdefault(page, {})[panel.name] = panel


def _contexts(page: str, obj, slot: str | None = None):
    """(panel, context) for the page's panels in this slot that have something to show, in order."""
    user = current_user._get_current_object()  # not the proxy, which looks the user up again at every use
    for panel in sorted(_PANELS.get(page, {}).values(), key=lambda panel: panel.order):
        if slot is None or panel.slot == slot:
            context = panel.context(obj, user)
            if context is not None:
                yield panel, context


def render_panels(page: str, obj, slot: str = "main") -> Markup:
    """The HTML of a page's panels in one slot (a Jinja global: `{{ panels("idea", idea, "aside") }}`)."""
    return Markup("".join(render_template(panel.template, **context) for panel, context in _contexts(page, obj, slot)))


def render_fragment(page: str, name: str, obj) -> str:
    """The fragment of one panel (the htmx answer of the page that shows it)."""
    panel = _PANELS[page][name]
    return render_template(panel.fragment or panel.template, **panel.context(obj, current_user._get_current_object()))
