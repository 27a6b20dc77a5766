"""A week's charge lines, from what was delivered: attendance, signed notes, drug tests.

Never from the schedule: a booked group nobody attended is no service. For each client the
week is split by level of care (a step down mid-week changes the contract), the primary
coverage in force decides the payer, and the payer's contract for that level decides the
lines (``rules.week_charges``). Then every line is checked against what a claim needs:
an authorization with units left, a diagnosis, a consent that lets the claim go to the
payer, an address the claim can carry. A line that fails any check is held with the
reason; nothing is dropped silently.

Recomputing a week replaces its held, ready, not-billable and self-pay lines; a client-day
with a released or billed line is left as it was sent (a correction after billing is a
replacement claim, not a silent change).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.authorizations.models import Authorization
from stepdown.authorizations.rules import UnitType
from stepdown.billing import access, repository, rules
from stepdown.billing.claim_data import ClaimType
from stepdown.billing.models import ChargeLine, PayerBilling, PayerContract
from stepdown.billing.rules import Delivered, LineStatus, NoteState, ServiceKind
from stepdown.calendar.models import AppointmentKind
from stepdown.clients.models import Client
from stepdown.clinical_notes.models import NoteStatus, ServiceType
from stepdown.consents.models import InformationClass, Purpose
from stepdown.continuum.models import Segment
from stepdown.coverage.models import Coverage, Payer
from stepdown.diagnoses import rules as diagnosis_rules
from stepdown.diagnoses.models import Diagnosis, PrincipalPeriod
from stepdown.disclosures import gate
from stepdown.drug_testing.models import Method
from stepdown.group_notes.models import NoteStatus as GroupNoteStatus
from stepdown.kit.clock import local, utc_now
from stepdown.kit.errors import Forbidden, Invalid
from stepdown.kit.postal import parse_us
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role

AUDIT_ENTITY: Final = "charge_line"
# What a claim tells the payer (45 CFR 164.506 TPO; 42 CFR 2.33(b) payment): who the client
# is and their coverage, the diagnoses, and the services (dates, codes, units).
CLAIM_CLASSES: Final = frozenset(
    {
        InformationClass.DEMOGRAPHICS,
        InformationClass.INSURANCE,
        InformationClass.DIAGNOSES,
        InformationClass.ATTENDANCE,
    }
)
# Progress notes billing turns into lines; medication, MAT and case-management visits are
# evaluation-and-management or non-billable contacts the program's contracts do not cover.
_NOTE_KINDS: Final = {
    ServiceType.INDIVIDUAL_THERAPY: ServiceKind.INDIVIDUAL,
    ServiceType.FAMILY_WITH_CLIENT: ServiceKind.FAMILY,
    ServiceType.FAMILY_WITHOUT_CLIENT: ServiceKind.FAMILY_WITHOUT_CLIENT,
    ServiceType.PSYCHIATRIC_EVALUATION: ServiceKind.EVALUATION,
}
_NOTE_STATES: Final = {
    NoteStatus.SIGNED: NoteState.SIGNED,
    NoteStatus.DRAFT: NoteState.UNSIGNED,
    NoteStatus.AWAITING_COSIGNATURE: NoteState.UNSIGNED,
    NoteStatus.RETURNED: NoteState.UNSIGNED,
}
# Self-pay and uncovered days still get lines (what the client owes is the same services),
# priced by no contract.
_NO_CONTRACT: Final = rules.Terms(
    level_code="", claim_type=ClaimType.PROFESSIONAL, mode=rules.BillingMode.PER_SERVICE
)


def require(policy: Policy, actor: Actor) -> None:
    """The system (CLI, jobs, the demo seed) acts for the program; people by their role."""
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role may not {policy.description}")


def check_week(week_of: date) -> date:
    """Billing weeks start on Monday, like the attendance weeks they are computed from."""
    if week_of.weekday() != 0:
        raise Invalid("a billing week starts on a Monday", field="week")
    return week_of


@dataclass(frozen=True)
class WeekResult:
    week_of: date
    written: int
    kept: int  # client-days already released or billed, left as they were sent
    by_status: dict[LineStatus, int] = field(default_factory=dict)


def compute_week(session: Session, *, actor: Actor, week_of: date) -> WeekResult:
    """Recompute the week's charge lines (idempotent: the same records give the same lines)."""
    require(access.WORK, actor)
    check_week(week_of)
    end = week_of + timedelta(days=7)
    services = _delivered(session, week_of, end)
    sent_days = {(row[0], row[1]) for row in session.execute(repository.sent_days(week_of))}
    session.execute(
        delete(ChargeLine).where(
            ChargeLine.week_of == week_of, ChargeLine.status.in_(rules.REPLACEABLE)
        )
    )
    context = _Context.load(session, list(services), week_of, end)
    now = utc_now()
    written: list[ChargeLine] = []
    for client_id in sorted(services, key=str):
        todo = [s for s in services[client_id] if (client_id, s.day) not in sent_days]
        if not todo:
            continue
        rows = _client_lines(session, context, client_id, todo, week_of, now)
        written.extend(rows)
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.CREATE,
            entity_type=AUDIT_ENTITY,
            entity_id=client_id,
            client_id=client_id,
            detail={"week_of": week_of.isoformat(), "lines": len(rows)},
        )
    session.add_all(written)
    session.flush()
    counts: dict[LineStatus, int] = defaultdict(int)
    for row in written:
        counts[row.status] += 1
    return WeekResult(week_of, len(written), len(sent_days), dict(counts))


