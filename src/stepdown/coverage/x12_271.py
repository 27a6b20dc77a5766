"""Reading an eligibility response (271, ASC X12 005010X279A1) into a benefits snapshot.

We read it ourselves on top of ``kit.x12.parse`` rather than with x12sdk 2.2.0: that
library validates every code against closed enums and refuses the whole response on a
service type it does not list (A8 "Psychiatric - Outpatient", which behavioral-health
payers return, is missing from its EB03 enum) and on EB09 quantity qualifiers such as
"VS" (typed as a number). A payer's unknown code must be kept, not fatal.

Structure followed (005010X279A1 section 2.3, the 271 table): ST, BHT, then hierarchical
levels (HL03) 20 information source (2100A: NM1, AAA), 21 information receiver (2100B:
NM1, AAA), 22 subscriber and 23 dependent (2000C/D TRN; 2100C/D NM1, REF, AAA, DMG, DTP;
2110C/D EB with HSD, REF, DTP, AAA, MSG, III, and LS / 2120C/D NM1, N3, N4, PER, PRV / LE),
then SE. A segment we do not use is skipped wherever it appears.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

from stepdown.coverage.benefits import (
    REMAINING_PERIODS,
    TOTAL_PERIODS,
    Accumulator,
    BenefitsSnapshot,
    CarveOut,
    CostShare,
    CoverageStatus,
    Limit,
    Member,
    Network,
    NetworkBenefits,
    Payer,
    Plan,
    Rejection,
    ServiceBenefits,
    Trace,
)
from stepdown.kit.x12 import Segment, X12Error, parse


class Not271Error(X12Error):
    """The interchange is X12 but not an eligibility response we can read."""


# EB01 (element 1390) codes that say coverage is active (1-5) or inactive (6-8);
# 005010X279A1 2110C EB01.
ACTIVE_CODES: Final = frozenset({"1", "2", "3", "4", "5"})
INACTIVE_CODES: Final = frozenset({"6", "7", "8"})
# EB01 codes of the amounts we report: A co-insurance, B co-payment, C deductible, F
# limitations, G out of pocket (stop loss).
COINSURANCE, COPAY, DEDUCTIBLE, LIMITATION, OUT_OF_POCKET = "A", "B", "C", "F", "G"
# EB12 (element 1073): Y yes, N no, W not applicable; U unknown or absent is unspecified.
NETWORKS: Final = {"Y": Network.IN, "N": Network.OUT, "W": Network.NOT_APPLICABLE}
# NM101 of a 2120C/D entity that takes the benefit over from the plan we asked: a payer
# (PR), managed care organization (Y2), plan sponsor (P5), vendor (VN), utilization
# management organization (X3) or a primary/secondary/tertiary payer (PRP, SEP, TTP).
# Entities that only name a provider (P3 primary care provider, 1P, ...) are not.
# 005010X279A1 2120C NM101 code list.
CARVE_OUT_ENTITIES: Final = frozenset({"PR", "Y2", "P5", "VN", "X3", "PRP", "SEP", "TTP"})
# An EB with no EB03 speaks about the plan as a whole, which is what service type 30
# names (our reading; the guide makes EB03 situational).
WHOLE_PLAN: Final = "30"
# HL03 hierarchical level codes of the 271 (005010X279A1 2000A-2000D HL03).
SOURCE, RECEIVER, SUBSCRIBER, DEPENDENT = "20", "21", "22", "23"
LOOP_SUFFIX: Final = {SOURCE: "A", RECEIVER: "B", SUBSCRIBER: "C", DEPENDENT: "D"}


@dataclass
class _Entity:
    segment: Segment
    phone: str | None = None


@dataclass
class _Benefit:
    """One EB segment and the segments of its 2110 loop."""

    eb: Segment
    messages: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    entities: list[_Entity] = field(default_factory=list)


@dataclass
class _Person:
    """What loop 2000C/2100C (or D) returned about one person."""

    name: Segment | None = None
    traces: list[Segment] = field(default_factory=list)
    refs: list[Segment] = field(default_factory=list)
    dates: list[Segment] = field(default_factory=list)
    birth: Segment | None = None
    benefits: list[_Benefit] = field(default_factory=list)


@dataclass
class _Reading:
    payer: Segment | None = None
    rejections: list[Rejection] = field(default_factory=list)
    subscribers: list[_Person] = field(default_factory=list)
    dependents: list[_Person] = field(default_factory=list)


def parse_271(text: str) -> BenefitsSnapshot:
    """The snapshot of the one patient a 271 answers about. Raises ``X12Error`` on text
    that is not an interchange and ``Not271Error`` on one that is not a 271 or answers
    about more than one patient (Stepdown asks about one patient per 270)."""
    body = _transaction(parse(text))
    reading = _read(body)
    if len(reading.subscribers) > 1 or len(reading.dependents) > 1:
        raise Not271Error("the 271 answers about more than one patient; expected one")
    subscriber = reading.subscribers[0] if reading.subscribers else None
    dependent = reading.dependents[0] if reading.dependents else None
    people = [p for p in (subscriber, dependent) if p is not None]
    benefits = [b for person in people for b in person.benefits]
    return BenefitsSnapshot(
        payer=None if reading.payer is None else _payer(reading.payer),
        subscriber=None if subscriber is None else _member(subscriber),
        dependent=None if dependent is None else _member(dependent),
        trace_numbers=tuple(_trace(t) for person in people for t in person.traces),
        plan=_plan(people, benefits),
        rejections=tuple(reading.rejections),
        services=_services(benefits),
    )


def _transaction(segments: Sequence[Segment]) -> list[Segment]:
    """The segments between ST and SE of the interchange's one transaction set."""
    starts = [i for i, s in enumerate(segments) if s.id == "ST"]
    if not starts:
        raise Not271Error("the interchange holds no transaction set (no ST segment)")
    if len(starts) > 1:
        raise Not271Error("the interchange holds more than one transaction set; expected one")
    start = starts[0]
    st = segments[start]
    if st.get(1) != "271":
        raise Not271Error(f"transaction set {st.get(1) or '(none)'} is not a 271")
    end = next((i for i in range(start, len(segments)) if segments[i].id == "SE"), None)
    if end is None:
        raise Not271Error("the 271 has no SE trailer")
    body = list(segments[start + 1 : end])
    if not body or body[0].id != "BHT":
        raise Not271Error("the 271 has no BHT segment after its ST")
    if not any(s.id == "HL" and s.get(3) == SOURCE for s in body):
        raise Not271Error("the 271 has no information source level (HL*20)")
    return body


