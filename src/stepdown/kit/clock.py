"""One source of 'now', so rules and tests agree on time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The program's calendar day; UTC until sites carry their own time zone."""
    return utc_now().date()
