"""Aftercare plans, relapse-prevention check-ins with reminders, and outcome follow-ups."""
