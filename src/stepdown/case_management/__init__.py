"""Case management: a client's needs, referrals to community resources, and the worklist."""
