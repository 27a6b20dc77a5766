"""Eligibility checks: ask the payer (a 270 through the configured gateway), read the
answer (the 271) into a benefits snapshot, refuse an answer about someone else, and keep
both messages with the outcome; or record what a payer's representative said by phone.

The gateway call can take the whole retry deadline (``clearinghouse.retry``), so nothing is
written to the database before it returns: the coverage, the person and the program are
read, the 270 is sent, and only then are the check and its audit entries written. On
SQLite a write held open across a 30-second call would stop every other writer.

Outcomes (``CheckOutcome``): an AAA rejection, a mismatched answer or a failure after the
retries says nothing about the coverage and is never stored or shown as inactive.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.authorizations.models import Authorization
from stepdown.authorizations.rules import AuthStatus
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.coverage import access, rules
from stepdown.coverage.benefits import (
    Accumulator,
    BenefitsSnapshot,
    CostShare,
    CoverageStatus,
    Limit,
    NetworkBenefits,
    ServiceBenefits,
)
from stepdown.coverage.benefits import Payer as SnapshotPayer
from stepdown.coverage.clearinghouse.factory import gateway_from_settings
from stepdown.coverage.clearinghouse.gateway import Answered, EligibilityGateway, Failed
from stepdown.coverage.clearinghouse.retry import call_with_retry
from stepdown.coverage.models import (
    CheckMethod,
    CheckOutcome,
    Coverage,
    EligibilityCheck,
    Payer,
    Relationship,
)
from stepdown.coverage.x12_270 import (
    Dependent,
    EligibilityInquiry,
    Gender,
    InquiryError,
    Provider,
    Subscriber,
    write_270,
)
from stepdown.coverage.x12_270 import Payer as InquiryPayer
from stepdown.coverage.x12_271 import parse_271
from stepdown.inquiries import repository as inquiries_repository
from stepdown.inquiries.models import Inquiry
from stepdown.kit import clock
from stepdown.kit.errors import Forbidden, Invalid, NotFound, StepdownError
from stepdown.kit.x12 import Envelope, Party, X12Error
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from stepdown.settings import Settings

ENTITY = "eligibility_check"


@dataclass(frozen=True)
class Route:
    """How checks leave the program: the gateway, its name as stored on each check, the
    interchange ids, and whether the route keeps our trace number (a clearinghouse's JSON
    API may put its own in the 271, so the trace cannot be matched there)."""

    gateway: EligibilityGateway
    method: CheckMethod
    sender_id: str
    receiver_id: str
    keeps_trace: bool = True
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class _Person:
    client_id: uuid.UUID | None
    inquiry_id: uuid.UUID | None
    first_name: str
    last_name: str
    date_of_birth: date | None
    sex: str


def _person(session: Session, actor: Actor, coverage: Coverage) -> _Person:
    """The patient the coverage is for, if the actor may see them (404 otherwise). A read
    only: it is audited with the check, after the payer has answered."""
    if coverage.client_id is not None:
        client = session.scalar(
            clients_repository.readable(actor).where(Client.id == coverage.client_id)
        )
        if client is None:
            raise NotFound("no such coverage, or not one you may see", field="coverage_id")
        return _Person(
            client.id,
            None,
            client.legal_first_name,
            client.legal_last_name,
            client.date_of_birth,
            client.sex_assigned_at_birth,
        )
    inquiry = session.scalar(
        inquiries_repository.readable(actor).where(Inquiry.id == coverage.inquiry_id)
    )
    if inquiry is None:
        raise NotFound("no such coverage, or not one you may see", field="coverage_id")
    return _Person(
        None, inquiry.id, inquiry.first_name, inquiry.last_name, inquiry.date_of_birth, ""
    )


def _gender(sex: str) -> Gender | None:
    return {"female": Gender.FEMALE, "male": Gender.MALE}.get(sex.strip().lower())


def _require_write(actor: Actor) -> None:
    if actor.role is not Role.SYSTEM and not access.WRITE.allows(actor.role):
        raise Forbidden(f"your role may not {access.WRITE.description}")


def _coverage(session: Session, coverage_id: uuid.UUID) -> tuple[Coverage, Payer]:
    coverage = session.get(Coverage, coverage_id)
    if coverage is None:
        raise NotFound("no such coverage", field="coverage_id")
    if coverage.self_pay or coverage.payer_id is None:
        raise Invalid("a self-pay coverage has no payer to ask", field="coverage_id")
    payer = session.get(Payer, coverage.payer_id)
    assert payer is not None  # a foreign key
    if not payer.payer_code:
        raise Invalid(
            f"{payer.name} has no electronic payer id: add it in the payer directory, or "
            "verify by phone",
            field="payer_id",
        )
    return coverage, payer


def build_inquiry(
    *,
    program_name: str,
    npi: str,
    payer: Payer,
    coverage: Coverage,
    patient: _Person,
    service_types: Sequence[str],
    on: date,
    trace: str,
) -> EligibilityInquiry:
    """The 270's content, every field checked (``InquiryError`` names the one at fault,
    mapped to the form's field by ``check``)."""
    if patient.date_of_birth is None:
        raise Invalid(
            "the patient's date of birth is needed to ask the payer", field="date_of_birth"
        )
    dependent = None
    if coverage.relationship is Relationship.SELF:
        subscriber = Subscriber(
            first_name=patient.first_name,
            last_name=patient.last_name,
            member_id=coverage.member_id,
            birth_date=patient.date_of_birth,
            gender=_gender(patient.sex),
            group_number=coverage.group_number or None,
        )
    else:
        assert coverage.subscriber_date_of_birth is not None  # rules.check_subscriber
        subscriber = Subscriber(
            first_name=coverage.subscriber_first_name,
            last_name=coverage.subscriber_last_name,
            member_id=coverage.member_id,
            birth_date=coverage.subscriber_date_of_birth,
            group_number=coverage.group_number or None,
        )
        dependent = Dependent(
            first_name=patient.first_name,
            last_name=patient.last_name,
            birth_date=patient.date_of_birth,
            relationship=coverage.relationship.value,
            gender=_gender(patient.sex),
        )
    return EligibilityInquiry(
        payer=InquiryPayer(name=payer.name, payer_id=payer.payer_code),
        provider=Provider(organization_name=program_name, npi=npi),
        subscriber=subscriber,
        dependent=dependent,
        service_types=tuple(service_types),
        date_of_service=on,
        trace_number=trace,
        originator_id=f"9{npi[1:]}",
        reference=trace[:30],
    )


