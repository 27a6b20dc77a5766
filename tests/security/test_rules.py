"""Lockout and session-expiry rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from stepdown.security import rules

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_fifth_failure_in_a_row_locks_for_fifteen_minutes() -> None:
    failures, locked = 0, None
    for _ in range(4):
        failures, locked = rules.after_failed_attempt(failures, NOW)
        assert locked is None
    failures, locked = rules.after_failed_attempt(failures, NOW)
    assert locked == NOW + timedelta(minutes=15)
    assert failures == 0
    assert rules.is_locked(locked, NOW + timedelta(minutes=14, seconds=59))
    assert not rules.is_locked(locked, NOW + timedelta(minutes=15))


@given(
    idle=st.integers(min_value=1, max_value=600),
    absolute=st.integers(min_value=1, max_value=48),
    seen_after=st.integers(min_value=0, max_value=3000),
)
def test_session_never_outlives_either_limit(idle: int, absolute: int, seen_after: int) -> None:
    created = NOW
    seen = NOW + timedelta(minutes=seen_after)
    expiry = rules.session_expiry(
        created_at=created,
        last_seen_at=seen,
        idle=timedelta(minutes=idle),
        absolute=timedelta(hours=absolute),
    )
    assert expiry <= seen + timedelta(minutes=idle)
    assert expiry <= created + timedelta(hours=absolute)
