"""The pipeline's notices for those who decide: an idea reached its support or vote threshold, a veto window closes
within a day; and for those concerned by a merge of duplicates (ideas' stage moves are told to their authors, voters and
followers by the notifications domain)."""

from flask_babel import lazy_gettext as _l

from .. import notices

#: what reaching the threshold asks of its deciders, by the project's promotion decider
DECISIONS = {"sponsor": _l("it waits for your decision to promote it"),
             "moderator": _l("it waits for your decision to promote it"),
             "shortlist": _l("it joins the shortlist you choose from"),
             "veto": _l("it moves to specification unless you veto it in time")}
#: what reaching the support threshold asks of the deciders of opening voting, by the project's gate 1 decider
OPENINGS = {"sponsor": _l("it waits for your decision to open voting"),
            "moderator": _l("it waits for your decision to open voting"),
            "shortlist": _l("it joins the shortlist you open voting from"),
            "veto": _l("voting opens on it unless you veto it in time")}
#: what the crowd did that the sponsor may still veto, by the stage it moved the idea to
VETOED_MOVES = {"vote": _l("The crowd opened voting on"), "spec": _l("The crowd promoted")}
#: what the idea merged into another was to the person told of the merge
MERGED = {"author": _l("your idea"), "voter": _l("an idea you voted for"), "target": _l("a duplicate of your idea")}


def register() -> None:
    """Declare the threshold, veto and merge notices."""
    notices.declare("idea.threshold", label=_l("Ideas that reached their vote threshold, for those who decide"),
                    group=_l("Decisions waiting"), default="daily",
                    text=_l("“%(title)s” reached its vote threshold: %(detail)s"), view="idea.view", details=DECISIONS)
    notices.declare("idea.supported", label=_l("Ideas that reached their support threshold, for those who open voting"),
                    group=_l("Decisions waiting"), default="daily",
                    text=_l("“%(title)s” reached its support threshold: %(detail)s"), view="idea.view",
                    details=OPENINGS)
    notices.declare("idea.veto_closing", label=_l("Veto windows closing within a day"),
                    group=_l("Decisions waiting"), default="now", view="idea.veto", offered_to=notices.sponsors,
                    text=_l("%(detail)s “%(title)s”: your veto window closes within a day"), details=VETOED_MOVES)
    notices.declare("idea.merged", label=_l("Duplicate ideas merged into another (yours, or one you voted for)"),
                    group=_l("Ideas"), default="daily", view="idea.view", details=MERGED,
                    text=_l("%(who)s merged %(detail)s into “%(title)s”"))
