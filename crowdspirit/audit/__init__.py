"""The audit log: policy, membership, NDA and stage changes, written by the domains in the transaction of the change
(the projects domain shows a project's log to its owner)."""

from . import models  # noqa: F401  (its table, known before any mapper is configured)
