"""A double-entry ledger for money: every movement is a balanced transaction between named accounts."""
