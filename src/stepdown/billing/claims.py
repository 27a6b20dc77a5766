"""Releasing a week's ready lines, and turning released lines into claim files.

A released line is one billing staff looked at and let go; exporting gathers released lines
into one claim per client, coverage, contract and authorization (REF*G1 is the claim's),
and the claims into one file per payer and claim type. Each claim is a disclosure to the
payer: it goes through the gate under the client's consent (42 CFR 2.31–2.33), or it does
not go, and its lines are held with the gate's reason. Our own checks
(``x12_837.check``) run before anything is written and hold the line they name.

Files are kept as written: exporting a week again with nothing new gives the same files,
byte for byte. A correction is a new claim with the same number (CLM01) and frequency 7
(replacement) or 8 (void), carrying the payer's claim number from its remittance.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.billing import access, claim_data, x12_837
from stepdown.billing.charges import (
    CLAIM_CLASSES,
    check_week,
    claim_diagnoses,
    period_of,
    require,
)
from stepdown.billing.claim_data import ClaimType, Frequency
from stepdown.billing.models import (
    BillingProfile,
    ChargeLine,
    Claim,
    ClaimBatch,
    ClaimLine,
    ClaimStatus,
    PayerBilling,
    PayerContract,
)
from stepdown.billing.rules import LineStatus
from stepdown.clients.models import Client
from stepdown.consents.models import Purpose
from stepdown.coverage.models import Coverage, Payer, Relationship
from stepdown.diagnoses.models import Diagnosis, PrincipalPeriod
from stepdown.disclosures import gate
from stepdown.disclosures.models import Channel
from stepdown.kit.clock import local, utc_now
from stepdown.kit.errors import Conflict, Invalid, NotFound
from stepdown.kit.postal import parse_us
from stepdown.security.actor import Actor

AUDIT_ENTITY: Final = "claim"
_RESPONSIBILITY: Final = {1: "P", 2: "S", 3: "T"}
_GENDER: Final = {"female": "F", "male": "M", "f": "F", "m": "M"}


# --- Releasing --------------------------------------------------------------------------


def release(
    session: Session, *, actor: Actor, week_of: date, payer_id: uuid.UUID | None = None
) -> int:
    """Let the week's ready lines go to a claim (one payer's, or every payer's)."""
    require(access.WORK, actor)
    check_week(week_of)
    query = select(ChargeLine).where(
        ChargeLine.week_of == week_of, ChargeLine.status == LineStatus.READY
    )
    if payer_id is not None:
        query = query.where(ChargeLine.payer_id == payer_id)
    lines = list(session.scalars(query.with_for_update()))
    now = utc_now()
    for line in lines:
        line.status = LineStatus.RELEASED
        line.released_by = actor.user_id
        line.released_at = now
    for client_id in sorted({line.client_id for line in lines}, key=str):
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type="charge_line",
            entity_id=client_id,
            client_id=client_id,
            detail={"week_of": week_of.isoformat(), "status": LineStatus.RELEASED.value},
        )
    session.flush()
    return len(lines)


# --- Exporting --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    batches: list[ClaimBatch]
    held: int  # released lines sent back to held (the gate or our checks refused them)
    reused: bool  # nothing new: the week's files as already written


def export_week(
    session: Session,
    *,
    actor: Actor,
    week_of: date,
    payer_id: uuid.UUID | None = None,
) -> ExportResult:
    """Claim files for the week's released lines: one per payer and claim type. With
    nothing newly released, the week's files already written (the same bytes)."""
    require(access.WORK, actor)
    check_week(week_of)
    query = select(ChargeLine).where(
        ChargeLine.week_of == week_of, ChargeLine.status == LineStatus.RELEASED
    )
    if payer_id is not None:
        query = query.where(ChargeLine.payer_id == payer_id)
    lines = list(session.scalars(query.with_for_update()))
    if not lines:
        return ExportResult(_existing(session, week_of, payer_id), 0, True)
    profile = _profile(session)
    by_batch: dict[tuple[uuid.UUID, ClaimType], list[ChargeLine]] = defaultdict(list)
    contracts = {c.id: c for c in session.scalars(select(PayerContract))}
    for line in lines:
        assert line.payer_id is not None
        assert line.contract_id is not None
        by_batch[(line.payer_id, contracts[line.contract_id].claim_type)].append(line)
    batches: list[ClaimBatch] = []
    held = 0
    for (payer, claim_type), chosen in sorted(
        by_batch.items(), key=lambda i: (str(i[0][0]), i[0][1])
    ):
        batch, refused = _export_batch(
            session, actor, profile, payer, claim_type, week_of, chosen, contracts
        )
        held += refused
        if batch is not None:
            batches.append(batch)
    session.flush()
    return ExportResult(batches, held, False)


