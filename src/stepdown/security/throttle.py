"""Failed sign-ins per client address, so one address flooding the form is refused alone.

The counts live in this process's memory (the web app keeps one ``SignInThrottle``): each
web process counts on its own and a restart forgets. That bounds what one address can try
per process; the account-wide limit, which must hold across processes, is counted from the
audit trail instead (``service.authenticate``). Behind a reverse proxy the client address
must be the one the proxy reports (uvicorn ``--proxy-headers``), or every visitor shares
one address and one limit.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import deque
from collections.abc import Callable

from stepdown.security import rules, tokens

# Reasons a sign-in is refused before its password is looked at (audited as such).
ADDRESS_LIMITED = "address_limited"
ADDRESS_ACCOUNT_LIMITED = "address_account_limited"
ADDRESS_REASONS = (ADDRESS_LIMITED, ADDRESS_ACCOUNT_LIMITED)


def network_of(address: str) -> str:
    """The key for an address: an IPv4 address itself, an IPv6 address's /64 (a single
    customer's allocation, so rotating through it earns no fresh limit)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class FailureWindow:
    """How many failures each key had in the last ``window`` seconds, up to ``limit``."""

    def __init__(
        self, *, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}
        self._last_sweep = clock()

    def full(self, key: str) -> bool:
        with self._lock:
            failures = self._recent(key, self._clock())
            return failures is not None and len(failures) >= self.limit

    def add(self, key: str) -> None:
        with self._lock:
            now = self._clock()
            self._sweep(now)
            self._failures.setdefault(key, deque(maxlen=self.limit)).append(now)

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def tracked_keys(self) -> int:
        with self._lock:
            return len(self._failures)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        failures = self._failures.get(key)
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def _sweep(self, now: float) -> None:
        """Forget keys with no failure in a whole window, at most once a window, so memory
        is bounded by the addresses seen lately (``maxlen`` bounds each key)."""
        if now - self._last_sweep < self.window:
            return
        self._last_sweep = now
        idle = [k for k, f in self._failures.items() if not f or f[-1] <= now - self.window]
        for key in idle:
            del self._failures[key]


class SignInThrottle:
    """The per-address limits of ``rules``: all usernames from one address, and one
    username from one address."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        window = rules.WINDOW.total_seconds()
        self.by_address = FailureWindow(limit=rules.ADDRESS_FAILURES, window=window, clock=clock)
        self.by_address_account = FailureWindow(
            limit=rules.ADDRESS_ACCOUNT_FAILURES, window=window, clock=clock
        )

    @staticmethod
    def _pair(network: str, username: str) -> str:
        # A digest, not the name: people type passwords into the username box.
        return f"{network} {tokens.digest(username.strip().lower())}"

    def refusal(self, address: str, username: str) -> str:
        """Why this address may not try this username now, or "" if it may."""
        network = network_of(address)
        if self.by_address.full(network):
            return ADDRESS_LIMITED
        if self.by_address_account.full(self._pair(network, username)):
            return ADDRESS_ACCOUNT_LIMITED
        return ""

    def failed(self, address: str, username: str) -> None:
        network = network_of(address)
        self.by_address.add(network)
        self.by_address_account.add(self._pair(network, username))

    def succeeded(self, address: str, username: str) -> None:
        """The owner got in: their typos from here no longer count against them. The
        address's total stays, as other people may share it."""
        self.by_address_account.clear(self._pair(network_of(address), username))