def _read(body: Iterable[Segment]) -> _Reading:
    """Walk the segments once, keeping each where its HL level and loop put it."""
    reading = _Reading()
    level = ""
    person: _Person | None = None
    benefit: _Benefit | None = None
    entity: _Entity | None = None
    for segment in body:
        sid = segment.id
        if sid == "HL":
            level, benefit, entity = segment.get(3), None, None
            person = _Person() if level in (SUBSCRIBER, DEPENDENT) else None
            if person is not None:
                (reading.subscribers if level == SUBSCRIBER else reading.dependents).append(person)
        elif sid in ("LS", "LE"):
            entity = None
        elif sid == "EB" and person is not None:
            benefit, entity = _Benefit(segment), None
            person.benefits.append(benefit)
        elif sid == "NM1" and benefit is not None:
            entity = _Entity(segment)
            benefit.entities.append(entity)
        elif sid == "PER" and entity is not None:
            entity.phone = entity.phone or _phone(segment)
        elif sid == "AAA":
            loop = f"{'2110' if benefit is not None else '2100'}{LOOP_SUFFIX.get(level, '')}"
            reading.rejections.append(
                Rejection(loop=loop, code=_opt(segment.get(3)), follow_up=_opt(segment.get(4)))
            )
        elif benefit is not None:
            if sid == "MSG" and segment.get(1):
                benefit.messages.append(segment.get(1))
            elif sid == "III" and segment.get(1) == "ZZ" and segment.get(2):
                benefit.places.append(segment.get(2))
        elif person is not None:
            _person_segment(person, segment)
        elif sid == "NM1" and level == SOURCE and reading.payer is None:
            reading.payer = segment
    return reading


def _person_segment(person: _Person, segment: Segment) -> None:
    if segment.id == "TRN":
        person.traces.append(segment)
    elif segment.id == "NM1" and person.name is None:
        person.name = segment
    elif segment.id == "REF":
        person.refs.append(segment)
    elif segment.id == "DTP":
        person.dates.append(segment)
    elif segment.id == "DMG":
        person.birth = segment


def _opt(value: str) -> str | None:
    return value.strip() or None


