"""What every route to a payer promises: a 270 goes in, a 271 or a typed failure comes out.

The simulator, an X12-over-HTTP endpoint and a clearinghouse's JSON API differ in how they
carry the inquiry, never in what the caller gets back, so the retry policy and the
eligibility service are written once against ``EligibilityGateway``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from stepdown.kit.x12 import X12Error, parse


class FailureKind(StrEnum):
    TIMEOUT = "timeout"  # no answer within the time we gave it
    UNREACHABLE = "unreachable"  # no connection (refused, reset, name not found, TLS)
    SERVER_ERROR = "server_error"  # an HTTP error status (``status`` says which)
    MALFORMED = "malformed"  # an answer, but not a 271 interchange we can read


@dataclass(frozen=True)
class Answered:
    """The payer's 271, as received: parsed later, stored beside its snapshot as is."""

    text: str


@dataclass(frozen=True)
class Failed:
    kind: FailureKind
    detail: str
    status: int | None = None  # the HTTP status of a SERVER_ERROR


Outcome = Answered | Failed


class EligibilityGateway(Protocol):
    def inquire(self, text: str, *, timeout: float | None = None) -> Outcome:
        """Send one 270 interchange and wait at most ``timeout`` seconds (the gateway's
        own default when None) for its 271."""
        ...


def read_271(body: str) -> Outcome:
    """``body`` as an answer if it is an interchange holding a 271; anything else (an
    HTML error page, a 999 acknowledgment instead of a 271) is a MALFORMED failure."""
    try:
        segments = parse(body)
    except X12Error as exc:
        return Failed(FailureKind.MALFORMED, f"the response is not an X12 interchange: {exc}")
    sets = {s.get(1) for s in segments if s.id == "ST"}
    if sets != {"271"}:
        found = ", ".join(sorted(sets)) or "none"
        return Failed(
            FailureKind.MALFORMED, f"the response holds no 271 (transaction sets: {found})"
        )
    return Answered(body)
