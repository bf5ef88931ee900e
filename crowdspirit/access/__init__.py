"""THE access policy: every check of who may see or do what goes through this package."""

from .policy import can, forget_scope, level_of, require, sees, sponsor_team, visible

__all__ = ["can", "forget_scope", "level_of", "require", "sees", "sponsor_team", "visible"]
