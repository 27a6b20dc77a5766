"""Sign-in rules: lockout and session lifetime. Pure, so they are tested without a database."""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def after_failed_attempt(failed_attempts: int, now: datetime) -> tuple[int, datetime | None]:
    """The new failure count and, on the fifth failure in a row, when the lock ends.

    The count restarts once a lock is set, so the next lock needs five fresh failures.
    """
    failures = failed_attempts + 1
    if failures >= MAX_FAILED_ATTEMPTS:
        return 0, now + LOCKOUT
    return failures, None


def session_expiry(
    *, created_at: datetime, last_seen_at: datetime, idle: timedelta, absolute: timedelta
) -> datetime:
    """A session ends after ``idle`` without use (automatic log-off) or ``absolute`` in all."""
    return min(last_seen_at + idle, created_at + absolute)
