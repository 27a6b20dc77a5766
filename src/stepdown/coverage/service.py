"""Payers, plans and coverages: the directory admissions picks from, and each person's
coverages in the order they pay, from the inquiry onward to the client.

Every read of a person's coverage is an audited read of that client (or inquiry); every
change is audited with the names of the fields changed, never their values. Eligibility
checks are in ``eligibility``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import repository as clients_repository
from stepdown.clients import service as clients_service
from stepdown.coverage import access, eligibility, rules, summary
from stepdown.coverage.benefits import BenefitsSnapshot
from stepdown.coverage.models import (
    CheckOutcome,
    Coverage,
    EligibilityCheck,
    Payer,
    PayerPlan,
    Relationship,
)
from stepdown.coverage.schemas import CoverageEnd, CoverageWrite, PayerWrite, PlanWrite
from stepdown.inquiries import repository as inquiries_repository
from stepdown.inquiries.models import Inquiry
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role

ENTITY = "coverage"
PAYER_ENTITY = "payer"


def _require(policy: Policy, actor: Actor) -> None:
    """The system (seeding, jobs, imports) acts for the program; people by their role."""
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role may not {policy.description}")


# ---- the payer directory -------------------------------------------------------------------


def list_payers(session: Session, *, include_inactive: bool = False) -> list[Payer]:
    """The directory, by name. Not PHI: any signed-in staff member may read it."""
    stmt = select(Payer).order_by(Payer.name)
    if not include_inactive:
        stmt = stmt.where(Payer.is_active.is_(True))
    return list(session.scalars(stmt))


def plans_of(session: Session, payer_id: uuid.UUID) -> list[PayerPlan]:
    return plans_by_payer(session, [payer_id]).get(payer_id, [])


def plans_by_payer(
    session: Session, payer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PayerPlan]]:
    """The plans of many payers in one query, by payer, by name."""
    found: dict[uuid.UUID, list[PayerPlan]] = {p: [] for p in payer_ids}
    rows = session.scalars(
        select(PayerPlan).where(PayerPlan.payer_id.in_(payer_ids)).order_by(PayerPlan.name)
    )
    for plan in rows:
        found[plan.payer_id].append(plan)
    return found


def _payer(session: Session, payer_id: uuid.UUID, field: str = "payer_id") -> Payer:
    payer = session.get(Payer, payer_id)
    if payer is None:
        raise NotFound("no such payer", field=field)
    return payer


def _unique_name(session: Session, name: str, payer_id: uuid.UUID | None) -> None:
    found = session.scalar(select(Payer.id).where(Payer.name == name))
    if found is not None and found != payer_id:
        raise Conflict("a payer of that name is in the directory", field="name")


def create_payer(session: Session, *, actor: Actor, data: PayerWrite) -> Payer:
    _require(access.PAYERS, actor)
    _unique_name(session, data.name, None)
    if data.carve_out_payer_id is not None:
        _payer(session, data.carve_out_payer_id, "carve_out_payer_id")
    payer = Payer(**data.model_dump())
    session.add(payer)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=PAYER_ENTITY,
        entity_id=payer.id,
    )
    return payer


def update_payer(session: Session, *, actor: Actor, payer_id: uuid.UUID, data: PayerWrite) -> Payer:
    _require(access.PAYERS, actor)
    payer = _payer(session, payer_id)
    _unique_name(session, data.name, payer.id)
    if data.carve_out_payer_id is not None:
        if data.carve_out_payer_id == payer.id:
            raise Invalid("a payer cannot carve out to itself", field="carve_out_payer_id")
        _payer(session, data.carve_out_payer_id, "carve_out_payer_id")
    changed = [k for k, v in data.model_dump().items() if getattr(payer, k) != v]
    for key, value in data.model_dump().items():
        setattr(payer, key, value)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=PAYER_ENTITY,
        entity_id=payer.id,
        detail={"fields": changed},
    )
    return payer


def add_plan(session: Session, *, actor: Actor, payer_id: uuid.UUID, data: PlanWrite) -> PayerPlan:
    _require(access.PAYERS, actor)
    _payer(session, payer_id)
    if session.scalar(
        select(PayerPlan.id).where(PayerPlan.payer_id == payer_id, PayerPlan.name == data.name)
    ):
        raise Conflict("this payer already has a plan of that name", field="name")
    plan = PayerPlan(payer_id=payer_id, name=data.name, kind=data.kind)
    session.add(plan)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="payer_plan",
        entity_id=plan.id,
        detail={"payer_id": str(payer_id)},
    )
    return plan


# ---- coverages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    """Whose coverage: a client's, or an inquiry's caller's before admission."""

    client_id: uuid.UUID | None = None
    inquiry_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if (self.client_id is None) == (self.inquiry_id is None):
            raise ValueError("a coverage belongs to exactly one client or inquiry")


