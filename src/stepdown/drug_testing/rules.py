"""Drug testing as pure functions: the random draw (seeds, commitments, selection,
verification), then what a result means given the client's medications (``interpret``),
when a result needs confirming, and the counts of a period (``summarize``).

The random draw:

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
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from stepdown.drug_testing.models import (
    Analyte,
    Interpretation,
    Method,
    OrderReason,
    OrderStatus,
    ResultValue,
    SpecimenType,
)
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


# --- Results ---------------------------------------------------------------------------
#
# Sources for the interpretation rules:
# * ASAM, "Appropriate Use of Drug Testing in Clinical Addiction Medicine" (consensus
#   statement, J Addict Med 2017, doi:10.1097/ADM.0000000000000323; pocket guide at
#   https://eguideline.guidelinecentral.com/i/840070/6): a presumptive (point-of-care or
#   immunoassay) positive stays "presumptive positive" until an independent definitive
#   method confirms it, and confirming every result is wasteful, so only an unexpected
#   presumptive positive gets a confirmation order; the provider weighs all the facts, so
#   the interpretation is a flag for a clinician, never a verdict.
# * A negative for buprenorphine (or methadone) in a client on that medication may mean
#   non-adherence or diversion, but also a rapid metaboliser, an irregular dose, dilution,
#   a cutoff above the urine level or an assay that does not detect it ("Laboratory
#   monitoring for patients on buprenorphine: 10 questions", Current Psychiatry/MDedge;
#   Accurso et al., J Subst Abuse Treat 2017, on tampered specimens; Saloner et al., JAMA
#   Netw Open 2021;4(9):e2123019, on buprenorphine-negative specimens and other use).
#   Hence "expected positive missing", which asks for a conversation, not a sanction.
# * Invalid specimens (adulterated, substituted, unreadable) need a new specimen; ASAM adds
#   that a tampered sample may be treated as presumptive positive, which is the clinician's
#   call, so it is flagged "recollect" and never counted as negative.
# * Refused and missed collections are counted as such, never as negatives (issue 6).

ALL_ANALYTES: tuple[Analyte, ...] = tuple(Analyte)
BREATH_ANALYTES = frozenset({Analyte.ALCOHOL})  # a breath test measures ethanol only


@dataclass(frozen=True)
class ActiveMedication:
    """A prescription active on the collection day, as the rules see it."""

    name: str
    analytes: frozenset[Analyte]
    is_mat: bool


@dataclass(frozen=True)
class Reading:
    interpretation: Interpretation
    explained_by: tuple[str, ...] = ()

    @property
    def expected(self) -> bool | None:
        """True/False for a positive; None when the question does not arise."""
        if self.interpretation is Interpretation.EXPECTED_POSITIVE:
            return True
        if self.interpretation is Interpretation.UNEXPECTED_POSITIVE:
            return False
        return None


def analytes_for(specimen: SpecimenType) -> tuple[Analyte, ...]:
    if specimen is SpecimenType.BREATH:
        return tuple(a for a in ALL_ANALYTES if a in BREATH_ANALYTES)
    return ALL_ANALYTES


def check_analyte(specimen: SpecimenType, analyte: Analyte) -> None:
    if analyte not in analytes_for(specimen):
        raise Invalid(
            f"a {specimen.value.replace('_', ' ')} specimen is not tested for {analyte.label}",
            field="analyte",
        )


def interpret(
    analyte: Analyte, result: ResultValue, medications: Iterable[ActiveMedication]
) -> Reading:
    """Expected or not, given the medications active on the collection day.

    * invalid: recollect;
    * positive: expected when an active prescription explains the analyte, except alcohol,
      which no prescription explains; otherwise unexpected (fentanyl included, unless
      prescribed);
    * negative: "expected positive missing" when an active MAT prescription explains the
      analyte (e.g. buprenorphine), otherwise a plain negative.
    """
    if result is ResultValue.INVALID:
        return Reading(Interpretation.RECOLLECT)
    meds = list(medications)
    if result is ResultValue.POSITIVE:
        explaining = tuple(sorted({m.name for m in meds if analyte in m.analytes}))
        if explaining and analyte is not Analyte.ALCOHOL:
            return Reading(Interpretation.EXPECTED_POSITIVE, explaining)
        return Reading(Interpretation.UNEXPECTED_POSITIVE)
    on_mat = tuple(sorted({m.name for m in meds if m.is_mat and analyte in m.analytes}))
    if on_mat:
        return Reading(Interpretation.EXPECTED_POSITIVE_MISSING, on_mat)
    return Reading(Interpretation.NEGATIVE)


def needs_confirmation(method: Method, reading: Reading) -> bool:
    """Only an unexpected presumptive positive is sent for a definitive test."""
    return method is Method.PRESUMPTIVE and reading.interpretation is (
        Interpretation.UNEXPECTED_POSITIVE
    )


@dataclass(frozen=True)
class ResultFacts:
    collection: str  # the specimen's id
    analyte: Analyte
    method: Method
    interpretation: Interpretation


def effective(results: Iterable[ResultFacts]) -> dict[tuple[str, Analyte], ResultFacts]:
    """Per specimen and analyte, the result that counts: a definitive result supersedes the
    presumptive one it confirms or refutes."""
    chosen: dict[tuple[str, Analyte], ResultFacts] = {}
    for r in results:
        key = (r.collection, r.analyte)
        if key not in chosen or r.method is Method.DEFINITIVE:
            chosen[key] = r
    return chosen


@dataclass(frozen=True)
class OrderFacts:
    reason: OrderReason
    status: OrderStatus


@dataclass(frozen=True)
class Summary:
    """A period's testing: orders by outcome and positives by analyte. Refused and missed are
    their own counts; a pending order is neither collected nor negative."""

    ordered: int = 0
    collected: int = 0
    refused: int = 0
    missed: int = 0
    pending: int = 0
    confirmations_ordered: int = 0
    confirmations_pending: int = 0
    unexpected_positives: dict[Analyte, int] = field(default_factory=dict)
    expected_positives: dict[Analyte, int] = field(default_factory=dict)
    expected_positives_missing: dict[Analyte, int] = field(default_factory=dict)
    recollect: int = 0


def summarize(orders: Iterable[OrderFacts], results: Iterable[ResultFacts]) -> Summary:
    status: Counter[OrderStatus] = Counter()
    confirmations: Counter[OrderStatus] = Counter()
    for order in orders:
        (confirmations if order.reason is OrderReason.CONFIRMATION else status)[order.status] += 1
    by_kind: dict[Interpretation, Counter[Analyte]] = {i: Counter() for i in Interpretation}
    for r in effective(results).values():
        by_kind[r.interpretation][r.analyte] += 1

    def ordered(counter: Counter[Analyte]) -> dict[Analyte, int]:
        return {a: counter[a] for a in ALL_ANALYTES if counter[a]}

    return Summary(
        ordered=sum(status.values()),
        collected=status[OrderStatus.COLLECTED],
        refused=status[OrderStatus.REFUSED],
        missed=status[OrderStatus.MISSED],
        pending=status[OrderStatus.ORDERED],
        confirmations_ordered=sum(confirmations.values()),
        confirmations_pending=confirmations[OrderStatus.ORDERED],
        unexpected_positives=ordered(by_kind[Interpretation.UNEXPECTED_POSITIVE]),
        expected_positives=ordered(by_kind[Interpretation.EXPECTED_POSITIVE]),
        expected_positives_missing=ordered(by_kind[Interpretation.EXPECTED_POSITIVE_MISSING]),
        recollect=sum(by_kind[Interpretation.RECOLLECT].values()),
    )


# Interpretations that say something about the specimen's content; RECOLLECT says nothing.
READABLE = frozenset(
    {
        Interpretation.EXPECTED_POSITIVE,
        Interpretation.UNEXPECTED_POSITIVE,
        Interpretation.NEGATIVE,
        Interpretation.EXPECTED_POSITIVE_MISSING,
    }
)


@dataclass(frozen=True)
class SpecimenCounts:
    """A period's results counted per specimen rather than per analyte: one specimen positive
    for cocaine and opiates is two analytes but one specimen, one occasion of use to talk
    about (issue 11). A specimen is "resulted" once at least one analyte has a readable
    result (positive or negative); one collected and still waiting for the laboratory, or
    only to be collected again, is not a negative one."""

    resulted: int = 0
    unexpected_positive: int = 0
    # Of those, specimens with an unexpected positive a definitive method found (ASAM 2017:
    # a presumptive result stays presumptive until a definitive method confirms it).
    confirmed_positive: int = 0
    # Adulterated, substituted or invalid: collect again; never a negative (ASAM 2017: it
    # may be treated as a presumptive positive).
    recollect: int = 0


def count_specimens(results: Iterable[ResultFacts]) -> SpecimenCounts:
    """Per specimen, from the results that count (``effective``: a definitive result over
    the presumptive one it confirms or refutes)."""
    by_specimen: dict[str, list[ResultFacts]] = defaultdict(list)
    for r in effective(results).values():
        by_specimen[r.collection].append(r)

    def specimens(holds: Callable[[ResultFacts], bool]) -> int:
        return sum(any(holds(r) for r in rows) for rows in by_specimen.values())

    unexpected = Interpretation.UNEXPECTED_POSITIVE
    return SpecimenCounts(
        resulted=specimens(lambda r: r.interpretation in READABLE),
        unexpected_positive=specimens(lambda r: r.interpretation is unexpected),
        confirmed_positive=specimens(
            lambda r: r.interpretation is unexpected and r.method is Method.DEFINITIVE
        ),
        recollect=specimens(lambda r: r.interpretation is Interpretation.RECOLLECT),
    )


def due_on(weekday: int, starts_on: date, ends_on: date | None, day: date) -> bool:
    """Whether a standing weekly schedule ``[starts_on, ends_on)`` orders a test on ``day``."""
    in_period = starts_on <= day and (ends_on is None or day < ends_on)
    return in_period and day.weekday() == weekday


def check_weekday(weekday: int) -> None:
    if not 0 <= weekday <= 6:
        raise Invalid("choose a weekday (0 = Monday ... 6 = Sunday)", field="weekday")
