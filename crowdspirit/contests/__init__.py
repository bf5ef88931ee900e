"""Contests (the Wilogo flow, generalised) and expert challenges, with rewards in the ledger and IP transfer."""