def _existing(session: Session, week_of: date, payer_id: uuid.UUID | None) -> list[ClaimBatch]:
    query = select(ClaimBatch).where(ClaimBatch.week_of == week_of)
    if payer_id is not None:
        query = query.where(ClaimBatch.payer_id == payer_id)
    return list(session.scalars(query.order_by(ClaimBatch.interchange_control)))


def _profile(session: Session) -> BillingProfile:
    profile = session.get(BillingProfile, 1, with_for_update=True)
    if profile is None:
        raise Conflict("set up the billing profile (NPI, tax id, address) before exporting")
    return profile


def _setup(session: Session, payer_id: uuid.UUID) -> PayerBilling:
    setup = session.scalar(select(PayerBilling).where(PayerBilling.payer_id == payer_id))
    if setup is None:
        raise Conflict("the payer is not set up for claims", field="payer")
    return setup


@dataclass(frozen=True)
class _Draft:
    """One claim before it is numbered."""

    client: Client
    coverage: Coverage
    contract: PayerContract
    authorization: str
    lines: list[ChargeLine]


def _export_batch(
    session: Session,
    actor: Actor,
    profile: BillingProfile,
    payer_id: uuid.UUID,
    claim_type: ClaimType,
    week_of: date,
    lines: Sequence[ChargeLine],
    contracts: dict[uuid.UUID, PayerContract],
) -> tuple[ClaimBatch | None, int]:
    payer = session.get(Payer, payer_id)
    assert payer is not None
    setup = _setup(session, payer_id)
    drafts = _drafts(session, lines, contracts)
    held = 0
    sendable: list[tuple[_Draft, claim_data.Claim]] = []
    for draft in drafts:
        claim = _claim_data(session, profile, setup, payer, draft, f"SD{profile.next_claim:08d}")
        problems = x12_837.check(_batch(profile, setup, claim_type, [claim], 1, week_of))
        if problems:
            held += _hold(draft.lines, f"claim check: {problems[0]}")
            continue
        try:
            gate.disclose(
                session,
                actor=actor,
                client_id=draft.client.id,
                recipient_id=setup.recipient_id,
                purpose=Purpose.PAYMENT,
                classes=CLAIM_CLASSES,
                channel=Channel.CLAIM,
                description=f"{claim_type.value} claim {claim.claim_id} for the week of "
                f"{week_of.isoformat()}",
                on=max(ln.service_date for ln in draft.lines),
            )
        except gate.DisclosureRefused as refused:
            held += _hold(draft.lines, refused.message)
            continue
        profile.next_claim += 1
        sendable.append((draft, claim))
    if not sendable:
        return None, held
    control = profile.next_interchange
    profile.next_interchange += 1
    batch_data = _batch(profile, setup, claim_type, [c for _, c in sendable], control, week_of)
    text = x12_837.render(batch_data)
    now = utc_now()
    batch = ClaimBatch(
        id=uuid.uuid4(),
        payer_id=payer_id,
        claim_type=claim_type,
        week_of=week_of,
        interchange_control=control,
        filename=f"{setup.electronic_id}-{claim_type.value}-{week_of.isoformat()}-{control:09d}.x12",
        content=text,
        sha256=hashlib.sha256(text.encode("ascii")).hexdigest(),
        claim_count=len(sendable),
        total_cents=sum(c.charge_cents for _, c in sendable),
        created_at=now,
        created_by=actor.user_id,
    )
    session.add(batch)
    session.flush()
    for draft, claim in sendable:
        _store(session, actor, batch, draft, claim, now)
    return batch, held


