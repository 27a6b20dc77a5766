"""Posting a payer's remittance (X12 835) to the claims it answers, the denials worklist,
and balances by claim, client and payer.

An 835 names our claims by the number we sent (CLP01 = CLM01) and our lines by the control
number we sent (REF*6R); payments and adjustments post to exactly those. A claim the
program never sent is listed as unmatched, never guessed. Posting the same remittance
twice is refused (payer and trace number). A remittance comes in: nothing leaves the
program, so the disclosure gate has no part here; every posting is audited per client.

Balances (whole cents), for each claim:
- charged: what the claim asked;
- paid: what the payer paid;
- contractual: adjustments the program writes off (groups CO, PI, OA on paid lines);
- patient: the client's share (group PR);
- denied: what a denied claim or line did not pay (open until appealed or written off);
- open: the rest, not yet answered.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.billing import access, adjustment_codes, x12_835
from stepdown.billing.charges import require
from stepdown.billing.models import (
    Claim,
    ClaimLine,
    ClaimPayment,
    ClaimStatus,
    LinePayment,
    PayerBilling,
    Remittance,
)
from stepdown.clients.models import Client
from stepdown.coverage.models import Payer
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Invalid, NotFound
from stepdown.security.actor import Actor

AUDIT_ENTITY: Final = "remittance"
WRITE_OFF_GROUPS: Final = frozenset({"CO", "PI", "OA", "CR"})
PATIENT_GROUP: Final = "PR"
MAX_FILE_BYTES: Final = 5 * 1024 * 1024


@dataclass(frozen=True)
class PostResult:
    remittances: int
    claims: int
    denials: int
    unmatched: list[str] = field(default_factory=list)  # claim numbers we never sent


def post(session: Session, *, actor: Actor, text: str, filename: str) -> PostResult:
    """Post every transaction of the file; all or nothing."""
    require(access.WORK, actor)
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise Invalid("the file is larger than 5 MB", field="file")
    try:
        remittances = x12_835.read(text)
    except (x12_835.RemittanceError, ValueError) as error:
        raise Invalid(f"not a remittance we can post: {error}", field="file") from None
    digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
    claims = denials = 0
    unmatched: list[str] = []
    for remittance in remittances:
        posted, denied, missing = _post_one(session, actor, remittance, filename, digest)
        claims += posted
        denials += denied
        unmatched += missing
    session.flush()
    return PostResult(len(remittances), claims, denials, unmatched)


def _post_one(
    session: Session, actor: Actor, remittance: x12_835.Remittance, filename: str, digest: str
) -> tuple[int, int, list[str]]:
    duplicate = session.scalar(
        select(Remittance.id).where(
            Remittance.payer_name == remittance.payer_name[:60],
            Remittance.trace_number == remittance.trace_number,
        )
    )
    if duplicate is not None:
        raise Conflict(
            f"the remittance with trace number {remittance.trace_number} is already posted",
            field="file",
        )
    setup = _setup_for(session, remittance)
    paid_on = remittance.paid_on or remittance.production_date
    if paid_on is None:
        raise Invalid("the remittance gives no payment or production date", field="file")
    row = Remittance(
        id=uuid.uuid4(),
        payer_id=setup.payer_id if setup else None,
        payer_name=remittance.payer_name[:60],
        trace_number=remittance.trace_number,
        paid_cents=remittance.paid_cents,
        method=remittance.method[:3],
        paid_on=paid_on,
        filename=filename[:200],
        content_sha256=digest,
        posted_at=utc_now(),
        posted_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    appeal_days = setup.appeal_days if setup else 180
    posted = denied = 0
    unmatched: list[str] = []
    for payment in remittance.claims:
        claim = _claim_for(session, payment.claim_id, setup.payer_id if setup else None)
        if claim is None:
            unmatched.append(payment.claim_id)
        record = _claim_payment(row, claim, payment, paid_on, appeal_days)
        session.add(record)
        session.flush()
        lines = _line_payments(session, record, claim, payment)
        if claim is not None:
            claim.status = _claim_status(payment, lines)
            if payment.payer_claim_number:
                claim.payer_claim_number = payment.payer_claim_number[:50]
            audit_service.record(
                session,
                actor=actor,
                action=AuditAction.UPDATE,
                entity_type=AUDIT_ENTITY,
                entity_id=row.id,
                client_id=claim.client_id,
                detail={"claim": str(claim.id), "status": claim.status},
            )
        posted += 1
        denied += int(record.denied)
    return posted, denied, unmatched


def _setup_for(session: Session, remittance: x12_835.Remittance) -> PayerBilling | None:
    """The payer by its electronic id (N1*PR REF*2U), else by name."""
    setups = list(session.scalars(select(PayerBilling)))
    for setup in setups:
        if remittance.payer_id and setup.electronic_id == remittance.payer_id:
            return setup
    names = {p.id: p.name for p in session.scalars(select(Payer))}
    for setup in setups:
        if names.get(setup.payer_id, "").lower() == remittance.payer_name.lower():
            return setup
    return None


def _claim_for(session: Session, number: str, payer_id: uuid.UUID | None) -> Claim | None:
    """The newest claim sent under the number (a replacement shares its number)."""
    query = select(Claim).where(Claim.claim_number == number)
    if payer_id is not None:
        query = query.where(Claim.payer_id == payer_id)
    return session.scalars(query.order_by(Claim.created_at.desc())).first()


def _adjustments(found: Iterable[x12_835.Adjustment]) -> list[dict[str, Any]]:
    return [{"group": a.group, "reason": a.reason, "cents": a.cents} for a in found]


def _claim_payment(
    remittance: Remittance,
    claim: Claim | None,
    payment: x12_835.ClaimPayment,
    paid_on: date,
    appeal_days: int,
) -> ClaimPayment:
    denied = payment.denied or any(_line_denied(line) for line in payment.lines)
    return ClaimPayment(
        id=uuid.uuid4(),
        remittance_id=remittance.id,
        claim_id=claim.id if claim is not None else None,
        claim_number=payment.claim_id[:38],
        status_code=payment.status[:2],
        charge_cents=payment.charge_cents,
        paid_cents=payment.paid_cents,
        patient_cents=payment.patient_responsibility_cents,
        payer_claim_number=payment.payer_claim_number[:50],
        adjustments=_adjustments(payment.adjustments),
        remarks=list(payment.remarks),
        denied=denied,
        appeal_deadline=paid_on + timedelta(days=appeal_days) if denied else None,
    )


def _line_denied(line: x12_835.LinePayment) -> bool:
    """A line the payer paid nothing for and did not put on the client: denied."""
    return (
        line.charge_cents > 0
        and line.paid_cents == 0
        and not any(a.group == PATIENT_GROUP for a in line.adjustments)
    )


def _line_payments(
    session: Session, record: ClaimPayment, claim: Claim | None, payment: x12_835.ClaimPayment
) -> list[LinePayment]:
    ours: dict[str, ClaimLine] = {}
    if claim is not None:
        ours = {
            line.control: line
            for line in session.scalars(select(ClaimLine).where(ClaimLine.claim_id == claim.id))
        }
    rows = []
    for line in payment.lines:
        match = ours.get(line.control)
        row = LinePayment(
            id=uuid.uuid4(),
            claim_payment_id=record.id,
            claim_line_id=match.id if match is not None else None,
            control=line.control[:50],
            code=line.code[:5],
            charge_cents=line.charge_cents,
            paid_cents=line.paid_cents,
            adjustments=_adjustments(line.adjustments),
            remarks=list(line.remarks),
            denied=_line_denied(line),
        )
        session.add(row)
        rows.append(row)
    return rows


def _claim_status(payment: x12_835.ClaimPayment, lines: Sequence[LinePayment]) -> str:
    if payment.reversal:
        return ClaimStatus.REVERSED
    if payment.denied:
        return ClaimStatus.DENIED
    if any(line.denied for line in lines):
        return ClaimStatus.PARTLY_PAID
    return ClaimStatus.PAID


# --- The denials worklist ------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    group: str
    code: str
    label: str
    cents: int


@dataclass(frozen=True)
class Denial:
    payment_id: uuid.UUID
    claim_id: uuid.UUID | None
    claim_number: str
    client_id: uuid.UUID | None
    client_name: str
    payer: str
    paid_on: date
    denied_cents: int
    reasons: list[Reason]
    remarks: list[str]
    appeal_deadline: date | None
    days_left: int | None


def denials(session: Session, *, actor: Actor, today: date) -> list[Denial]:
    """Denials not yet worked, the nearest appeal deadline first."""
    require(access.READ, actor)
    rows = session.execute(
        select(ClaimPayment, Remittance, Claim, Client)
        .join(Remittance, Remittance.id == ClaimPayment.remittance_id)
        .outerjoin(Claim, Claim.id == ClaimPayment.claim_id)
        .outerjoin(Client, Client.id == Claim.client_id)
        .where(ClaimPayment.denied.is_(True), ClaimPayment.worked_at.is_(None))
    ).all()
    denied_by_payment: dict[uuid.UUID, list[LinePayment]] = defaultdict(list)
    for line in session.scalars(
        select(LinePayment).where(
            LinePayment.claim_payment_id.in_([row[0].id for row in rows]),
            LinePayment.denied.is_(True),
        )
    ):
        denied_by_payment[line.claim_payment_id].append(line)
    found = []
    for payment, remittance, claim, client in rows:
        denied_lines = denied_by_payment.get(payment.id, [])
        adjustments = list(payment.adjustments) + [a for ln in denied_lines for a in ln.adjustments]
        remarks = list(payment.remarks) + [r for ln in denied_lines for r in ln.remarks]
        denied_cents = (
            payment.charge_cents - payment.paid_cents
            if payment.status_code == "4" or not denied_lines
            else sum(ln.charge_cents for ln in denied_lines)
        )
        found.append(
            Denial(
                payment_id=payment.id,
                claim_id=claim.id if claim is not None else None,
                claim_number=payment.claim_number,
                client_id=client.id if client is not None else None,
                client_name=f"{client.legal_last_name}, {client.legal_first_name}"
                if client is not None
                else "(not a claim we sent)",
                payer=remittance.payer_name,
                paid_on=remittance.paid_on,
                denied_cents=denied_cents,
                reasons=[
                    Reason(
                        a["group"],
                        a["reason"],
                        adjustment_codes.label(a["reason"]),
                        int(a["cents"]),
                    )
                    for a in adjustments
                    if a["group"] != PATIENT_GROUP
                ],
                remarks=[f"{r}: {adjustment_codes.label(r)}" for r in dict.fromkeys(remarks)],
                appeal_deadline=payment.appeal_deadline,
                days_left=(payment.appeal_deadline - today).days
                if payment.appeal_deadline
                else None,
            )
        )
    client_ids = sorted({d.client_id for d in found if d.client_id}, key=str)
    if client_ids:
        audit_service.record_reads(
            session, actor=actor, entity_type="claim_payment", client_ids=client_ids
        )
    return sorted(found, key=lambda d: (d.appeal_deadline or date.max, d.claim_number))


def work_denial(session: Session, *, actor: Actor, payment_id: uuid.UUID, note: str) -> None:
    """Take a denial off the worklist with what was done (appealed, corrected, written off)."""
    require(access.WORK, actor)
    text = " ".join(note.split())
    if not 3 <= len(text) <= 500:
        raise Invalid("say in 3 to 500 characters what was done", field="note")
    payment = session.get(ClaimPayment, payment_id, with_for_update=True)
    if payment is None or not payment.denied:
        raise NotFound("no such denial")
    if payment.worked_at is not None:
        raise Conflict("this denial was already worked")
    payment.worked_at = utc_now()
    payment.worked_by = actor.user_id
    payment.work_note = text
    claim = session.get(Claim, payment.claim_id) if payment.claim_id else None
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="claim_payment",
        entity_id=payment.id,
        client_id=claim.client_id if claim is not None else None,
        detail={"worked": True},
    )
    session.flush()


# --- Balances ---------------------------------------------------------------------------


@dataclass
class Balance:
    charged: int = 0
    paid: int = 0
    contractual: int = 0
    patient: int = 0
    denied: int = 0

    @property
    def open(self) -> int:
        return self.charged - self.paid - self.contractual - self.patient - self.denied

    def add(self, other: Balance) -> None:
        self.charged += other.charged
        self.paid += other.paid
        self.contractual += other.contractual
        self.patient += other.patient
        self.denied += other.denied


@dataclass(frozen=True)
class Balances:
    by_claim: dict[uuid.UUID, Balance]
    by_client: dict[uuid.UUID, Balance]
    by_payer: dict[uuid.UUID, Balance]
    claims: dict[uuid.UUID, Claim]
    client_names: dict[uuid.UUID, str]
    payer_names: dict[uuid.UUID, str]

    def total(self) -> Balance:
        whole = Balance()
        for balance in self.by_payer.values():
            whole.add(balance)
        return whole


def claim_balance(
    claim: Claim, payments: Sequence[ClaimPayment], lines: Sequence[LinePayment]
) -> Balance:
    """A claim's balance from its latest answer (a later remittance supersedes an earlier
    one for the same claim, as a payer's reprocessing does)."""
    balance = Balance(charged=claim.charge_cents)
    if not payments:
        return balance
    latest = max(payments, key=lambda p: (p.status_code != "22", str(p.id)))
    if latest.status_code == "22":  # reversed: as if never answered
        return balance
    balance.paid = latest.paid_cents
    answered = [ln for ln in lines if ln.claim_payment_id == latest.id]
    adjustments = list(latest.adjustments) + [
        a for ln in answered if not ln.denied for a in ln.adjustments
    ]
    balance.patient = sum(int(a["cents"]) for a in adjustments if a["group"] == PATIENT_GROUP)
    if latest.status_code == "4":
        balance.denied = latest.charge_cents - latest.paid_cents - balance.patient
        return balance
    balance.denied = sum(ln.charge_cents - ln.paid_cents for ln in answered if ln.denied)
    balance.contractual = sum(
        int(a["cents"]) for a in adjustments if a["group"] in WRITE_OFF_GROUPS
    )
    return balance


