"""The accountability summary: one client's attendance, hours, tests, objectives, check-ins
and instrument scores over a date range, for a review."""