def _drafts(
    session: Session, lines: Sequence[ChargeLine], contracts: dict[uuid.UUID, PayerContract]
) -> list[_Draft]:
    groups: dict[tuple[uuid.UUID, uuid.UUID, uuid.UUID, str], list[ChargeLine]] = defaultdict(list)
    for line in lines:
        assert line.coverage_id is not None
        assert line.contract_id is not None
        key = (line.client_id, line.coverage_id, line.contract_id, line.authorization_number)
        groups[key].append(line)
    drafts = []
    for (client_id, coverage_id, contract_id, authorization), chosen in sorted(
        groups.items(), key=lambda item: tuple(str(part) for part in item[0])
    ):
        client = session.get(Client, client_id)
        coverage = session.get(Coverage, coverage_id)
        assert client is not None
        assert coverage is not None
        chosen.sort(key=lambda ln: (ln.service_date, ln.code, str(ln.id)))
        drafts.append(_Draft(client, coverage, contracts[contract_id], authorization, chosen))
    return drafts


def _hold(lines: Sequence[ChargeLine], reason: str) -> int:
    for line in lines:
        line.status = LineStatus.HELD
        line.reasons = [*line.reasons, reason]
    return len(lines)


def diagnosis_codes(session: Session, episode_id: uuid.UUID, day: date) -> list[str]:
    """The episode's diagnoses that stood on the day, the principal first, without dots."""
    periods = [
        period_of(p)
        for p in session.scalars(
            select(PrincipalPeriod).where(PrincipalPeriod.episode_id == episode_id)
        )
    ]
    found = session.scalars(select(Diagnosis).where(Diagnosis.episode_id == episode_id))
    return claim_diagnoses(found, periods, day)


def _person(client: Client) -> claim_data.Person:
    address = parse_us(client.address)
    if address is None:  # charges hold such lines; a line released before the address changed
        raise Invalid("the client's address has no city, state and ZIP", field="address")
    return claim_data.Person(
        last_name=client.legal_last_name,
        first_name=client.legal_first_name,
        birth_date=client.date_of_birth,
        gender=_GENDER.get(client.sex_assigned_at_birth.strip().lower(), "U"),
        address=claim_data.Address(
            line1=address.line1,
            line2=address.line2,
            city=address.city,
            state=address.state,
            zip=address.zip,
        ),
    )


def _subscriber(client: Client, coverage: Coverage, setup: PayerBilling) -> claim_data.Subscriber:
    patient = _person(client)
    responsibility = _RESPONSIBILITY.get(coverage.rank, "T")
    if coverage.relationship is Relationship.SELF:
        return claim_data.Subscriber(
            person=patient,
            member_id=coverage.member_id,
            group_number=coverage.group_number,
            payer_responsibility=responsibility,
            filing_indicator=setup.filing_indicator,
        )
    subscriber = claim_data.Person(
        last_name=coverage.subscriber_last_name or client.legal_last_name,
        first_name=coverage.subscriber_first_name or client.legal_first_name,
        birth_date=coverage.subscriber_date_of_birth or client.date_of_birth,
        gender="U",
        address=patient.address,  # a dependent lives with the subscriber unless told
    )
    return claim_data.Subscriber(
        person=subscriber,
        member_id=coverage.member_id,
        group_number=coverage.group_number,
        payer_responsibility=responsibility,
        filing_indicator=setup.filing_indicator,
        relationship=coverage.relationship.value,
        patient=patient,
    )


