"""The words of access control that every layer shares (models, the access core, domains): visibility levels."""

import enum


class Visibility(enum.StrEnum):
    """Who may see what a project holds in one stage, from the widest to the narrowest."""

    PUBLIC = "public"  # anyone, even signed out
    COMMUNITY = "community"  # signed-in members of the platform
    PROJECT = "project"  # the project's members and the sponsor's team
    CONFIDENTIAL = "confidential"  # members who accepted the current NDA, and the sponsor's team


#: visibility levels from the widest audience to the narrowest
LEVELS = (Visibility.PUBLIC, Visibility.COMMUNITY, Visibility.PROJECT, Visibility.CONFIDENTIAL)
#: the level of what an R&D workspace holds: its participants only, whatever the project's policies
WORKSPACE = "workspace"
#: the pseudo-stage that stands for a whole project (its summary is as visible as its most open stage)
ANY_STAGE = "any"
