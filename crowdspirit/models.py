"""Imports every domain's models so that SQLAlchemy and Alembic see the whole schema."""

from .accounts.models import Organisation, User
from .pipeline.models import Idea, StageTransition, Tag, Vote
from .projects.models import Project, ProjectMembership
from .specs.models import SpecRevision

__all__ = ["Idea", "Organisation", "Project", "ProjectMembership", "SpecRevision",
           "StageTransition", "Tag", "User", "Vote"]
