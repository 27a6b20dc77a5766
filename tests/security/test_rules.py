"""Lockout and session-expiry rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from stepdown.security import rules

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_the_account_locks_on_the_fiftieth_wrong_password_for_fifteen_minutes() -> None:
    assert not rules.locks_account(rules.ACCOUNT_FAILURES - 1)
    assert rules.locks_account(rules.ACCOUNT_FAILURES)
    locked = NOW + rules.LOCKOUT
    assert rules.is_locked(locked, NOW + timedelta(minutes=14, seconds=59))
    assert not rules.is_locked(locked, NOW + timedelta(minutes=15))


def test_one_address_alone_cannot_lock_an_account() -> None:
    """The documented promise: locking takes failures from ten networks (one process)."""
    assert rules.ACCOUNT_FAILURES // rules.ADDRESS_ACCOUNT_FAILURES == 10


def test_the_account_count_restarts_after_a_success_a_reset_or_a_lock() -> None:
    window_start = NOW - rules.WINDOW
    none = {"locked_until": None, "last_sign_in_at": None, "password_changed_at": None}
    assert rules.account_failures_since(NOW, **none) == window_start
    for field in none:
        later = NOW - timedelta(minutes=3)
        assert rules.account_failures_since(NOW, **(none | {field: later})) == later
        earlier = NOW - timedelta(hours=3)
        assert rules.account_failures_since(NOW, **(none | {field: earlier})) == window_start


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


@given(
    idle_minutes=st.integers(min_value=1, max_value=120),
    gaps=st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=40),
)
def test_a_session_in_use_never_expires_and_an_idle_one_ends_on_time(
    idle_minutes: int, gaps: list[float]
) -> None:
    """Requests come at most ``idle - interval`` apart: the session lives through all of
    them, writing last-seen at most once per interval; after the last one it ends between
    ``idle - interval`` and ``idle`` later, never after."""
    idle = timedelta(minutes=idle_minutes)
    interval = rules.touch_interval(idle)
    absolute = timedelta(days=365)
    assert interval <= idle / 2
    seen = expires = None
    now = NOW
    for fraction in gaps:
        if seen is not None:
            now += (idle - interval) * fraction
            assert expires is not None
            assert expires > now, "a session in use expired"
        if rules.needs_touch(seen, now, interval):
            assert seen is None or now - seen >= interval
            seen = now
            expires = rules.session_expiry(
                created_at=NOW, last_seen_at=seen, idle=idle, absolute=absolute
            )
    assert expires is not None
    assert now + idle - interval <= expires <= now + idle
