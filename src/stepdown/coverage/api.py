"""JSON routes for the payer directory and a person's coverages. Every route names its
policy; the service checks the person (caseload, site) and audits the read or change."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from stepdown.coverage import access, service
from stepdown.coverage.schemas import (
    CoverageEnd,
    CoverageRead,
    CoverageWrite,
    PayerRead,
    PayerWrite,
    PlanRead,
    PlanWrite,
)
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["coverage"])
Reader = Annotated[Actor, allow(access.READ)]
Writer = Annotated[Actor, allow(access.WRITE)]
PayerKeeper = Annotated[Actor, allow(access.PAYERS)]
Staff = Annotated[Actor, allow(access.DIRECTORY)]
Own = Annotated[Actor, allow(access.OWN)]


def coverage_read(view: service.CoverageView) -> CoverageRead:
    c = view.coverage
    return CoverageRead(
        id=c.id,
        client_id=c.client_id,
        inquiry_id=c.inquiry_id,
        rank=c.rank,
        self_pay=c.self_pay,
        payer_id=c.payer_id,
        payer_name=view.payer.name if view.payer else "",
        plan_id=c.plan_id,
        plan_name=view.plan.name if view.plan else "",
        member_id=c.member_id,
        group_number=c.group_number,
        relationship=c.relationship,
        subscriber_first_name=c.subscriber_first_name,
        subscriber_last_name=c.subscriber_last_name,
        subscriber_date_of_birth=c.subscriber_date_of_birth,
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        ended_reason=c.ended_reason,
    )


@router.get("/payers", response_model=list[PayerRead])
def list_payers(session: DbSession, actor: Staff) -> list[PayerRead]:
    """The payer directory (no PHI), by name."""
    return [PayerRead.model_validate(p) for p in service.list_payers(session)]


@router.post("/payers", response_model=PayerRead, status_code=201)
def create_payer(body: PayerWrite, session: DbSession, actor: PayerKeeper) -> PayerRead:
    return PayerRead.model_validate(service.create_payer(session, actor=actor, data=body))


@router.put("/payers/{payer_id}", response_model=PayerRead)
def update_payer(
    payer_id: uuid.UUID, body: PayerWrite, session: DbSession, actor: PayerKeeper
) -> PayerRead:
    payer = service.update_payer(session, actor=actor, payer_id=payer_id, data=body)
    return PayerRead.model_validate(payer)


@router.get("/payers/{payer_id}/plans", response_model=list[PlanRead])
def list_plans(payer_id: uuid.UUID, session: DbSession, actor: Staff) -> list[PlanRead]:
    return [PlanRead.model_validate(p) for p in service.plans_of(session, payer_id)]


@router.post("/payers/{payer_id}/plans", response_model=PlanRead, status_code=201)
def add_plan(
    payer_id: uuid.UUID, body: PlanWrite, session: DbSession, actor: PayerKeeper
) -> PlanRead:
    plan = service.add_plan(session, actor=actor, payer_id=payer_id, data=body)
    return PlanRead.model_validate(plan)


@router.get("/clients/{client_id}/coverages", response_model=list[CoverageRead])
def client_coverages(client_id: uuid.UUID, session: DbSession, actor: Reader) -> list[CoverageRead]:
    """The client's coverages: those in force in the order they pay, then the ended ones."""
    owner = service.Owner(client_id=client_id)
    return [coverage_read(v) for v in service.coverages(session, actor=actor, owner=owner)]


@router.post("/clients/{client_id}/coverages", response_model=CoverageRead, status_code=201)
def add_client_coverage(
    client_id: uuid.UUID, body: CoverageWrite, session: DbSession, actor: Writer
) -> CoverageRead:
    return _added(session, actor, service.Owner(client_id=client_id), body)


@router.get("/inquiries/{inquiry_id}/coverages", response_model=list[CoverageRead])
def inquiry_coverages(
    inquiry_id: uuid.UUID, session: DbSession, actor: Reader
) -> list[CoverageRead]:
    owner = service.Owner(inquiry_id=inquiry_id)
    return [coverage_read(v) for v in service.coverages(session, actor=actor, owner=owner)]


@router.post("/inquiries/{inquiry_id}/coverages", response_model=CoverageRead, status_code=201)
def add_inquiry_coverage(
    inquiry_id: uuid.UUID, body: CoverageWrite, session: DbSession, actor: Writer
) -> CoverageRead:
    return _added(session, actor, service.Owner(inquiry_id=inquiry_id), body)


def _added(
    session: DbSession, actor: Actor, owner: service.Owner, body: CoverageWrite
) -> CoverageRead:
    coverage = service.add_coverage(session, actor=actor, owner=owner, data=body)
    return _read_one(session, actor, coverage.id, owner)


def _read_one(
    session: DbSession, actor: Actor, coverage_id: uuid.UUID, owner: service.Owner
) -> CoverageRead:
    views = service.coverages(session, actor=actor, owner=owner)
    return coverage_read(next(v for v in views if v.coverage.id == coverage_id))


@router.put("/coverages/{coverage_id}", response_model=CoverageRead)
def update_coverage(
    coverage_id: uuid.UUID, body: CoverageWrite, session: DbSession, actor: Writer
) -> CoverageRead:
    coverage = service.update_coverage(session, actor=actor, coverage_id=coverage_id, data=body)
    return _read_one(session, actor, coverage.id, service.owner_of(coverage))


@router.post("/coverages/{coverage_id}/end", response_model=CoverageRead)
def end_coverage(
    coverage_id: uuid.UUID, body: CoverageEnd, session: DbSession, actor: Writer
) -> CoverageRead:
    coverage = service.end_coverage(session, actor=actor, coverage_id=coverage_id, data=body)
    return _read_one(session, actor, coverage.id, service.owner_of(coverage))


@router.get("/me/coverages", response_model=list[CoverageRead])
def my_coverages(session: DbSession, actor: Own) -> list[CoverageRead]:
    """A client's own coverages, as the portal shows them."""
    return [coverage_read(v) for v in service.own_coverages(session, actor=actor)]
