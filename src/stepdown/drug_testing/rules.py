"""The random draw, as pure functions: seeds, commitments, selection and verification.

Why this makes the draw fair and checkable:

* **Unpredictable.** Each site's day gets its own 32-byte seed from the operating system's
  cryptographic random source (``secrets``). Nobody can work out tomorrow's seed from today's,
  and until the day it is kept only sealed under the program's secret key (``seal``), so
  reading the database in advance does not reveal it either.
* **Not chosen after the fact.** Before the day only ``commitment = SHA-256(seed)`` is
  published. On the day the seed is revealed and must hash to that commitment, so staff
  cannot look at who is eligible and then try seeds until a preferred selection comes out.
* **Same chance for everyone, independently.** Client *c* is selected iff
  ``HMAC-SHA256(seed, "day|site|c")``, read as a 64-bit fraction, is below ``p``. HMAC under
  a uniformly random key behaves as a random function, so each client's number is uniform
  and independent of every other client's, of other days and of past selections; the
  comparison is exact (rational arithmetic), so no rounding favours anyone.
* **Re-verifiable.** The selection is a deterministic function of the revealed seed and the
  stored inputs, and ``draw_hash`` covers all of them in one canonical encoding, so
  ``verify`` can name which part of a stored draw no longer adds up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from stepdown.kit.errors import Conflict, Invalid

SEED_BYTES = 32
DEFAULT_RATE_PER_WEEK = 2.0
DEFAULT_PROGRAM_DAYS = 5
_FRACTION_BITS = 64


def refuse(rule: str, message: str) -> Conflict:
    return Conflict(message, rule=rule)


def new_seed() -> bytes:
    """A fresh seed from the OS CSPRNG; never derived from anything else."""
    return secrets.token_bytes(SEED_BYTES)


def commitment(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def _pad(key: bytes, site: str, day: date) -> bytes:
    return hmac.digest(key, f"drug-testing-seal|{site}|{day.isoformat()}".encode(), "sha256")


def seal(seed: bytes, *, key: bytes, site: str, day: date) -> bytes:
    """XOR the seed with a pad only the secret key can produce: a one-time pad per site and
    day, so the stored bytes tell a database reader nothing about the seed."""
    return bytes(a ^ b for a, b in zip(seed, _pad(key, site, day), strict=True))


unseal = seal  # XOR with the same pad undoes it


def probability(rate_per_week: float, program_days: int) -> Fraction:
    """Each eligible client's chance on one program day: the weekly rate spread evenly."""
    if not 1 <= program_days <= 7:
        raise Invalid("program days per week must be between 1 and 7", field="program_days")
    if not 0 < rate_per_week <= program_days:
        raise Invalid(
            f"the rate must be above 0 and at most {program_days} tests per week",
            field="rate_per_week",
        )
    return Fraction(rate_per_week) / program_days


def draw_fraction(seed: bytes, *, day: date, site: str, client: str) -> Fraction:
    """The client's uniform number in [0, 1) for this day: the first 64 bits of the HMAC."""
    mac = hmac.digest(seed, f"{day.isoformat()}|{site}|{client}".encode(), "sha256")
    return Fraction(int.from_bytes(mac[: _FRACTION_BITS // 8], "big"), 2**_FRACTION_BITS)


def select(seed: bytes, *, day: date, site: str, eligible: Sequence[str], p: Fraction) -> list[str]:
    """The clients selected, in the canonical (sorted) order of the eligible list."""
    return [c for c in sorted(eligible) if draw_fraction(seed, day=day, site=site, client=c) < p]


@dataclass(frozen=True)
class DrawFacts:
    """Everything a draw was computed from and what it produced, as stored."""

    site: str
    day: date
    rate_per_week: float
    program_days: int
    commitment: str
    committed_at: datetime
    seed: str  # hex
    probability: float
    eligible: tuple[str, ...]
    selected: tuple[str, ...]


def draw_hash(facts: DrawFacts) -> str:
    """SHA-256 over a canonical JSON of the whole draw: sorted keys, no whitespace, UTF-8."""
    fields = {
        "site": facts.site,
        "day": facts.day.isoformat(),
        "rate_per_week": facts.rate_per_week,
        "program_days": facts.program_days,
        "commitment": facts.commitment,
        "committed_at": facts.committed_at.isoformat(timespec="microseconds"),
        "seed": facts.seed,
        "probability": facts.probability,
        "eligible": list(facts.eligible),
        "selected": list(facts.selected),
    }
    encoded = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


COMMITMENT_MISMATCH = "commitment mismatch: the revealed seed does not hash to the commitment"
SELECTION_DIFFERS = "selection differs: the stored inputs give a different selection"
RECORD_ALTERED = "record altered: the draw no longer matches its hash"


def verify(facts: DrawFacts, stored_hash: str) -> VerifyResult:
    """Check the seed against its commitment, recompute the selection and the hash; name
    every check that fails."""
    problems = []
    try:
        seed = bytes.fromhex(facts.seed)
    except ValueError:
        seed = b""
    if len(seed) != SEED_BYTES or not hmac.compare_digest(commitment(seed), facts.commitment):
        problems.append(COMMITMENT_MISMATCH)
    try:
        p = probability(facts.rate_per_week, facts.program_days)
    except Invalid:
        p = Fraction(-1)  # no valid chance: nothing the stored selection could match
    recomputed = select(seed, day=facts.day, site=facts.site, eligible=facts.eligible, p=p)
    if p < 0 or float(p) != facts.probability or tuple(recomputed) != facts.selected:
        problems.append(SELECTION_DIFFERS)
    if not hmac.compare_digest(draw_hash(facts), stored_hash):
        problems.append(RECORD_ALTERED)
    return VerifyResult(tuple(problems))