def balances(session: Session, *, actor: Actor) -> Balances:
    require(access.READ, actor)
    claims = {
        c.id: c
        for c in session.scalars(
            select(Claim).where(Claim.status.not_in((ClaimStatus.REPLACED, ClaimStatus.VOIDED)))
        )
    }
    payments: dict[uuid.UUID, list[ClaimPayment]] = defaultdict(list)
    for payment in session.scalars(select(ClaimPayment).where(ClaimPayment.claim_id.is_not(None))):
        assert payment.claim_id is not None
        payments[payment.claim_id].append(payment)
    lines: dict[uuid.UUID, list[LinePayment]] = defaultdict(list)
    for line in session.scalars(select(LinePayment)):
        lines[line.claim_payment_id].append(line)
    by_claim: dict[uuid.UUID, Balance] = {}
    by_client: dict[uuid.UUID, Balance] = defaultdict(Balance)
    by_payer: dict[uuid.UUID, Balance] = defaultdict(Balance)
    for claim_id, claim in claims.items():
        if claim.frequency.value == "8":
            continue  # a void asks for nothing
        answered = payments.get(claim_id, [])
        balance = claim_balance(claim, answered, [ln for p in answered for ln in lines[p.id]])
        by_claim[claim_id] = balance
        by_client[claim.client_id].add(balance)
        by_payer[claim.payer_id].add(balance)
    names = {
        c.id: f"{c.legal_last_name}, {c.legal_first_name}"
        for c in session.scalars(select(Client).where(Client.id.in_(list(by_client))))
    }
    if by_client:
        audit_service.record_reads(
            session, actor=actor, entity_type="claim", client_ids=sorted(by_client, key=str)
        )
    return Balances(
        by_claim=by_claim,
        by_client=dict(by_client),
        by_payer=dict(by_payer),
        claims=claims,
        client_names=names,
        payer_names={p.id: p.name for p in session.scalars(select(Payer))},
    )
