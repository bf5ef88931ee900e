"""THE access policy: every check of who may see or do what goes through this package."""

from .policy import (
    OrganisationActor,
    access_key,
    can,
    forget_scope,
    level_of,
    require,
    search_keys,
    sees,
    sponsor_team,
    visible,
)

__all__ = ["OrganisationActor", "access_key", "can", "forget_scope", "level_of", "require", "search_keys", "sees",
           "sponsor_team", "visible"]
