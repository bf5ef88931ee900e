"""THE access policy: every check of who may see or do what goes through this package.

It is the core alone and knows no domain: each domain declares its rules, SQL filters, facts and search keys in its
own rules.py and registers them at start-up (`register`); models name their protection parent. `flask crowdspirit
rules` prints the merged table.
"""

from .core import SignInRequired, can, require, unmet_standing, visible
from .keys import access_key, audience, governed_by, level_of, search_keys
from .registry import Rule, Standing, register, registered, rules_table
from .scope import (
    OrganisationActor,
    Scope,
    acting_sponsor,
    acting_team,
    acts_for,
    anyone,
    author,
    fact,
    forget_facts,
    scope,
    sees,
    sees_sql,
    signed_in,
    sponsor_team,
    way_in,
)
from .version import changed, changed_here, follows_time, generation, number, number_if_read, remembered, remembered_for

__all__ = ["OrganisationActor", "Rule", "Scope", "SignInRequired", "Standing", "access_key", "acting_sponsor",
           "acting_team", "acts_for", "anyone", "audience", "author", "can", "changed", "changed_here", "fact",
           "follows_time", "forget_facts", "generation", "governed_by", "level_of", "number", "number_if_read",
           "register",
           "registered", "remembered", "remembered_for", "require", "rules_table", "scope", "search_keys", "sees",
           "sees_sql", "signed_in", "sponsor_team", "unmet_standing", "visible", "way_in"]