def _phone(per: Segment) -> str | None:
    """The first telephone (TE) of PER03-PER08's qualifier/number pairs."""
    for position in (3, 5, 7):
        if per.get(position) == "TE" and per.get(position + 1):
            return per.get(position + 1)
    return None


def _date(value: str) -> date | None:
    """A CCYYMMDD date, or None when the payer sent something else."""
    if len(value) != 8 or not value.isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _amount(value: str) -> Decimal | None:
    try:
        found = Decimal(value) if value else None
    except InvalidOperation:
        return None
    return found if found is not None and found.is_finite() else None


def _payer(nm1: Segment) -> Payer:
    return Payer(name=_opt(nm1.get(3)), payer_id=_opt(nm1.get(9)))


def _member(person: _Person) -> Member:
    nm1 = person.name
    birth = person.birth
    return Member(
        last_name=None if nm1 is None else _opt(nm1.get(3)),
        first_name=None if nm1 is None else _opt(nm1.get(4)),
        middle_name=None if nm1 is None else _opt(nm1.get(5)),
        member_id=None if nm1 is None else _opt(nm1.get(9)),
        birth_date=_date(birth.get(2)) if birth is not None and birth.get(1) == "D8" else None,
    )


def _trace(trn: Segment) -> Trace:
    return Trace(
        trace_type=trn.get(1),
        reference=trn.get(2),
        originator=_opt(trn.get(3)),
        supplemental=_opt(trn.get(4)),
    )


def _plan(people: Sequence[_Person], benefits: Sequence[_Benefit]) -> Plan:
    """Plan and group from the REF and DTP of the subscriber's and the dependent's loops;
    the dependent's, returned last, win where both say."""
    refs: dict[str, Segment] = {}
    spans: dict[str, tuple[date | None, date | None]] = {}
    for person in people:
        refs.update({ref.get(1): ref for ref in person.refs if ref.get(2)})
        for dtp in person.dates:
            spans[dtp.get(1)] = _span(dtp)
    group = refs.get("6P") or refs.get("1L")
    plan_names = (
        _opt(b.eb.get(5)) for b in benefits if b.eb.get(1) in ACTIVE_CODES | INACTIVE_CODES
    )
    plan_begin, plan_end = spans.get("291", (None, None))
    eligible_begin, eligible_end = spans.get("307", (None, None))
    return Plan(
        name=next((name for name in plan_names if name), None),
        number=None if "18" not in refs else refs["18"].get(2),
        group_number=None if group is None else group.get(2),
        group_name=None if group is None else _opt(group.get(3)),
        plan_begin=spans.get("346", (None, None))[0] or plan_begin,
        plan_end=spans.get("347", (None, None))[0] or plan_end,
        eligibility_begin=spans.get("356", (None, None))[0] or eligible_begin,
        eligibility_end=spans.get("357", (None, None))[0] or eligible_end,
    )


def _span(dtp: Segment) -> tuple[date | None, date | None]:
    """A DTP's date (D8, as the start) or range (RD8, CCYYMMDD-CCYYMMDD)."""
    value = dtp.get(3)
    if dtp.get(2) == "RD8" and "-" in value:
        first, _, last = value.partition("-")
        return _date(first), _date(last)
    return (_date(value), None) if dtp.get(2) == "D8" else (None, None)


@dataclass
class _NetworkDraft:
    copays: list[CostShare] = field(default_factory=list)
    coinsurance: list[CostShare] = field(default_factory=list)
    deductibles: dict[str | None, Accumulator] = field(default_factory=dict)
    out_of_pocket: dict[str | None, Accumulator] = field(default_factory=dict)
    limits: list[Limit] = field(default_factory=list)
    authorizations: set[str] = field(default_factory=set)
    touched: bool = False

    def freeze(self) -> NetworkBenefits | None:
        if not self.touched:
            return None
        required = (
            True if "Y" in self.authorizations else False if "N" in self.authorizations else None
        )
        return NetworkBenefits(
            copays=tuple(self.copays) or None,
            coinsurance=tuple(self.coinsurance) or None,
            deductibles=tuple(self.deductibles.values()) or None,
            out_of_pocket=tuple(self.out_of_pocket.values()) or None,
            limits=tuple(self.limits) or None,
            authorization_required=required,
        )


