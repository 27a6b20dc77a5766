"""What billing staff review for a week: each payer's lines by status, held lines with their
reasons, ready lines, flags, and the claim files written for the week.

The lines show the client's name and record number, the code, units and amount, and the
reasons: no note text, no scores, no results (billing.access).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.billing import access
from stepdown.billing.charges import check_week, require
from stepdown.billing.models import ChargeLine, ClaimBatch, ClaimPayment
from stepdown.billing.rules import LineStatus
from stepdown.clients.models import Client
from stepdown.coverage.models import Payer
from stepdown.security.actor import Actor

SELF_PAY = "Self-pay and uncovered"


@dataclass(frozen=True)
class LineView:
    id: uuid.UUID
    client_id: uuid.UUID
    client: str
    record_number: str
    day: date
    level: str
    kind: str
    code: str
    modifiers: str
    revenue_code: str
    units: int
    minutes: int
    cents: int
    status: LineStatus
    reasons: list[str]
    flags: list[str]
    authorization: str


@dataclass
class PayerWeek:
    payer_id: uuid.UUID | None
    name: str
    lines: list[LineView] = field(default_factory=list)

    def of(self, status: LineStatus) -> list[LineView]:
        return [line for line in self.lines if line.status is status]

    def cents(self, status: LineStatus) -> int:
        return sum(line.cents for line in self.of(status))

    @property
    def counts(self) -> dict[LineStatus, int]:
        found: dict[LineStatus, int] = defaultdict(int)
        for line in self.lines:
            found[line.status] += 1
        return dict(found)


@dataclass(frozen=True)
class WeekView:
    week_of: date
    payers: list[PayerWeek]
    batches: list[ClaimBatch]

    @property
    def previous(self) -> date:
        return self.week_of - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.week_of + timedelta(days=7)

    @property
    def ready(self) -> int:
        return sum(len(p.of(LineStatus.READY)) for p in self.payers)

    @property
    def released(self) -> int:
        return sum(len(p.of(LineStatus.RELEASED)) for p in self.payers)

    @property
    def computed(self) -> bool:
        return any(p.lines for p in self.payers)


def week(session: Session, *, actor: Actor, week_of: date) -> WeekView:
    """The week's lines by payer (an audited read of every client listed)."""
    require(access.READ, actor)
    check_week(week_of)
    rows = session.execute(
        select(ChargeLine, Client)
        .join(Client, Client.id == ChargeLine.client_id)
        .where(ChargeLine.week_of == week_of)
        .order_by(Client.legal_last_name, Client.legal_first_name, ChargeLine.service_date)
    ).all()
    names = {p.id: p.name for p in session.scalars(select(Payer))}
    payers: dict[uuid.UUID | None, PayerWeek] = {}
    for line, client in rows:
        key = line.payer_id if line.status is not LineStatus.SELF_PAY else None
        group = payers.get(key)
        if group is None:
            group = payers[key] = PayerWeek(key, names.get(key, SELF_PAY) if key else SELF_PAY)
        group.lines.append(
            LineView(
                id=line.id,
                client_id=client.id,
                client=f"{client.legal_last_name}, {client.legal_first_name}",
                record_number=client.record_number,
                day=line.service_date,
                level=line.level_code,
                kind=line.kind.replace("_", " "),
                code=line.code,
                modifiers=":".join(line.modifiers),
                revenue_code=line.revenue_code,
                units=line.units,
                minutes=line.minutes,
                cents=line.charge_cents,
                status=line.status,
                reasons=list(line.reasons),
                flags=list(line.flags),
                authorization=line.authorization_number,
            )
        )
    clients = sorted({line.client_id for line, _ in rows}, key=str)
    if clients:
        audit_service.record_reads(
            session, actor=actor, entity_type="charge_line", client_ids=clients
        )
    batches = list(
        session.scalars(
            select(ClaimBatch)
            .where(ClaimBatch.week_of == week_of)
            .order_by(ClaimBatch.interchange_control)
        )
    )
    ordered = sorted(payers.values(), key=lambda p: (p.payer_id is None, p.name))
    return WeekView(week_of, ordered, batches)


@dataclass(frozen=True)
class HomeSummary:
    week_of: date
    held: int
    ready: int
    released: int
    denials: int
    next_deadline: date | None


def home_summary(session: Session, *, actor: Actor, today: date) -> HomeSummary:
    """Counts for billing staff's home page (no client is named, so nothing to audit)."""
    require(access.READ, actor)
    monday = today - timedelta(days=today.weekday())
    counts: dict[LineStatus, int] = defaultdict(int)
    for status in session.scalars(
        select(ChargeLine.status).where(ChargeLine.week_of.in_([monday, monday - timedelta(7)]))
    ):
        counts[status] += 1
    open_denials = list(
        session.scalars(
            select(ClaimPayment.appeal_deadline).where(
                ClaimPayment.denied.is_(True), ClaimPayment.worked_at.is_(None)
            )
        )
    )
    deadlines = [d for d in open_denials if d is not None]
    return HomeSummary(
        week_of=monday,
        held=counts[LineStatus.HELD],
        ready=counts[LineStatus.READY],
        released=counts[LineStatus.RELEASED],
        denials=len(open_denials),
        next_deadline=min(deadlines) if deadlines else None,
    )