def _claim_data(
    session: Session,
    profile: BillingProfile,
    setup: PayerBilling,
    payer: Payer,
    draft: _Draft,
    number: str,
    *,
    frequency: Frequency = Frequency.ORIGINAL,
    payer_claim_number: str = "",
) -> claim_data.Claim:
    contract = draft.contract
    last = max(ln.service_date for ln in draft.lines)
    first = min(ln.service_date for ln in draft.lines)
    attending = (
        claim_data.Provider(
            last_name=profile.attending_last_name,
            first_name=profile.attending_first_name,
            npi=profile.attending_npi,
        )
        if profile.attending_npi and contract.claim_type is ClaimType.INSTITUTIONAL
        else None
    )
    return claim_data.Claim(
        claim_id=number,
        subscriber=_subscriber(draft.client, draft.coverage, setup),
        payer=claim_data.Payer(name=payer.name, id=setup.electronic_id),
        diagnoses=tuple(diagnosis_codes(session, draft.lines[0].episode_id, last)[:12]),
        lines=tuple(
            claim_data.ServiceLine(
                control=line.id.hex,
                service_date=line.service_date,
                code=line.code,
                units=line.units,
                charge_cents=line.charge_cents,
                modifiers=tuple(line.modifiers),
                revenue_code=line.revenue_code,
            )
            for line in draft.lines
        ),
        frequency=frequency,
        payer_claim_number=payer_claim_number,
        prior_authorization=draft.authorization,
        place_of_service=contract.place_of_service,
        type_of_bill=contract.type_of_bill,
        condition_codes=tuple(contract.condition_codes),
        statement_from=first,
        statement_through=last,
        provider=attending,
    )


def _batch(
    profile: BillingProfile,
    setup: PayerBilling,
    claim_type: ClaimType,
    claims: Sequence[claim_data.Claim],
    control: int,
    week_of: date | None,
    created_at: datetime | None = None,
) -> claim_data.Batch:
    stamp = created_at or local(utc_now()).replace(tzinfo=None, second=0, microsecond=0)
    return claim_data.Batch(
        claim_type=claim_type,
        interchange=claim_data.Interchange(
            sender_qualifier=profile.sender_qualifier,
            sender_id=profile.submitter_id,
            receiver_qualifier=setup.receiver_qualifier,
            receiver_id=setup.receiver_id,
            interchange_control=control,
            group_control=control,
            created_at=stamp,
            production=profile.production,
        ),
        submitter=claim_data.Submitter(
            name=profile.submitter_name,
            id=profile.submitter_id,
            contact_name=profile.contact_name,
            contact_phone=profile.contact_phone,
        ),
        receiver=claim_data.Receiver(name=setup.receiver_name, id=setup.receiver_id),
        billing_provider=claim_data.BillingProvider(
            name=profile.organization_name,
            npi=profile.npi,
            tax_id=profile.tax_id,
            taxonomy=profile.taxonomy,
            address=claim_data.Address(
                line1=profile.address_line1,
                line2=profile.address_line2,
                city=profile.city,
                state=profile.state,
                zip=profile.zip,
            ),
        ),
        claims=tuple(claims),
        batch_id=f"{week_of.strftime('%Y%m%d') if week_of else 'CORR'}{control:09d}",
    )


def _store(
    session: Session,
    actor: Actor,
    batch: ClaimBatch,
    draft: _Draft,
    data: claim_data.Claim,
    now: datetime,
    *,
    corrects: Claim | None = None,
) -> Claim:
    claim = Claim(
        id=uuid.uuid4(),
        claim_number=data.claim_id,
        frequency=data.frequency,
        corrects_id=corrects.id if corrects is not None else None,
        batch_id=batch.id,
        payer_id=batch.payer_id,
        client_id=draft.client.id,
        coverage_id=draft.coverage.id,
        contract_id=draft.contract.id,
        claim_type=batch.claim_type,
        week_of=batch.week_of or draft.lines[0].week_of,
        prior_authorization=draft.authorization,
        diagnoses=list(data.diagnoses),
        charge_cents=data.charge_cents,
        status=ClaimStatus.SENT,
        payer_claim_number=data.payer_claim_number,
        created_at=now,
        created_by=actor.user_id,
    )
    session.add(claim)
    for number, line in enumerate(draft.lines, start=1):
        session.add(
            ClaimLine(
                id=uuid.uuid4(),
                claim_id=claim.id,
                charge_line_id=line.id,
                line_number=number,
                control=line.id.hex,
                service_date=line.service_date,
                code=line.code,
                modifiers=list(line.modifiers),
                revenue_code=line.revenue_code,
                units=line.units,
                charge_cents=line.charge_cents,
            )
        )
        line.status = LineStatus.BILLED
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.EXPORT,
        entity_type=AUDIT_ENTITY,
        entity_id=claim.id,
        client_id=draft.client.id,
        detail={"batch": str(batch.id), "frequency": data.frequency.value},
    )
    return claim