# The 270 fields a person can correct, mapped to the form field that holds them.
_FIELDS = {
    "subscriber.member_id": "member_id",
    "subscriber.group_number": "group_number",
    "subscriber.first_name": "subscriber_first_name",
    "subscriber.last_name": "subscriber_last_name",
    "payer.payer_id": "payer_id",
    "provider.npi": "npi",
    "service_types": "service_types",
}


def check(
    session: Session,
    *,
    actor: Actor,
    coverage_id: uuid.UUID,
    route: Route,
    service_types: Sequence[str] = rules.DEFAULT_SERVICE_TYPES,
    on: date | None = None,
) -> EligibilityCheck:
    """Ask the payer now and keep the answer; see the module docstring for the order."""
    _require_write(actor)
    coverage, payer = _coverage(session, coverage_id)
    patient = _person(session, actor, coverage)
    program = programs_service.program(session)
    if program is None or not program.npi:
        raise Invalid(
            "the program has no NPI yet: the director records it in Program details", field="npi"
        )
    day = on or clock.today()
    check_id = uuid.uuid4()
    trace = check_id.hex.upper()
    try:
        inquiry = build_inquiry(
            program_name=program.name,
            npi=program.npi,
            payer=payer,
            coverage=coverage,
            patient=patient,
            service_types=rules.check_service_types(service_types),
            on=day,
            trace=trace,
        )
        request = write_270(
            inquiry,
            Envelope(
                sender=Party("ZZ", route.sender_id),
                receiver=Party("ZZ", route.receiver_id),
                interchange_control=check_id.int % 999_999_999 + 1,
                group_control=check_id.int % 999_999_999 + 1,
                functional_id="HS",
                version="005010X279A1",
                created_at=clock.local(clock.utc_now()),
            ),
        )
    except InquiryError as exc:
        field = _FIELDS.get(exc.field, "coverage_id")
        raise Invalid(f"the payer cannot be asked: {exc}", field=field) from exc
    retried = call_with_retry(
        route.gateway, request, timeout=getattr(route.gateway, "timeout", 20.0), sleep=route.sleep
    )
    outcome, detail, snapshot, response = _read(retried.outcome, inquiry, route.keeps_trace)
    record = EligibilityCheck(
        id=check_id,
        coverage_id=coverage.id,
        client_id=coverage.client_id,
        inquiry_id=coverage.inquiry_id,
        method=route.method,
        service_types=list(inquiry.service_types),
        service_date=day,
        trace=trace,
        request_x12=request,
        response_x12=response,
        snapshot=snapshot.to_json() if snapshot is not None else None,
        outcome=outcome,
        detail=detail[:500],
        attempts=retried.attempts,
        checked_by=actor.user_id,
        checked_at=clock.utc_now(),
    )
    session.add(record)
    session.flush()
    _audit(session, actor, record, payer)
    return record


