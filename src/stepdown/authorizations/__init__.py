"""Payer authorizations of an episode: units approved, units used by attendance."""
