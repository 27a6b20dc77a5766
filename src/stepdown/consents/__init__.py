"""Consents to disclose (42 CFR 2.31), the client's contacts with their releases, and the
§ 2.22 notice acknowledged at admission."""
