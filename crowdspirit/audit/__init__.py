"""The audit log: policy, membership, NDA and stage changes, for project owners and admins."""