def _check_owner(session: Session, actor: Actor, owner: Owner) -> None:
    """404 unless the actor may see the person (an audited read of them)."""
    if owner.client_id is not None:
        clients_service.get_client(session, actor=actor, client_id=owner.client_id)
    else:
        inquiry = session.scalar(
            inquiries_repository.readable(actor).where(Inquiry.id == owner.inquiry_id)
        )
        if inquiry is None:
            raise NotFound("no such inquiry, or it is not one you may see", field="inquiry_id")
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.READ,
            entity_type="inquiry",
            entity_id=inquiry.id,
            client_id=inquiry.client_id,
        )


def _owned(owner: Owner) -> list[object]:
    if owner.client_id is not None:
        return [Coverage.client_id == owner.client_id]
    return [Coverage.inquiry_id == owner.inquiry_id, Coverage.client_id.is_(None)]


def _coverages(session: Session, owner: Owner) -> list[Coverage]:
    return list(
        session.scalars(
            select(Coverage)
            .where(*_owned(owner))  # type: ignore[arg-type]
            .order_by(Coverage.self_pay, Coverage.rank, Coverage.created_at)
        )
    )


def _ranked(coverages: Sequence[Coverage]) -> list[rules.Ranked]:
    return [rules.Ranked(c.id, c.rank, c.self_pay, c.starts_on, c.ends_on) for c in coverages]


def _validated(session: Session, data: CoverageWrite) -> dict[str, object]:
    """The row's values from the form, every rule checked; self-pay keeps no payer."""
    rules.check_dates(data.starts_on, data.ends_on)
    if data.self_pay:
        return {
            "rank": data.rank,
            "self_pay": True,
            "payer_id": None,
            "plan_id": None,
            "member_id": "",
            "group_number": "",
            "relationship": Relationship.SELF,
            "subscriber_first_name": "",
            "subscriber_last_name": "",
            "subscriber_date_of_birth": None,
            "starts_on": data.starts_on,
            "ends_on": data.ends_on,
        }
    if data.payer_id is None:
        raise Invalid("choose the payer (or mark the coverage self-pay)", field="payer_id")
    _payer(session, data.payer_id)
    if data.plan_id is not None:
        plan = session.get(PayerPlan, data.plan_id)
        if plan is None or plan.payer_id != data.payer_id:
            raise Invalid("that plan is not one of this payer's", field="plan_id")
    rules.check_subscriber(
        data.relationship,
        data.subscriber_first_name,
        data.subscriber_last_name,
        data.subscriber_date_of_birth,
    )
    self_ = data.relationship is Relationship.SELF
    return {
        "rank": data.rank,
        "self_pay": False,
        "payer_id": data.payer_id,
        "plan_id": data.plan_id,
        "member_id": rules.check_member_id(data.member_id),
        "group_number": rules.check_group_number(data.group_number),
        "relationship": data.relationship,
        "subscriber_first_name": "" if self_ else data.subscriber_first_name.strip(),
        "subscriber_last_name": "" if self_ else data.subscriber_last_name.strip(),
        "subscriber_date_of_birth": None if self_ else data.subscriber_date_of_birth,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
    }


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    coverage: Coverage,
    detail: dict[str, object] | None = None,
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        entity_type=ENTITY,
        entity_id=coverage.id,
        client_id=coverage.client_id,
        detail={
            **(detail or {}),
            **({"inquiry_id": str(coverage.inquiry_id)} if coverage.inquiry_id else {}),
        },
    )