# --- Corrections --------------------------------------------------------------------------


def correct(
    session: Session, *, actor: Actor, claim_id: uuid.UUID, frequency: Frequency
) -> ClaimBatch:
    """A replacement (7) or void (8) of a claim the payer has: the same claim number, the
    payer's claim number from its remittance (REF*F8), in a file of its own."""
    require(access.WORK, actor)
    if frequency is Frequency.ORIGINAL:
        raise Invalid("a correction replaces or voids a claim", field="frequency")
    original = session.get(Claim, claim_id, with_for_update=True)
    if original is None:
        raise NotFound("no such claim")
    if original.status in (ClaimStatus.REPLACED, ClaimStatus.VOIDED):
        raise Conflict("this claim was already replaced or voided; correct the newest one")
    if not original.payer_claim_number:
        raise Conflict(
            "the payer's claim number is needed to correct a claim; it comes with the remittance",
            field="claim",
        )
    profile = _profile(session)
    setup = _setup(session, original.payer_id)
    payer = session.get(Payer, original.payer_id)
    client = session.get(Client, original.client_id)
    coverage = session.get(Coverage, original.coverage_id)
    contract = session.get(PayerContract, original.contract_id)
    assert payer is not None
    assert client is not None
    assert coverage is not None
    assert contract is not None
    line_ids = list(
        session.scalars(
            select(ClaimLine.charge_line_id)
            .where(ClaimLine.claim_id == original.id)
            .order_by(ClaimLine.line_number)
        )
    )
    lines = [ln for ln in (session.get(ChargeLine, i) for i in line_ids) if ln is not None]
    draft = _Draft(client, coverage, contract, original.prior_authorization, lines)
    gate.disclose(
        session,
        actor=actor,
        client_id=client.id,
        recipient_id=setup.recipient_id,
        purpose=Purpose.PAYMENT,
        classes=CLAIM_CLASSES,
        channel=Channel.CLAIM,
        description=f"{'void' if frequency is Frequency.VOID else 'replacement'} of claim "
        f"{original.claim_number}",
        on=max(ln.service_date for ln in lines),
    )
    data = _claim_data(
        session,
        profile,
        setup,
        payer,
        draft,
        original.claim_number,
        frequency=frequency,
        payer_claim_number=original.payer_claim_number,
    )
    control = profile.next_interchange
    profile.next_interchange += 1
    text = x12_837.render(_batch(profile, setup, original.claim_type, [data], control, None))
    now = utc_now()
    batch = ClaimBatch(
        id=uuid.uuid4(),
        payer_id=original.payer_id,
        claim_type=original.claim_type,
        week_of=original.week_of,
        interchange_control=control,
        filename=f"{setup.electronic_id}-{original.claim_type.value}-"
        f"{original.claim_number}-{frequency.value}-{control:09d}.x12",
        content=text,
        sha256=hashlib.sha256(text.encode("ascii")).hexdigest(),
        claim_count=1,
        total_cents=data.charge_cents,
        created_at=now,
        created_by=actor.user_id,
    )
    session.add(batch)
    session.flush()
    _store(session, actor, batch, draft, data, now, corrects=original)
    original.status = ClaimStatus.VOIDED if frequency is Frequency.VOID else ClaimStatus.REPLACED
    session.flush()
    return batch


def batch_file(session: Session, *, actor: Actor, batch_id: uuid.UUID) -> ClaimBatch:
    """A written file, as it was written (an audited export of every client on it)."""
    require(access.WORK, actor)
    batch = session.get(ClaimBatch, batch_id)
    if batch is None:
        raise NotFound("no such claim file")
    clients = sorted(
        set(session.scalars(select(Claim.client_id).where(Claim.batch_id == batch.id))), key=str
    )
    for client_id in clients:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.EXPORT,
            entity_type="claim_batch",
            entity_id=batch.id,
            client_id=client_id,
            detail={"filename": batch.filename},
        )
    return batch