def _read(
    answer: Answered | Failed, inquiry: EligibilityInquiry, keeps_trace: bool
) -> tuple[CheckOutcome, str, BenefitsSnapshot | None, str]:
    """The outcome, its explanation, the snapshot to keep and the raw answer."""
    if isinstance(answer, Failed):
        return CheckOutcome.FAILED, f"{answer.kind.value}: {answer.detail}", None, ""
    try:
        snapshot = parse_271(answer.text)
    except X12Error as exc:
        return CheckOutcome.FAILED, f"the answer could not be read: {exc}", None, answer.text
    mismatch = rules.mismatch(snapshot, inquiry, keeps_trace=keeps_trace)
    if mismatch is not None:
        # Another person's benefits: kept as received for the record, never shown as theirs.
        return CheckOutcome.MISMATCH, mismatch, None, answer.text
    if snapshot.rejections:
        return CheckOutcome.REJECTED, snapshot.unusable_reason or "", snapshot, answer.text
    statuses = {s.status for s in snapshot.services}
    if CoverageStatus.ACTIVE in statuses:
        return CheckOutcome.ACTIVE, "", snapshot, answer.text
    if CoverageStatus.INACTIVE in statuses:
        return CheckOutcome.INACTIVE, snapshot.unusable_reason or "", snapshot, answer.text
    return (
        CheckOutcome.FAILED,
        "the payer's answer gives no coverage status for any service type",
        snapshot,
        answer.text,
    )


def _audit(session: Session, actor: Actor, record: EligibilityCheck, payer: Payer) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=ENTITY,
        entity_id=record.id,
        client_id=record.client_id,
        detail={
            "coverage_id": str(record.coverage_id),
            "payer_id": str(payer.id),
            "method": record.method.value,
            "service_types": list(record.service_types),
            "outcome": record.outcome.value,
            "attempts": record.attempts,
            **({"inquiry_id": str(record.inquiry_id)} if record.inquiry_id else {}),
        },
    )


# ---- verification by phone ----------------------------------------------------------------


@dataclass(frozen=True)
class PhoneVerification:
    """What a payer's representative said, typed in by the person who called: the same
    snapshot as an electronic answer, for the service types asked about. ``None`` is
    "not said", kept apart from zero."""

    service_types: tuple[str, ...]
    active: bool
    representative: str
    call_reference: str
    copay: Decimal | None = None
    coinsurance_percent: Decimal | None = None
    deductible_total: Decimal | None = None
    deductible_remaining: Decimal | None = None
    out_of_pocket_total: Decimal | None = None
    out_of_pocket_remaining: Decimal | None = None
    authorization_required: bool | None = None
    visit_limit: int | None = None
    note: str = ""


def phone_snapshot(data: PhoneVerification, payer: Payer) -> BenefitsSnapshot:
    """The representative's answer as a snapshot, in network (a program verifies its own
    network's benefits by phone)."""
    network = NetworkBenefits(
        copays=(CostShare(amount=data.copay),) if data.copay is not None else None,
        coinsurance=(
            (CostShare(rate=data.coinsurance_percent / 100),)
            if data.coinsurance_percent is not None
            else None
        ),
        deductibles=_accumulator(data.deductible_total, data.deductible_remaining),
        out_of_pocket=_accumulator(data.out_of_pocket_total, data.out_of_pocket_remaining),
        limits=(
            (Limit(quantity=Decimal(data.visit_limit), unit="VS"),)
            if data.visit_limit is not None
            else None
        ),
        authorization_required=data.authorization_required,
    )
    status = CoverageStatus.ACTIVE if data.active else CoverageStatus.INACTIVE
    return BenefitsSnapshot(
        payer=SnapshotPayer(name=payer.name, payer_id=payer.payer_code or None),
        services=tuple(
            ServiceBenefits(
                code=code,
                status=status,
                in_network=network if data.active else None,
                messages=(data.note,) if data.note else (),
            )
            for code in data.service_types
        ),
    )


def _accumulator(
    total: Decimal | None, remaining: Decimal | None
) -> tuple[Accumulator, ...] | None:
    if total is None and remaining is None:
        return None
    return (Accumulator(total=total, remaining=remaining),)


def record_phone_verification(
    session: Session,
    *,
    actor: Actor,
    coverage_id: uuid.UUID,
    data: PhoneVerification,
    on: date | None = None,
) -> EligibilityCheck:
    _require_write(actor)
    coverage, payer = _coverage_for_phone(session, coverage_id)
    _person(session, actor, coverage)
    rules.check_phone_verification(data.representative, data.call_reference)
    snapshot = phone_snapshot(data, payer)
    record = EligibilityCheck(
        coverage_id=coverage.id,
        client_id=coverage.client_id,
        inquiry_id=coverage.inquiry_id,
        method=CheckMethod.PHONE,
        service_types=list(rules.check_service_types(data.service_types)),
        service_date=on or clock.today(),
        snapshot=snapshot.to_json(),
        outcome=CheckOutcome.ACTIVE if data.active else CheckOutcome.INACTIVE,
        representative=data.representative.strip(),
        call_reference=data.call_reference.strip(),
        checked_by=actor.user_id,
        checked_at=clock.utc_now(),
    )
    session.add(record)
    session.flush()
    _audit(session, actor, record, payer)
    return record


