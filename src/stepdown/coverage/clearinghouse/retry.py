"""When to ask the payer again, and how long to wait first.

A payer that timed out, could not be reached, failed with a 5xx or answered AAA03 "42"
(Unable to Respond at Current Time: its system is down, 005010X279A1 loop 2100A AAA; see
also X12 RFI 1716) may answer a moment later, so it is asked again with exponential backoff
and jitter, all within one deadline so a person at the front desk is never kept waiting
long. A 271 that rejects the demographics (AAA03 72 Invalid/Missing Subscriber/Insured ID,
75 Subscriber/Insured Not Found, 73 name, 58 birth date, ...) gives the same answer however
often it is sent: it is never retried, someone has to fix the demographics.

Caution: CAQH CORE 153 (connectivity; per ediacademy.com's summary of its section 6) asks
that a real-time request that got no HTTP reply not be retransmitted sooner than 90 s
after it was sent. The short retries of a timeout here follow the issue; an endpoint that
holds its senders to that rule is one to call with ``attempts=1``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from stepdown.coverage.clearinghouse.gateway import (
    Answered,
    EligibilityGateway,
    Failed,
    FailureKind,
    Outcome,
)
from stepdown.kit.x12 import X12Error, parse

# AAA03 codes that mean "the source could not answer now", not "the request is wrong":
# 42 Unable to Respond at Current Time (005010X279A1, AAA in loops 2000A/2100A/2100B/2100C).
TRANSIENT_REJECTS = frozenset({"42"})
# HTTP 429 Too Many Requests (RFC 6585 section 4; a clearinghouse's throttling answer, e.g.
# Stedi's documented ThrottlingException 429) passes like a 5xx: asking later is the cure.
TOO_MANY_REQUESTS = 429

ATTEMPTS = 3
BASE_SECONDS = 1.0
CAP_SECONDS = 4.0
DEADLINE_SECONDS = 30.0


@dataclass(frozen=True)
class Retried:
    outcome: Outcome  # the last attempt's
    attempts: int


def reject_reasons(text: str) -> tuple[str, ...]:
    """AAA03 of every AAA segment in a 271, in order (none when the payer answered)."""
    try:
        segments = parse(text)
    except X12Error:
        return ()
    return tuple(s.get(3) for s in segments if s.id == "AAA")


def should_retry(outcome: Outcome) -> bool:
    match outcome:
        case Failed(kind=FailureKind.TIMEOUT | FailureKind.UNREACHABLE):
            return True
        case Failed(kind=FailureKind.SERVER_ERROR, status=int(status)):
            return status >= 500 or status == TOO_MANY_REQUESTS
        case Failed():
            return False
        case Answered(text=text):
            reasons = reject_reasons(text)
            return bool(reasons) and set(reasons) <= TRANSIENT_REJECTS
    return False


def delays(attempts: int, base: float, cap: float, rng: random.Random) -> list[float]:
    """The waits before attempts 2..n: ``base * 2**i`` stretched by up to half again at
    random, never above ``cap``. The stretch (jitter) keeps clients that failed together
    from retrying together (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015);
    keeping it under the doubling keeps the waits non-decreasing."""
    return [min(cap, base * 2**i * (1 + rng.random() / 2)) for i in range(max(attempts - 1, 0))]


def call_with_retry(
    gateway: EligibilityGateway,
    text: str,
    *,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    attempts: int = ATTEMPTS,
    base: float = BASE_SECONDS,
    cap: float = CAP_SECONDS,
    deadline: float = DEADLINE_SECONDS,
) -> Retried:
    """Ask until an answer that retrying cannot change, ``attempts`` run out, or the next
    wait would pass ``deadline`` seconds from the start; each attempt's timeout is cut to
    what is left of the deadline."""
    waits = delays(attempts, base, cap, rng or random.Random())  # noqa: S311 - jitter, no secret
    start = clock()
    outcome = gateway.inquire(text, timeout=min(timeout, deadline))
    made = 1
    for wait in waits:
        if not should_retry(outcome):
            break
        left = deadline - (clock() - start) - wait
        if left <= 0:
            break
        sleep(wait)
        outcome = gateway.inquire(text, timeout=min(timeout, left))
        made += 1
    return Retried(outcome, made)
