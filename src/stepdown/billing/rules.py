"""Which delivered services become which charge lines, and which lines may not be billed yet.

Everything here is pure: the service gathers what was delivered (attendance, signed notes,
drug-test results) and the payer's contract terms, and these functions decide the lines.

Sources (also in docs/domain.md, "Charges and claims"):
- Psychotherapy time rule (90832/90834/90837: 16–37, 38–52, 53 minutes and more; under 16
  not reported) and family psychotherapy (90846/90847, from 26 minutes): APA Services,
  "Psychotherapy codes" (apaservices.org/practice/reimbursement/health-codes/psychotherapy),
  as summarized in shared/domain/instruments-and-levels.md.
- Timed 15-minute units (H0004): CMS Medicare Claims Processing Manual, Pub. 100-04,
  ch. 5, § 20.2 (the "8-minute rule": a unit needs 8 minutes; a remainder of 8 or more
  adds one); a payer may instead pay whole units only, so the rule is the contract's.
- Presumptive drug screens 80305–80307: at most one per client per date of service;
  definitive G0480–G0483 by the number of drug classes reported (1–7, 8–14, 15–21, 22+),
  one per date (EmblemHealth "Definitive Drug Testing" policy; CMS HCPCS).
- Medicare IOP and PHP (CY 2024 OPPS final rule; MLN MM13222 and MM13496; CGS and First
  Coast "IOP billing requirements"): condition code 92 (IOP) or 41 (PHP) on TOB 13X/76X,
  a revenue code and HCPCS code for each service, certification of at least 9 (IOP) or 20
  (PHP) hours a week, per diem paid for days of 3 services or more.
- A per-diem day (H0015 "at least 3 h/day", carepatron.com/procedure-code/hcpcs-code-h0015):
  the daily minimum is the contract's, in minutes and services.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Final, Protocol

from stepdown.authorizations.rules import UnitType
from stepdown.billing.claim_data import ClaimType

# --- Codes (numbers only; our own short labels live in ``codes``) ---------------------

PSYCHOTHERAPY_30: Final = "90832"
PSYCHOTHERAPY_45: Final = "90834"
PSYCHOTHERAPY_60: Final = "90837"
FAMILY_WITHOUT_CLIENT: Final = "90846"
FAMILY_WITH_CLIENT: Final = "90847"
GROUP_PSYCHOTHERAPY: Final = "90853"
DIAGNOSTIC_EVALUATION: Final = "90791"
TIMED_COUNSELING: Final = "H0004"
PRESUMPTIVE_CODES: Final = ("80305", "80306", "80307")
DEFINITIVE_CODES: Final = ("G0480", "G0481", "G0482", "G0483")

# Psychotherapy time thresholds in minutes (APA; CPT time rule: a unit of time is attained
# when the midpoint is passed).
PSYCHOTHERAPY_MIN: Final = 16
PSYCHOTHERAPY_45_FROM: Final = 38
PSYCHOTHERAPY_60_FROM: Final = 53
FAMILY_MIN: Final = 26
UNIT_MINUTES: Final = 15
# CMS Pub. 100-04 ch. 5 § 20.2: a 15-minute unit needs at least 8 minutes.
MIDPOINT_MINUTES: Final = 8
# Definitive drug testing: drug classes per code (G0480 1–7, G0481 8–14, G0482 15–21,
# G0483 22 or more).
DEFINITIVE_CLASS_BANDS: Final = (7, 14, 21)
# Medicare: certified weekly hours (42 CFR 410.43 as amended by the CY 2024 OPPS rule) and
# the fewest services a day the IOP/PHP per diem pays for (3-service APC).
MEDICARE_WEEKLY_MINUTES: Final = {"IOP": 9 * 60, "PHP": 20 * 60}
MEDICARE_DAY_SERVICES: Final = 3
PER_DIEM_LEVELS: Final = frozenset({"PHP", "IOP"})


class ServiceKind(StrEnum):
    """What was delivered, as billing sees it."""

    GROUP = "group"
    INDIVIDUAL = "individual"
    FAMILY = "family"  # with the client present
    FAMILY_WITHOUT_CLIENT = "family_without_client"
    EVALUATION = "evaluation"  # the diagnostic evaluation at intake
    PRESUMPTIVE_SCREEN = "presumptive_screen"
    DEFINITIVE_TEST = "definitive_test"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def therapy(self) -> bool:
        """A counseling service (drug tests are not)."""
        return self not in (ServiceKind.PRESUMPTIVE_SCREEN, ServiceKind.DEFINITIVE_TEST)

    @property
    def program_day(self) -> bool:
        """Counts toward a program day: a service the client took part in (a family session
        without the client is billed on its own line, never folded into a per diem)."""
        return self.therapy and self is not ServiceKind.FAMILY_WITHOUT_CLIENT


_KIND_LABELS = {
    ServiceKind.GROUP: "Group",
    ServiceKind.INDIVIDUAL: "Individual therapy",
    ServiceKind.FAMILY: "Family session",
    ServiceKind.FAMILY_WITHOUT_CLIENT: "Family session without the client",
    ServiceKind.EVALUATION: "Diagnostic evaluation",
    ServiceKind.PRESUMPTIVE_SCREEN: "Drug screen",
    ServiceKind.DEFINITIVE_TEST: "Lab drug test",
}


class BillingMode(StrEnum):
    PER_DIEM = "per_diem"  # one line a program day that meets the daily minimum
    PER_SERVICE = "per_service"  # a line for each service

    @property
    def label(self) -> str:
        return "Per diem" if self is BillingMode.PER_DIEM else "Per service"


class Rounding(StrEnum):
    """How minutes become 15-minute units (the payer's rule)."""

    MIDPOINT = "midpoint"  # CMS 8-minute rule
    WHOLE = "whole"  # complete units only

    @property
    def label(self) -> str:
        return "8-minute rule" if self is Rounding.MIDPOINT else "Whole units only"


class NoteState(StrEnum):
    SIGNED = "signed"
    UNSIGNED = "unsigned"
    MISSING = "missing"
    NOT_NEEDED = "not_needed"  # a drug test's result is its record


class LineStatus(StrEnum):
    HELD = "held"
    READY = "ready"
    RELEASED = "released"
    BILLED = "billed"
    NOT_BILLABLE = "not_billable"
    SELF_PAY = "self_pay"

    @property
    def label(self) -> str:
        return {
            LineStatus.NOT_BILLABLE: "Not billable",
            LineStatus.SELF_PAY: "Self-pay",
        }.get(self, self.value.capitalize())


# Lines a weekly recompute may replace; released and billed lines stay as they were sent.
REPLACEABLE: Final = frozenset(
    {LineStatus.HELD, LineStatus.READY, LineStatus.NOT_BILLABLE, LineStatus.SELF_PAY}
)


@dataclass(frozen=True)
class Delivered:
    """One delivered service. ``source`` is a stable key of the record it came from
    ("attendance:<id>", "note:<id>", "collection:<id>"), so a line says where it came from
    and a recompute recognizes it."""

    source: str
    day: date
    kind: ServiceKind
    minutes: int  # credited (attendance) or documented (the note's start to stop)
    note: NoteState
    note_label: str = ""  # what the note is, for a hold's reason: "group note of S1-IOP-MON"
    classes: int = 0  # definitive tests: drug classes reported that day
    credited_minutes: int | None = None  # attendance minutes toward a program day

    @property
    def day_minutes(self) -> int:
        return self.minutes if self.credited_minutes is None else self.credited_minutes


@dataclass(frozen=True)
class Terms:
    """A payer's contract for one level of care, as the rules need it (``models.
    PayerContract`` holds it; switching per diem to per service is a change of data)."""

    level_code: str
    claim_type: ClaimType
    mode: BillingMode
    per_diem_code: str = ""
    per_diem_min_minutes: int = 0
    per_diem_min_services: int = 0
    revenue_code: str = ""  # 837I: the line's revenue code (a per-diem line's, and the default)
    # 837I revenue codes by service kind, where the payer wants each service under its own
    # (Medicare CMHC PHP: 0914 individual, 0915 group, 0916 family, 0918 testing, 0900 other;
    # Noridian JF "CMHC PHP Billing Guide", CMS Pub. 100-04 ch. 3 § 260.1.1C).
    revenue_codes: dict[ServiceKind, str] = field(default_factory=dict)
    modifiers: tuple[str, ...] = ()
    codes: dict[ServiceKind, str] = field(default_factory=dict)  # overrides by kind
    # Kinds billed on their own lines even on a per-diem day (the contract's carve-outs).
    separately_billable: frozenset[ServiceKind] = frozenset()
    rounding: Rounding = Rounding.MIDPOINT
    fees: dict[str, int] = field(default_factory=dict)  # code -> cents a unit
    medicare: bool = False
    requires_authorization: bool = True


@dataclass(frozen=True)
class Charge:
    """One line as the rules see it."""

    day: date
    code: str
    units: int
    minutes: int
    sources: tuple[str, ...]
    kind: str  # a ServiceKind value, or "per_diem"
    charge_cents: int = 0
    modifiers: tuple[str, ...] = ()
    revenue_code: str = ""
    status: LineStatus = LineStatus.READY
    reasons: tuple[str, ...] = ()  # why held or not billable
    flags: tuple[str, ...] = ()  # warnings that do not stop the line
    authorization: str = ""  # the authorization's number, for REF*G1
    authorization_key: str = ""  # which authorization (its id), as the service knows it

    def hold(self, reason: str) -> Charge:
        if self.status is LineStatus.NOT_BILLABLE:
            return self
        reasons = self.reasons if reason in self.reasons else (*self.reasons, reason)
        return replace(self, status=LineStatus.HELD, reasons=reasons)

    def flag(self, warning: str) -> Charge:
        return replace(self, flags=(*self.flags, warning))


# --- Codes by minutes and counts --------------------------------------------------------


def psychotherapy_code(minutes: int) -> str | None:
    """90832 for 16–37 minutes, 90834 for 38–52, 90837 for 53 and more; None under 16."""
    if minutes >= PSYCHOTHERAPY_60_FROM:
        return PSYCHOTHERAPY_60
    if minutes >= PSYCHOTHERAPY_45_FROM:
        return PSYCHOTHERAPY_45
    if minutes >= PSYCHOTHERAPY_MIN:
        return PSYCHOTHERAPY_30
    return None


def family_code(minutes: int, *, client_present: bool) -> str | None:
    """90847 with the client present, 90846 without; None under 26 minutes."""
    if minutes < FAMILY_MIN:
        return None
    return FAMILY_WITH_CLIENT if client_present else FAMILY_WITHOUT_CLIENT


def timed_units(minutes: int, rounding: Rounding) -> int:
    """15-minute units: under the 8-minute rule a remainder of 8 or more adds a unit (7
    minutes make none, 8 make one, 22 one, 23 two); under whole units only, complete ones."""
    if minutes <= 0:
        return 0
    whole, remainder = divmod(minutes, UNIT_MINUTES)
    if rounding is Rounding.MIDPOINT and remainder >= MIDPOINT_MINUTES:
        whole += 1
    return whole


def definitive_code(classes: int) -> str | None:
    """G0480 for 1–7 drug classes, G0481 for 8–14, G0482 for 15–21, G0483 for 22 or more."""
    if classes <= 0:
        return None
    for code, top in zip(DEFINITIVE_CODES, DEFINITIVE_CLASS_BANDS, strict=False):
        if classes <= top:
            return code
    return DEFINITIVE_CODES[-1]


def hours_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


# --- A client's week of services into lines --------------------------------------------


def week_charges(services: Sequence[Delivered], terms: Terms) -> list[Charge]:
    """The lines for one client's week at one level under one contract, before
    authorizations (``apply_authorizations``) and fees (``price``)."""
    by_day: dict[date, list[Delivered]] = defaultdict(list)
    for service in services:
        by_day[service.day].append(service)
    lines: list[Charge] = []
    for day in sorted(by_day):
        lines.extend(day_charges(by_day[day], terms))
    if terms.medicare and terms.level_code in PER_DIEM_LEVELS:
        lines = _medicare_flags(lines, services, terms)
    return lines


def day_charges(services: Sequence[Delivered], terms: Terms) -> list[Charge]:
    """One day's lines: a per-diem line when the contract is per diem (with the carve-outs
    on their own lines), else a line for each service; drug tests one of each kind a day."""
    therapy = sorted((s for s in services if s.kind.therapy), key=_order)
    tests = _drug_test_lines([s for s in services if not s.kind.therapy], terms)
    if terms.mode is not BillingMode.PER_DIEM or terms.level_code not in PER_DIEM_LEVELS:
        return [_service_line(s, terms) for s in therapy] + tests
    bundled = [s for s in therapy if s.kind.program_day and s.kind not in terms.separately_billable]
    per_diem = _per_diem_line(bundled, terms) if bundled else None
    lines = [per_diem] if per_diem is not None else []
    lines += [_service_line(s, terms) for s in therapy if s not in bundled]
    # A test is folded into a per diem only on a day that has one to fold into.
    billed_day = per_diem is not None and per_diem.status is not LineStatus.NOT_BILLABLE
    for test in tests:
        if billed_day and ServiceKind(test.kind) not in terms.separately_billable:
            reason = f"included in the {terms.level_code.upper()} per diem"
            lines.append(replace(test, status=LineStatus.NOT_BILLABLE, reasons=(reason,)))
        else:
            lines.append(test)
    return lines


_THERAPY: Final = frozenset(k.value for k in ServiceKind if k.therapy)


def _order(service: Delivered) -> tuple[str, str]:
    return (service.kind.value, service.source)


def _per_diem_line(services: Sequence[Delivered], terms: Terms) -> Charge:
    """A per-diem day counts only documented services toward the daily minimum: a day that
    meets it only with an unsigned note waits for the note ("no note, no claim")."""
    signed = [s for s in services if s.note is NoteState.SIGNED]
    minutes_all = sum(s.day_minutes for s in services)
    minutes_signed = sum(s.day_minutes for s in signed)
    line = Charge(
        day=services[0].day,
        code=terms.per_diem_code,
        units=1,
        minutes=minutes_all,
        sources=tuple(sorted(s.source for s in services)),
        kind="per_diem",
        modifiers=terms.modifiers,
        revenue_code=terms.revenue_code,
    )
    level = terms.level_code.upper()
    if not _meets(minutes_all, len(services), terms):
        return replace(
            line,
            status=LineStatus.NOT_BILLABLE,
            reasons=(_short_day(level, minutes_all, len(services), terms),),
        )
    if not _meets(minutes_signed, len(signed), terms):
        for service in services:
            if service.note is not NoteState.SIGNED:
                line = line.hold(_no_note(service))
    return line


def _meets(minutes: int, count: int, terms: Terms) -> bool:
    return minutes >= terms.per_diem_min_minutes and count >= terms.per_diem_min_services


def _short_day(level: str, minutes: int, count: int, terms: Terms) -> str:
    if minutes < terms.per_diem_min_minutes:
        return (
            f"{level} day short of its {hours_text(terms.per_diem_min_minutes)} minimum "
            f"({hours_text(minutes)} delivered)"
        )
    return f"{level} day short of its {terms.per_diem_min_services} services ({count} delivered)"


def _no_note(service: Delivered) -> str:
    what = service.note_label or service.kind.label.lower()
    if service.note is NoteState.MISSING:
        return f"no note, no claim: {what} not written"
    return f"no note, no claim: {what} not signed"


def _service_line(service: Delivered, terms: Terms) -> Charge:
    code, units, reason = _code_and_units(service, terms)
    line = Charge(
        day=service.day,
        code=code or "",
        units=units,
        minutes=service.minutes,
        sources=(service.source,),
        kind=service.kind.value,
        modifiers=terms.modifiers,
        revenue_code=terms.revenue_codes.get(service.kind, terms.revenue_code),
    )
    if reason:
        return replace(line, status=LineStatus.NOT_BILLABLE, reasons=(reason,))
    if service.note in (NoteState.MISSING, NoteState.UNSIGNED):
        line = line.hold(_no_note(service))
    return line


def _code_and_units(service: Delivered, terms: Terms) -> tuple[str | None, int, str]:
    """The code, units and, where the service cannot be billed, why."""
    override = terms.codes.get(service.kind)
    minutes = service.minutes
    if override == TIMED_COUNSELING:
        units = timed_units(minutes, terms.rounding)
        if units == 0:
            return (
                override,
                0,
                f"{minutes} min: under a 15-minute unit ({terms.rounding.label.lower()})",
            )
        return override, units, ""
    if override:
        return override, 1, ""
    if service.kind is ServiceKind.INDIVIDUAL:
        code = psychotherapy_code(minutes)
        short = f"{minutes} min: under the {PSYCHOTHERAPY_MIN} minutes psychotherapy needs"
        return code, 1, "" if code else short
    if service.kind in (ServiceKind.FAMILY, ServiceKind.FAMILY_WITHOUT_CLIENT):
        code = family_code(minutes, client_present=service.kind is ServiceKind.FAMILY)
        return (
            code,
            1,
            "" if code else f"{minutes} min: under the 26 minutes a family session needs",
        )
    if service.kind is ServiceKind.GROUP:
        return GROUP_PSYCHOTHERAPY, 1, ""
    if service.kind is ServiceKind.EVALUATION:
        return DIAGNOSTIC_EVALUATION, 1, ""
    raise ValueError(f"not a therapy service: {service.kind}")


def _drug_test_lines(tests: Sequence[Delivered], terms: Terms) -> list[Charge]:
    """At most one presumptive and one definitive line a day, whatever the number of cups
    or specimens; the definitive code by the most classes reported that day."""
    lines: list[Charge] = []
    screens = [t for t in tests if t.kind is ServiceKind.PRESUMPTIVE_SCREEN]
    if screens:
        screen = terms.codes.get(ServiceKind.PRESUMPTIVE_SCREEN, PRESUMPTIVE_CODES[0])
        lines.append(_test_line(screens, screen, ServiceKind.PRESUMPTIVE_SCREEN, terms))
    definitive = [t for t in tests if t.kind is ServiceKind.DEFINITIVE_TEST]
    if definitive:
        code = definitive_code(max(t.classes for t in definitive))
        line = _test_line(definitive, code or "", ServiceKind.DEFINITIVE_TEST, terms)
        if code is None:
            line = replace(
                line, status=LineStatus.NOT_BILLABLE, reasons=("no drug class reported",)
            )
        lines.append(line)
    return lines


def _test_line(tests: Sequence[Delivered], code: str, kind: ServiceKind, terms: Terms) -> Charge:
    return Charge(
        day=tests[0].day,
        code=code,
        units=1,
        minutes=0,
        sources=tuple(sorted(t.source for t in tests)),
        kind=kind.value,
        modifiers=(),
        revenue_code=terms.revenue_codes.get(kind, terms.revenue_code),
    )


def _medicare_flags(
    lines: list[Charge], services: Sequence[Delivered], terms: Terms
) -> list[Charge]:
    """Medicare pays the IOP/PHP per diem for days of 3 services or more and needs the
    certified weekly hours: a short day or week is flagged on its lines for billing staff
    to look at (the claim still lists each service)."""
    weekly = MEDICARE_WEEKLY_MINUTES.get(terms.level_code)
    counts: dict[date, int] = defaultdict(int)
    for service in services:
        if service.kind.program_day:
            counts[service.day] += 1
    minutes = sum(s.day_minutes for s in services if s.kind.program_day)
    flagged: list[Charge] = []
    for line in lines:
        if counts[line.day] < MEDICARE_DAY_SERVICES:
            line = line.flag(
                f"{counts[line.day]} services on this day: Medicare's per diem needs "
                f"{MEDICARE_DAY_SERVICES}"
            )
        if weekly is not None and minutes < weekly:
            line = line.flag(
                f"{hours_text(minutes)} this week: below the {hours_text(weekly)} of "
                f"{terms.level_code.upper()} certification"
            )
        flagged.append(line)
    return flagged


# --- Fees -----------------------------------------------------------------------------


def price(lines: Iterable[Charge], terms: Terms) -> list[Charge]:
    """Units times the contract's fee; a billable line whose code has no fee is held (a
    claim with a zero charge would be rejected or paid nothing)."""
    priced: list[Charge] = []
    for line in lines:
        fee = terms.fees.get(line.code)
        if line.status is LineStatus.NOT_BILLABLE:
            priced.append(line)  # nothing is charged for what cannot be billed
            continue
        if fee is None:
            priced.append(line.hold(f"no fee for {line.code or 'this service'} in the contract"))
            continue
        priced.append(replace(line, charge_cents=fee * line.units))
    return priced


# --- Authorizations ---------------------------------------------------------------------


@dataclass(frozen=True)
class AuthWindow:
    """An approved (or partly approved) authorization, with the units earlier weeks'
    lines already used."""

    key: str
    number: str
    starts_on: date
    ends_on: date
    approved_units: int
    unit_type: UnitType
    used_before: int = 0
    codes: tuple[str, ...] = ()  # empty: any code of the level


class Counted(Protocol):
    """A line as an authorization counts it: a computed ``Charge`` or a stored line."""

    @property
    def kind(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def units(self) -> int: ...
    @property
    def minutes(self) -> int: ...


def units_for(line: Counted, unit_type: UnitType) -> int:
    """What one line uses of an authorization counted in ``unit_type`` (days are counted
    once a day by the caller; a group seat is no visit)."""
    if unit_type is UnitType.UNIT_15:
        return line.units if line.code == TIMED_COUNSELING else max(line.minutes // 15, 1)
    if unit_type is UnitType.VISIT and line.kind == ServiceKind.GROUP.value:
        return 0
    return 1


def apply_authorizations(
    lines: Sequence[Charge], windows: Sequence[AuthWindow], *, required: bool
) -> list[Charge]:
    """Hold each billable line outside every authorization's dates, or beyond its approved
    units, with the reason; lines are used in date order, so the last days are the ones
    held. Drug tests are not counted against a level's authorization."""
    used = {w.key: w.used_before for w in windows}
    days: dict[str, set[date]] = defaultdict(set)
    # Once a line does not fit, the authorization is spent for every later line too, so
    # the held lines are always the last ones (a small later line never jumps the queue).
    spent: set[str] = set()
    out: list[Charge] = []
    for line in sorted(lines, key=lambda c: (c.day, c.kind, c.code, c.sources)):
        if line.status is LineStatus.NOT_BILLABLE or line.kind not in _COUNTED:
            out.append(line)
            continue
        window = _window_for(line, windows)
        if window is None:
            out.append(
                line.hold(f"no approved authorization covers {line.day.isoformat()}")
                if required
                else line
            )
            continue
        line = replace(line, authorization=window.number, authorization_key=window.key)
        if window.unit_type is UnitType.DAY:
            need = 0 if line.day in days[window.key] else 1
        else:
            need = units_for(line, window.unit_type)
        if window.key in spent or used[window.key] + need > window.approved_units:
            spent.add(window.key)
            out.append(
                line.hold(
                    f"above the approved units: {used[window.key]} of "
                    f"{window.approved_units} {window.unit_type.label} used "
                    f"(authorization {window.number or 'without a number'})"
                )
            )
            continue
        used[window.key] += need
        days[window.key].add(line.day)
        out.append(line)
    return out


_COUNTED: Final = _THERAPY | {"per_diem"}


def _window_for(line: Charge, windows: Sequence[AuthWindow]) -> AuthWindow | None:
    for window in windows:
        if window.starts_on <= line.day <= window.ends_on and (
            not window.codes or line.code in window.codes
        ):
            return window
    return None


# --- Weeks ----------------------------------------------------------------------------


def week_of(day: date) -> date:
    """The Monday of ``day``'s week: billing runs Monday to Sunday like attendance."""
    return day - timedelta(days=day.weekday())