# --- What was delivered ------------------------------------------------------------------


def _delivered(session: Session, start: date, end: date) -> dict[uuid.UUID, list[Delivered]]:
    found: dict[uuid.UUID, list[Delivered]] = defaultdict(list)
    records = session.execute(repository.attended(start, end)).all()
    occurrences = sorted({r[5] for r in records if r[5] is not None}, key=str)
    signed_groups: dict[tuple[uuid.UUID, uuid.UUID], GroupNoteStatus] = {}
    for occurrence_id, status, client_id in session.execute(repository.group_notes(occurrences)):
        signed_groups[(occurrence_id, client_id)] = status
    note_rows = session.execute(repository.notes(start, end)).all()
    by_booking: dict[uuid.UUID, _Note] = {}
    for row in note_rows:
        for key in (row[7], row[8]):
            if key is not None:
                by_booking[key] = _Note(row[0], row[2], row[3], row[5], row[6])
    used_notes: set[uuid.UUID] = set()
    for record_id, client_id, day, credited, appointment_id, occ_id, occ_code, appt_kind in records:
        if occ_id is not None:
            group_status = signed_groups.get((occ_id, client_id))
            state = (
                NoteState.MISSING
                if group_status is None
                else NoteState.SIGNED
                if group_status is GroupNoteStatus.SIGNED
                else NoteState.UNSIGNED
            )
            found[client_id].append(
                Delivered(
                    source=f"attendance:{record_id}",
                    day=day,
                    kind=ServiceKind.GROUP,
                    minutes=credited,
                    note=state,
                    note_label=f"group note of {occ_code}",
                )
            )
            continue
        note = (by_booking.get(appointment_id) if appointment_id else None) or by_booking.get(
            record_id
        )
        if note is not None:
            used_notes.add(note.id)
        found[client_id].append(_appointment_service(record_id, day, credited, appt_kind, note))
    for row in note_rows:
        note_id, client_id, service_type, note_status, day, starts_at, ends_at, appt, record = row
        kind = _NOTE_KINDS.get(service_type)
        # A note of its own: a service with no attended booking (an unscheduled session, or
        # a family session without the client, written from the appointment they missed).
        linked = appt is not None or record is not None
        if kind is None or note_id in used_notes:
            continue
        if linked and kind is not ServiceKind.FAMILY_WITHOUT_CLIENT:
            continue
        minutes = _minutes(starts_at, ends_at)
        found[client_id].append(
            Delivered(
                source=f"note:{note_id}",
                day=day,
                kind=kind,
                minutes=minutes,
                note=_NOTE_STATES[note_status],
                note_label=f"progress note of {day.isoformat()}",
                credited_minutes=minutes if kind.program_day else 0,
            )
        )
    _drug_tests(session, start, end, found)
    return found


@dataclass(frozen=True)
class _Note:
    id: uuid.UUID
    service_type: ServiceType
    status: NoteStatus
    starts_at: datetime
    ends_at: datetime


def _appointment_service(
    record_id: uuid.UUID,
    day: date,
    credited: int,
    kind: AppointmentKind | None,
    note: _Note | None,
) -> Delivered:
    """An attended appointment: billed by its note's documented minutes; without a signed
    note it is held ("no note, no claim")."""
    service_kind = ServiceKind.FAMILY if kind is AppointmentKind.FAMILY else ServiceKind.INDIVIDUAL
    if note is None:
        return Delivered(
            source=f"attendance:{record_id}",
            day=day,
            kind=service_kind,
            minutes=credited,
            note=NoteState.MISSING,
            note_label=f"progress note of {day.isoformat()}",
            credited_minutes=credited,
        )
    return Delivered(
        source=f"attendance:{record_id}",
        day=day,
        kind=_NOTE_KINDS.get(note.service_type, service_kind),
        minutes=_minutes(note.starts_at, note.ends_at),
        note=_NOTE_STATES[note.status],
        note_label=f"progress note of {day.isoformat()}",
        credited_minutes=credited,
    )


