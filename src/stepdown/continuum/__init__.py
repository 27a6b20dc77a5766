"""The continuum of care: the levels, partner providers, episodes of care and their timelines."""