def add_coverage(session: Session, *, actor: Actor, owner: Owner, data: CoverageWrite) -> Coverage:
    _require(access.WRITE, actor)
    _check_owner(session, actor, owner)
    values = _validated(session, data)
    rules.check_rank(
        data.rank, data.self_pay, _ranked(_coverages(session, owner)), data.starts_on or today()
    )
    coverage = Coverage(
        client_id=owner.client_id,
        inquiry_id=owner.inquiry_id,
        recorded_by=actor.user_id,
        **values,
    )
    session.add(coverage)
    session.flush()
    _audit(session, actor, AuditAction.CREATE, coverage)
    return coverage


def _writable(session: Session, actor: Actor, coverage_id: uuid.UUID) -> Coverage:
    _require(access.WRITE, actor)
    coverage = session.get(Coverage, coverage_id, with_for_update=True)
    if coverage is None:
        raise NotFound("no such coverage", field="coverage_id")
    _check_owner(session, actor, owner_of(coverage))
    return coverage


def owner_of(coverage: Coverage) -> Owner:
    if coverage.client_id is not None:
        return Owner(client_id=coverage.client_id)
    return Owner(inquiry_id=coverage.inquiry_id)


def update_coverage(
    session: Session, *, actor: Actor, coverage_id: uuid.UUID, data: CoverageWrite
) -> Coverage:
    coverage = _writable(session, actor, coverage_id)
    values = _validated(session, data)
    others = [c for c in _coverages(session, owner_of(coverage)) if c.id != coverage.id]
    rules.check_rank(data.rank, data.self_pay, _ranked(others), data.starts_on or today())
    changed = [k for k, v in values.items() if getattr(coverage, k) != v]
    for key, value in values.items():
        setattr(coverage, key, value)
    session.flush()
    _audit(session, actor, AuditAction.UPDATE, coverage, {"fields": changed})
    return coverage


def end_coverage(
    session: Session, *, actor: Actor, coverage_id: uuid.UUID, data: CoverageEnd
) -> Coverage:
    """The coverage ended (a job change, a lapse): kept, with the day and the reason."""
    coverage = _writable(session, actor, coverage_id)
    rules.check_dates(coverage.starts_on, data.ends_on)
    coverage.ends_on = data.ends_on
    coverage.ended_reason = data.reason
    session.flush()
    _audit(session, actor, AuditAction.UPDATE, coverage, {"fields": ["ends_on", "ended_reason"]})
    return coverage


@dataclass(frozen=True)
class CoverageView:
    coverage: Coverage
    payer: Payer | None
    plan: PayerPlan | None
    in_force: bool

    @property
    def label(self) -> str:
        if self.coverage.self_pay:
            return "Self-pay"
        order = {1: "Primary", 2: "Secondary", 3: "Tertiary"}[self.coverage.rank]
        return f"{order}: {self.payer.name if self.payer else 'unknown payer'}"


def coverages(
    session: Session, *, actor: Actor, owner: Owner, on: date | None = None
) -> list[CoverageView]:
    """A person's coverages, those in force first in the order they pay, then the ended
    ones; an audited read of the person (a client reads only their own: the readable
    clients of a client are themselves)."""
    if actor.role is not Role.CLIENT:
        _require(access.READ, actor)
    _check_owner(session, actor, owner)
    day = on or today()
    rows = _coverages(session, owner)
    order = {r.id: n for n, r in enumerate(rules.payment_order(_ranked(rows), day))}
    payers = {
        p.id: p
        for p in session.scalars(
            select(Payer).where(Payer.id.in_({c.payer_id for c in rows if c.payer_id}))
        )
    }
    plans = {
        p.id: p
        for p in session.scalars(
            select(PayerPlan).where(PayerPlan.id.in_({c.plan_id for c in rows if c.plan_id}))
        )
    }
    views = [
        CoverageView(
            c,
            payers.get(c.payer_id) if c.payer_id else None,
            plans.get(c.plan_id) if c.plan_id else None,
            c.id in order,
        )
        for c in rows
    ]
    return sorted(views, key=lambda v: (not v.in_force, order.get(v.coverage.id, 0)))


