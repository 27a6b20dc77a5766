"""A small sliding-window rate limiter for public forms, so spam needs no third party.

State lives in this process's memory, guarded by a lock: each worker process counts on its
own, and a restart forgets everything. That is enough to slow down a script hammering a
public form; it is not a quota to bill by. Behind a reverse proxy, key by the address the
proxy reports, or every visitor shares one key.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float  # seconds until the next attempt would be allowed; 0 when allowed


class SlidingWindowLimiter:
    """At most ``limit`` attempts per key in any ``window`` seconds.

    Only allowed attempts are counted, so someone who waits is let back in on time however
    often they were refused meanwhile.
    """

    def __init__(
        self, *, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a limiter needs a limit of at least 1 and a positive window")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}
        self._last_sweep = clock()

    def hit(self, key: str) -> Decision:
        """Count an attempt for ``key`` if it is allowed, and say whether it was."""
        with self._lock:
            now = self._clock()
            self._sweep(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return Decision(False, hits[0] + self.window - now)
            hits.append(now)
            return Decision(True, 0.0)

    def check(self, key: str) -> Decision:
        """Whether an attempt for ``key`` would be allowed now, without counting one: for
        limits that count only failures, checked before the attempt is tried."""
        with self._lock:
            now = self._clock()
            hits = [hit for hit in self._hits.get(key, ()) if hit > now - self.window]
            if len(hits) >= self.limit:
                return Decision(False, hits[0] + self.window - now)
            return Decision(True, 0.0)

    def _sweep(self, now: float) -> None:
        """Forget keys idle for a whole window, at most once a window, so memory stays
        bounded by the keys seen recently rather than by every key ever seen."""
        if now - self._last_sweep < self.window:
            return
        self._last_sweep = now
        idle = [key for key, hits in self._hits.items() if hits[-1] <= now - self.window]
        for key in idle:
            del self._hits[key]

    def tracked_keys(self) -> int:
        """How many keys are held in memory (for tests and diagnostics)."""
        with self._lock:
            return len(self._hits)
