"""Sign-in limits and session lifetime. Pure, so they are tested without a database.

Failed sign-ins are limited on three keys (OWASP Authentication Cheat Sheet, "Protect
Against Automated Attacks" and "Account Lockout",
https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html). The sheet
counts failures against the account, so that spreading guesses over many addresses does
not help, and warns that a lockout must not become a way to deny other users their
accounts. A lock on five failures in a row did exactly that: anyone who knew a username
could keep its owner out. So:

- one client address (an IPv6 /64, which one customer usually holds whole) gets
  ``ADDRESS_FAILURES`` failures in ``WINDOW`` over all usernames, and
  ``ADDRESS_ACCOUNT_FAILURES`` for any one username; past that, that address is refused,
  and nobody else is;
- the account itself is locked for ``LOCKOUT`` only after ``ACCOUNT_FAILURES`` wrong
  passwords in ``WINDOW`` from all addresses together. One address adds at most
  ``ADDRESS_ACCOUNT_FAILURES`` of those per web process, so a lock takes a distributed
  attack: ten networks with one process, more than one network unless the deployment runs
  ten or more web processes. Fifty guesses per quarter hour cannot find a password that
  passes the policy (12 characters or more, not a common one).
"""

from __future__ import annotations

from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
ADDRESS_FAILURES = 30
ADDRESS_ACCOUNT_FAILURES = 5
ACCOUNT_FAILURES = 50
LOCKOUT = timedelta(minutes=15)
# Last-seen and last-used times are kept to this precision, so a read writes nothing.
TOUCH_INTERVAL = timedelta(minutes=1)


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def account_failures_since(
    now: datetime,
    *,
    locked_until: datetime | None,
    last_sign_in_at: datetime | None,
    password_changed_at: datetime | None,
) -> datetime:
    """Where the account's count of wrong passwords starts: the window, but never before
    the last success, the last password change or the end of the last lock, each of which
    starts a fresh count."""
    starts = [now - WINDOW]
    starts.extend(t for t in (locked_until, last_sign_in_at, password_changed_at) if t)
    return max(starts)


def locks_account(wrong_passwords: int) -> bool:
    """``wrong_passwords``: those counted since ``account_failures_since``, this one too."""
    return wrong_passwords >= ACCOUNT_FAILURES


def session_expiry(
    *, created_at: datetime, last_seen_at: datetime, idle: timedelta, absolute: timedelta
) -> datetime:
    """A session ends after ``idle`` without use (automatic log-off) or ``absolute`` in all."""
    return min(last_seen_at + idle, created_at + absolute)


def touch_interval(idle: timedelta) -> timedelta:
    """How stale a session's stored last-seen time may get: a minute, or half the idle
    limit when that is shorter, so a session in use is refreshed before it runs out."""
    return min(TOUCH_INTERVAL, idle / 2)


def needs_touch(last: datetime | None, now: datetime, interval: timedelta) -> bool:
    """Whether to write a new last-seen (or last-used) time. Skipping the write keeps a
    plain read free of writes; the cost is that an idle session ends up to ``interval``
    early, never late."""
    return last is None or now - last >= interval