@dataclass
class _ServiceDraft:
    statuses: set[str] = field(default_factory=set)
    networks: dict[Network, _NetworkDraft] = field(
        default_factory=lambda: {network: _NetworkDraft() for network in Network}
    )
    carve_outs: list[CarveOut] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def _services(benefits: Sequence[_Benefit]) -> tuple[ServiceBenefits, ...]:
    drafts: dict[str, _ServiceDraft] = {}
    for benefit in benefits:
        codes = [c for c in benefit.eb.repetitions(3) if c] or [WHOLE_PLAN]
        for code in codes:
            _apply(drafts.setdefault(code, _ServiceDraft()), benefit)
    return tuple(_freeze(code, draft) for code, draft in drafts.items())


def _apply(draft: _ServiceDraft, benefit: _Benefit) -> None:
    eb = benefit.eb
    kind = eb.get(1)
    if kind in ACTIVE_CODES:
        draft.statuses.add(CoverageStatus.ACTIVE)
    elif kind in INACTIVE_CODES:
        draft.statuses.add(CoverageStatus.INACTIVE)
    draft.messages.extend(m for m in benefit.messages if m not in draft.messages)
    for entity in benefit.entities:
        carve_out = _carve_out(entity)
        if carve_out is not None and carve_out not in draft.carve_outs:
            draft.carve_outs.append(carve_out)
    network = draft.networks[NETWORKS.get(eb.get(12), Network.UNSPECIFIED)]
    level, period = _opt(eb.get(2)), _opt(eb.get(6))
    amount, rate = _amount(eb.get(7)), _amount(eb.get(8))
    places = tuple(benefit.places)
    if eb.get(11) in ("Y", "N"):
        network.authorizations.add(eb.get(11))
        network.touched = True
    if kind == COPAY and amount is not None:
        network.copays.append(CostShare(amount, None, level, period, places))
    elif kind == COINSURANCE and rate is not None:
        network.coinsurance.append(CostShare(None, rate, level, period, places))
    elif kind in (DEDUCTIBLE, OUT_OF_POCKET) and amount is not None:
        table = network.deductibles if kind == DEDUCTIBLE else network.out_of_pocket
        if not _accumulate(table, level, period, amount):
            return
    elif kind == LIMITATION and (amount is not None or _amount(eb.get(10)) is not None):
        remaining = (
            True if period in REMAINING_PERIODS else False if period in TOTAL_PERIODS else None
        )
        network.limits.append(
            Limit(_amount(eb.get(10)), _opt(eb.get(9)), amount, period, remaining, level)
        )
    else:
        return
    network.touched = True


def _accumulate(
    table: dict[str | None, Accumulator], level: str | None, period: str | None, amount: Decimal
) -> bool:
    """Add a deductible or out-of-pocket amount as the total or the remainder of its
    coverage level; False when its period makes it neither (it is then left out)."""
    current = table.get(level, Accumulator(coverage_level=level))
    if period in REMAINING_PERIODS:
        table[level] = Accumulator(level, current.total, amount, current.period)
    elif period in TOTAL_PERIODS:
        table[level] = Accumulator(level, amount, current.remaining, period)
    else:
        return False
    return True


def _carve_out(entity: _Entity) -> CarveOut | None:
    nm1 = entity.segment
    if nm1.get(1) not in CARVE_OUT_ENTITIES:
        return None
    name = " ".join(part for part in (nm1.get(4), nm1.get(3)) if part) or None
    return CarveOut(entity=nm1.get(1), name=name, entity_id=_opt(nm1.get(9)), phone=entity.phone)


def _freeze(code: str, draft: _ServiceDraft) -> ServiceBenefits:
    """One service type; active wins when lines disagree (a payer lists the plan active
    and a rider inactive), and no EB01 1-8 at all leaves the status not returned."""
    status = (
        CoverageStatus.ACTIVE
        if CoverageStatus.ACTIVE in draft.statuses
        else CoverageStatus.INACTIVE
        if CoverageStatus.INACTIVE in draft.statuses
        else None
    )
    networks = draft.networks
    return ServiceBenefits(
        code=code,
        status=status,
        in_network=networks[Network.IN].freeze(),
        out_of_network=networks[Network.OUT].freeze(),
        not_applicable=networks[Network.NOT_APPLICABLE].freeze(),
        network_unspecified=networks[Network.UNSPECIFIED].freeze(),
        carve_outs=tuple(draft.carve_outs),
        messages=tuple(draft.messages),
    )