def _minutes(starts_at: datetime, ends_at: datetime) -> int:
    return max(int((ends_at - starts_at).total_seconds() // 60), 0)


def _drug_tests(
    session: Session, start: date, end: date, found: dict[uuid.UUID, list[Delivered]]
) -> None:
    """One presumptive and one definitive service per specimen; the rules keep one of each
    a day. A definitive test counts the distinct drug classes the lab reported."""
    specimens: dict[tuple[uuid.UUID, uuid.UUID, date, Method], set[str]] = defaultdict(set)
    for collection_id, client_id, collected_at, analyte, method in session.execute(
        repository.drug_tests(start, end)
    ):
        key = (client_id, collection_id, local(collected_at).date(), method)
        specimens[key].add(str(analyte))
    for (client_id, collection_id, day, method), analytes in sorted(
        specimens.items(), key=lambda item: (str(item[0][0]), str(item[0][1]), item[0][3])
    ):
        definitive = method is Method.DEFINITIVE
        found[client_id].append(
            Delivered(
                source=f"collection:{collection_id}:{method.value}",
                day=day,
                kind=ServiceKind.DEFINITIVE_TEST if definitive else ServiceKind.PRESUMPTIVE_SCREEN,
                minutes=0,
                note=NoteState.NOT_NEEDED,
                classes=len(analytes) if definitive else 0,
            )
        )


# --- The facts every line is checked against ---------------------------------------------


@dataclass
class _Context:
    clients: dict[uuid.UUID, Client]
    segments: dict[uuid.UUID, list[tuple[Segment, str]]]
    coverages: dict[uuid.UUID, list[Coverage]]
    payers: dict[uuid.UUID, Payer]
    setups: dict[uuid.UUID, PayerBilling]
    contracts: list[PayerContract]
    authorizations: dict[uuid.UUID, list[Authorization]]
    used: dict[uuid.UUID, list[ChargeLine]]
    diagnoses: dict[uuid.UUID, list[Diagnosis]]
    periods: dict[uuid.UUID, list[diagnosis_rules.Period]]

    @classmethod
    def load(
        cls, session: Session, client_ids: list[uuid.UUID], start: date, end: date
    ) -> _Context:
        segments: dict[uuid.UUID, list[tuple[Segment, str]]] = defaultdict(list)
        for segment, client_id, code in session.execute(
            repository.segments(client_ids, start, end)
        ):
            segments[client_id].append((segment, code))
        episode_ids = sorted({s.episode_id for rows in segments.values() for s, _ in rows}, key=str)
        coverages: dict[uuid.UUID, list[Coverage]] = defaultdict(list)
        for coverage in session.scalars(repository.coverages(client_ids)):
            if coverage.client_id is not None:
                coverages[coverage.client_id].append(coverage)
        auths: dict[uuid.UUID, list[Authorization]] = defaultdict(list)
        for auth in session.scalars(repository.authorizations(client_ids)):
            auths[auth.client_id].append(auth)
        used: dict[uuid.UUID, list[ChargeLine]] = defaultdict(list)
        for line in session.scalars(repository.used_before(client_ids, start)):
            if line.authorization_id is not None:
                used[line.authorization_id].append(line)
        diagnoses: dict[uuid.UUID, list[Diagnosis]] = defaultdict(list)
        for diagnosis in session.scalars(repository.diagnoses(episode_ids)):
            diagnoses[diagnosis.episode_id].append(diagnosis)
        periods: dict[uuid.UUID, list[diagnosis_rules.Period]] = defaultdict(list)
        for period in session.scalars(repository.principal_periods(episode_ids)):
            periods[period.episode_id].append(period_of(period))
        return cls(
            clients={
                c.id: c for c in session.scalars(select(Client).where(Client.id.in_(client_ids)))
            },
            segments=segments,
            coverages=coverages,
            payers={p.id: p for p in session.scalars(select(Payer))},
            setups={s.payer_id: s for s in session.scalars(repository.payer_setups())},
            contracts=list(session.scalars(repository.contracts())),
            authorizations=auths,
            used=used,
            diagnoses=diagnoses,
            periods=periods,
        )

    def segment_on(self, client_id: uuid.UUID, day: date) -> tuple[Segment, str] | None:
        for segment, code in self.segments.get(client_id, []):
            if segment.starts_on <= day and (segment.ends_on is None or day < segment.ends_on):
                return segment, code
        return None

    def coverage_on(self, client_id: uuid.UUID, day: date) -> Coverage | None:
        """The primary coverage in force: the lowest rank, self-pay last."""
        in_force = [
            c
            for c in self.coverages.get(client_id, [])
            if (c.starts_on is None or c.starts_on <= day)
            and (c.ends_on is None or day <= c.ends_on)
        ]
        in_force.sort(key=lambda c: (c.self_pay, c.rank, str(c.id)))
        return in_force[0] if in_force else None

    def contract_for(self, payer_id: uuid.UUID, level: str, day: date) -> PayerContract | None:
        found = None
        for contract in self.contracts:
            if (
                contract.payer_id == payer_id
                and contract.level_code == level
                and contract.effective_from <= day
                and (contract.effective_to is None or day <= contract.effective_to)
            ):
                found = contract  # the latest that started on or before the day
        return found

    def diagnosis_codes(self, episode_id: uuid.UUID, day: date) -> list[str]:
        return claim_diagnoses(
            self.diagnoses.get(episode_id, []), self.periods.get(episode_id, []), day
        )


def claim_diagnoses(
    diagnoses: Iterable[Diagnosis], periods: Sequence[diagnosis_rules.Period], day: date
) -> list[str]:
    """The diagnoses that stood on the day, the principal first, as a claim writes them
    (ICD-10-CM without the dot)."""
    principal = diagnosis_rules.principal_on(periods, day)
    standing = [
        d
        for d in diagnoses
        if diagnosis_rules.current_on(d.status, d.diagnosed_on, d.ended_on, day)
    ]
    standing.sort(key=lambda d: (d.id != principal, d.diagnosed_on, d.code))
    return [d.code.replace(".", "") for d in standing]


def period_of(period: PrincipalPeriod) -> diagnosis_rules.Period:
    return diagnosis_rules.Period(period.diagnosis_id, period.starts_on, period.ends_on)


def terms_of(contract: PayerContract) -> rules.Terms:
    """A contract row as the rules read it."""
    return rules.Terms(
        level_code=contract.level_code,
        claim_type=contract.claim_type,
        mode=contract.mode,
        per_diem_code=contract.per_diem_code,
        per_diem_min_minutes=contract.per_diem_min_minutes,
        per_diem_min_services=contract.per_diem_min_services,
        revenue_code=contract.revenue_code,
        revenue_codes={ServiceKind(k): v for k, v in contract.revenue_codes.items()},
        modifiers=tuple(contract.modifiers),
        codes={ServiceKind(k): v for k, v in contract.codes.items()},
        separately_billable=frozenset(ServiceKind(k) for k in contract.separately_billable),
        rounding=contract.rounding,
        fees=dict(contract.fees),
        medicare=contract.medicare,
        requires_authorization=contract.requires_authorization,
    )


# --- One client's lines --------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """Services billed under one level, coverage and contract."""

    episode_id: uuid.UUID
    level: str
    coverage: Coverage | None
    contract: PayerContract | None


def _client_lines(
    session: Session,
    context: _Context,
    client_id: uuid.UUID,
    services: Sequence[Delivered],
    week_of: date,
    now: datetime,
) -> list[ChargeLine]:
    groups: dict[_Group, list[Delivered]] = defaultdict(list)
    for service in services:
        placed = context.segment_on(client_id, service.day)
        if placed is None:
            continue  # not in care that day: nothing to bill under an episode
        segment, level = placed
        coverage = context.coverage_on(client_id, service.day)
        contract = (
            context.contract_for(coverage.payer_id, level, service.day)
            if coverage is not None and coverage.payer_id is not None
            else None
        )
        groups[_Group(segment.episode_id, level, coverage, contract)].append(service)
    rows: list[ChargeLine] = []
    for group, chosen in sorted(groups.items(), key=lambda item: min(s.day for s in item[1])):
        lines = _group_lines(session, context, client_id, group, chosen)
        rows.extend(_row(client_id, group, line, week_of, now) for line in lines)
    return rows


def _group_lines(
    session: Session,
    context: _Context,
    client_id: uuid.UUID,
    group: _Group,
    services: Sequence[Delivered],
) -> list[rules.Charge]:
    coverage, contract = group.coverage, group.contract
    terms = (
        terms_of(contract)
        if contract is not None
        else replace(_NO_CONTRACT, level_code=group.level)
    )
    lines = rules.week_charges(services, terms)
    if coverage is None:
        return [_hold_billable(line, "no coverage in force on this day") for line in lines]
    if coverage.self_pay or coverage.payer_id is None:
        return [
            line
            if line.status is LineStatus.NOT_BILLABLE
            else replace(line, status=LineStatus.SELF_PAY)
            for line in lines
        ]
    payer = context.payers[coverage.payer_id]
    if contract is None:
        return [
            _hold_billable(line, f"no contract with {payer.name} for {group.level}")
            for line in lines
        ]
    lines = rules.apply_authorizations(
        lines,
        _windows(context, client_id, group),
        required=terms.requires_authorization,
    )
    lines = rules.price(lines, terms)
    reasons = _claim_reasons(session, context, client_id, group, payer, lines)
    for reason in reasons:
        lines = [_hold_billable(line, reason) for line in lines]
    return lines


def _hold_billable(line: rules.Charge, reason: str) -> rules.Charge:
    return line if line.status is LineStatus.NOT_BILLABLE else line.hold(reason)


def _windows(context: _Context, client_id: uuid.UUID, group: _Group) -> list[rules.AuthWindow]:
    """The client's usable authorizations for this episode, level and coverage, with what
    earlier weeks already used of each."""
    windows = []
    for auth in context.authorizations.get(client_id, []):
        if (
            auth.episode_id != group.episode_id
            or auth.level_code != group.level
            or group.coverage is None
            or auth.coverage_id != group.coverage.id
        ):
            continue
        earlier = context.used.get(auth.id, [])
        windows.append(
            rules.AuthWindow(
                key=str(auth.id),
                number=auth.auth_number,
                starts_on=auth.starts_on,
                ends_on=auth.ends_on,
                approved_units=auth.approved_units or 0,
                unit_type=auth.unit_type,
                used_before=_used(earlier, auth),
                codes=tuple(auth.codes),
            )
        )
    return windows


def _used(lines: Iterable[ChargeLine], auth: Authorization) -> int:
    """What earlier weeks' lines used of the authorization, counted as this week's are."""
    chosen = list(lines)
    if auth.unit_type is UnitType.DAY:
        return len({ln.service_date for ln in chosen})
    return sum(rules.units_for(ln, auth.unit_type) for ln in chosen)


def _claim_reasons(
    session: Session,
    context: _Context,
    client_id: uuid.UUID,
    group: _Group,
    payer: Payer,
    lines: Sequence[rules.Charge],
) -> list[str]:
    """What stops every line of the group from going on a claim."""
    reasons: list[str] = []
    setup = context.setups.get(payer.id)
    if setup is None:
        reasons.append(f"{payer.name} is not set up for claims (billing set-up)")
    days = sorted({line.day for line in lines})
    if days and not context.diagnosis_codes(group.episode_id, days[-1]):
        reasons.append("no diagnosis on file for these days")
    client = context.clients[client_id]
    if parse_us(client.address) is None:
        reasons.append("the client's address has no street, city, state and ZIP a claim needs")
    if setup is not None and days:
        withheld = gate.check(
            session,
            client_id=client_id,
            recipient_id=setup.recipient_id,
            purpose=Purpose.PAYMENT,
            classes=CLAIM_CLASSES,
            on=days[-1],
        )
        if withheld:
            reasons.append(
                f"no consent lets the claim go to {payer.name}: {withheld[min(withheld)]}"
            )
    return reasons


def _row(
    client_id: uuid.UUID, group: _Group, line: rules.Charge, week_of: date, now: datetime
) -> ChargeLine:
    coverage = group.coverage
    return ChargeLine(
        id=uuid.uuid4(),
        client_id=client_id,
        episode_id=group.episode_id,
        week_of=week_of,
        service_date=line.day,
        level_code=group.level,
        payer_id=coverage.payer_id if coverage is not None else None,
        coverage_id=coverage.id if coverage is not None else None,
        contract_id=group.contract.id if group.contract is not None else None,
        authorization_id=uuid.UUID(line.authorization_key) if line.authorization_key else None,
        authorization_number=line.authorization,
        kind=line.kind,
        code=line.code,
        modifiers=list(line.modifiers),
        revenue_code=line.revenue_code,
        units=line.units,
        minutes=line.minutes,
        charge_cents=line.charge_cents,
        status=line.status,
        reasons=list(line.reasons),
        flags=list(line.flags),
        sources=list(line.sources),
        computed_at=now,
    )