def carry_over(
    session: Session, *, actor: Actor, inquiry_id: uuid.UUID, client_id: uuid.UUID
) -> int:
    """On admission: the inquiry's coverages become the new client's (their checks too).
    Called by the conversion, which has already checked the actor may convert."""
    moved = list(
        session.scalars(
            select(Coverage).where(Coverage.inquiry_id == inquiry_id, Coverage.client_id.is_(None))
        )
    )
    for coverage in moved:
        coverage.client_id = client_id
        _audit(session, actor, AuditAction.UPDATE, coverage, {"fields": ["client_id"]})
    if moved:
        session.execute(
            update(EligibilityCheck)
            .where(EligibilityCheck.coverage_id.in_([c.id for c in moved]))
            .values(client_id=client_id)
        )
    session.flush()
    return len(moved)


def own_coverages(session: Session, *, actor: Actor) -> list[CoverageView]:
    """The portal's view: the signed-in client's own coverages (404 for anyone else)."""
    _require(access.OWN, actor)
    client = session.scalar(clients_repository.readable(actor))
    if client is None:
        raise NotFound("no client record is linked to this account")
    return coverages(session, actor=actor, owner=Owner(client_id=client.id))


# ---- the coverage panel (chart tab, inquiry page) ------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    view: CoverageView
    latest: EligibilityCheck | None
    levels: list[summary.LevelBenefits]
    messages: tuple[str, ...]


@dataclass(frozen=True)
class Panel:
    """A person's coverages with each one's latest check and benefits by level, and what
    the actor may do: the chart's Coverage tab and the inquiry's coverage page."""

    owner: Owner
    rows: list[CoverageRow]
    payers: list[Payer]
    plans: list[tuple[str, str]]  # (plan id, "Payer: plan") for the form
    can_write: bool
    back: str
    today: date

    @property
    def payer_options(self) -> list[tuple[str, str]]:
        return [("self_pay", "Self-pay (no insurance)")] + [
            (str(p.id), p.name) for p in self.payers
        ]

    @property
    def next_rank(self) -> int:
        taken = {r.view.coverage.rank for r in self.rows if r.view.in_force}
        return next((n for n in range(1, rules.MAX_RANK + 1) if n not in taken), rules.MAX_RANK)


def panel(session: Session, *, actor: Actor, owner: Owner, back: str) -> Panel:
    views = coverages(session, actor=actor, owner=owner)
    latest = eligibility.latest(session, [v.coverage.id for v in views])
    rows = []
    for view in views:
        check = latest.get(view.coverage.id)
        snapshot = BenefitsSnapshot.from_json(check.snapshot) if check and check.snapshot else None
        rows.append(
            CoverageRow(
                view,
                check,
                summary.by_level(snapshot)
                if snapshot and check and check.outcome is CheckOutcome.ACTIVE
                else [],
                tuple(m for s in snapshot.services for m in s.messages) if snapshot else (),
            )
        )
    can_write = actor.role is Role.SYSTEM or access.WRITE.allows(actor.role)
    payers = list_payers(session) if can_write else []
    by_payer = plans_by_payer(session, [p.id for p in payers])
    plans = [
        (str(plan.id), f"{payer.name}: {plan.name}")
        for payer in payers
        for plan in by_payer[payer.id]
        if plan.is_active
    ]
    return Panel(owner, rows, payers, plans, can_write, back, today())


def coverage_of(session: Session, coverage_id: uuid.UUID) -> Coverage:
    """The row, unread: the caller reads (and audits) its owner before showing anything."""
    coverage = session.get(Coverage, coverage_id)
    if coverage is None:
        raise NotFound("no such coverage", field="coverage_id")
    return coverage


def inquiry_of(session: Session, inquiry_id: uuid.UUID) -> Inquiry:
    """The inquiry a coverage page is about, once ``coverages`` has checked and audited it."""
    inquiry = session.get(Inquiry, inquiry_id)
    if inquiry is None:
        raise NotFound("no such inquiry", field="inquiry_id")
    return inquiry
