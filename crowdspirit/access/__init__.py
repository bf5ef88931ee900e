"""THE access policy: every check of who may see or do what goes through this package."""

from .policy import can, require, visible

__all__ = ["can", "require", "visible"]
