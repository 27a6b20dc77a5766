"""The one gate every disclosure goes through (42 CFR 2.31–2.33), the append-only record of
what left, the accounting a client may ask for, and breach listings from the audit trail."""