def _coverage_for_phone(session: Session, coverage_id: uuid.UUID) -> tuple[Coverage, Payer]:
    coverage = session.get(Coverage, coverage_id)
    if coverage is None:
        raise NotFound("no such coverage", field="coverage_id")
    if coverage.self_pay or coverage.payer_id is None:
        raise Invalid("a self-pay coverage has no payer to ask", field="coverage_id")
    payer = session.get(Payer, coverage.payer_id)
    assert payer is not None
    return coverage, payer


# ---- reading checks -----------------------------------------------------------------------


def latest(
    session: Session, coverage_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, EligibilityCheck]:
    """Each coverage's newest check; the caller has read (and audited) the person."""
    found: dict[uuid.UUID, EligibilityCheck] = {}
    if not coverage_ids:
        return found
    rows = session.scalars(
        select(EligibilityCheck)
        .where(EligibilityCheck.coverage_id.in_(coverage_ids))
        .order_by(EligibilityCheck.checked_at.desc())
    )
    for row in rows:
        found.setdefault(row.coverage_id, row)
    return found


def history(session: Session, coverage_id: uuid.UUID) -> list[EligibilityCheck]:
    return list(
        session.scalars(
            select(EligibilityCheck)
            .where(EligibilityCheck.coverage_id == coverage_id)
            .order_by(EligibilityCheck.checked_at.desc())
        )
    )


def route_for(settings: Settings) -> Route:
    """The route the settings configure (``clearinghouse.factory``). A clearinghouse's JSON
    API answers with its own trace number (Stedi: "You can't set your own trace number"),
    so on that route an answer is matched by member id, name and birth date only."""
    return Route(
        gateway=gateway_from_settings(settings),
        method=CheckMethod(settings.eligibility_gateway),
        sender_id=settings.eligibility_sender_id,
        receiver_id=settings.eligibility_receiver_id,
        keeps_trace=settings.eligibility_gateway != "jsonapi",
    )


# A run verifies at most this many coverages (a slow payer at 30 s a check would otherwise
# hold the job for hours); the rest are due again tomorrow.
REVERIFY_BATCH = 200


def _next_periods(
    session: Session, coverage_ids: Sequence[uuid.UUID], today: date
) -> dict[uuid.UUID, date]:
    """Each coverage's authorization period starting soonest from ``today`` on (within the
    lead time, or already begun today), requested or approved."""
    horizon = today + timedelta(days=rules.PERIOD_LEAD_DAYS)
    rows = session.execute(
        select(Authorization.coverage_id, Authorization.starts_on)
        .where(
            Authorization.coverage_id.in_(coverage_ids),
            Authorization.status.in_([AuthStatus.PENDING, AuthStatus.APPROVED, AuthStatus.PARTIAL]),
            Authorization.starts_on >= today,
            Authorization.starts_on <= horizon,
        )
        .order_by(Authorization.starts_on)
    )
    found: dict[uuid.UUID, date] = {}
    for coverage_id, starts_on in rows:
        found.setdefault(coverage_id, starts_on)
    return found


def reverify_in_care(session: Session, *, actor: Actor, route: Route, today: date) -> int:
    """Check again every payer coverage in force of the clients in care whose last check
    is due (``rules.reverification_due``: monthly, and before an authorization period),
    oldest first; returns how many were checked. A
    coverage that cannot be asked (no payer id, no NPI, bad demographics) is skipped and
    stays due; the chart shows it unverified."""
    in_care = select(Episode.client_id).where(Episode.status == EpisodeStatus.ACTIVE)
    candidates = [
        c
        for c in session.scalars(
            select(Coverage).where(
                Coverage.client_id.in_(in_care),
                Coverage.self_pay.is_(False),
            )
        )
        if rules.Ranked(c.id, c.rank, c.self_pay, c.starts_on, c.ends_on).in_force(today)
    ]
    last = latest(session, [c.id for c in candidates])
    periods = _next_periods(session, [c.id for c in candidates], today)
    due = sorted(
        (
            c
            for c in candidates
            if rules.reverification_due(
                clock.local(last[c.id].checked_at).date() if c.id in last else None,
                today,
                periods.get(c.id),
            )
        ),
        # Never checked first, then the longest unchecked.
        key=lambda c: (c.id in last, last[c.id].checked_at.timestamp() if c.id in last else 0.0),
    )
    checked = 0
    for coverage in due[:REVERIFY_BATCH]:
        try:
            with session.begin_nested():
                check(session, actor=actor, coverage_id=coverage.id, route=route, on=today)
        except StepdownError:
            continue
        checked += 1
    return checked
