"""JSON routes for case management: a client's needs and referrals, their changes, the
worklist, and the community resource directory. Every route names its policy; the service
then checks the client (caseload) and audits the read or change."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from stepdown.case_management import access, service
from stepdown.case_management.models import NeedKind
from stepdown.case_management.schemas import (
    NeedInput,
    NeedRead,
    NeedStatusChangeRead,
    NeedStatusInput,
    ReferralChangeInput,
    ReferralEventRead,
    ReferralInput,
    ReferralRead,
    ResourceInput,
    ResourceRead,
    ResourceUpdate,
    WorklistNeedRead,
    WorklistRead,
    WorklistReferralRead,
)
from stepdown.kit.clock import today
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["case management"])
Reader = Annotated[Actor, allow(access.READ)]
Writer = Annotated[Actor, allow(access.WRITE)]
ResourceReader = Annotated[Actor, allow(access.RESOURCES_READ)]
ResourceWriter = Annotated[Actor, allow(access.RESOURCES_WRITE)]


def need_read(view: service.NeedView) -> NeedRead:
    n = view.need
    return NeedRead(
        id=n.id,
        client_id=n.client_id,
        kind=n.kind,
        detail=n.detail,
        status=n.status,
        priority=n.priority,
        identified_on=n.identified_on,
        identified_by=n.identified_by,
        history=[NeedStatusChangeRead.model_validate(c) for c in view.history],
    )


def referral_read(view: service.ReferralView) -> ReferralRead:
    r = view.referral
    return ReferralRead(
        id=r.id,
        client_id=r.client_id,
        need_id=r.need_id,
        kind=r.kind,
        resource_id=r.resource_id,
        organization=r.organization,
        contact=r.contact,
        phone=r.phone,
        address=r.address,
        status=r.status,
        made_on=r.made_on,
        made_by=r.made_by,
        follow_up_on=r.follow_up_on,
        follow_up_state=view.follow_up,
        outcome=r.outcome,
        aftercare_plan_id=r.aftercare_plan_id,
        events=[ReferralEventRead.model_validate(e) for e in view.events],
    )


def _referral(session: Session, actor: Actor, referral_id: uuid.UUID) -> ReferralRead:
    return referral_read(
        service.get_referral(session, actor=actor, referral_id=referral_id, today=today())
    )


# --- needs -----------------------------------------------------------------------------------


@router.get("/clients/{client_id}/needs", response_model=list[NeedRead])
def client_needs(client_id: uuid.UUID, session: DbSession, actor: Reader) -> list[NeedRead]:
    """A client's needs, open and in progress first, each with its status history."""
    return [need_read(v) for v in service.needs_of(session, actor=actor, client_id=client_id)]


@router.post("/clients/{client_id}/needs", response_model=NeedRead, status_code=201)
def add_need(
    client_id: uuid.UUID,
    body: NeedInput,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ADD_NEED)],
) -> NeedRead:
    need = service.add_need(session, actor=actor, client_id=client_id, data=body, today=today())
    return need_read(service.get_need(session, actor=actor, need_id=need.id))


@router.get("/needs/{need_id}", response_model=NeedRead)
def get_need(need_id: uuid.UUID, session: DbSession, actor: Reader) -> NeedRead:
    return need_read(service.get_need(session, actor=actor, need_id=need_id))


@router.post("/needs/{need_id}/status", response_model=NeedRead)
def change_need_status(
    need_id: uuid.UUID, body: NeedStatusInput, session: DbSession, actor: Writer
) -> NeedRead:
    """Move the need; the change is added to its history (409 names the rule when the move
    is not allowed)."""
    service.change_need_status(session, actor=actor, need_id=need_id, data=body, today=today())
    return need_read(service.get_need(session, actor=actor, need_id=need_id))


# --- referrals -------------------------------------------------------------------------------


@router.get("/clients/{client_id}/referrals", response_model=list[ReferralRead])
def client_referrals(client_id: uuid.UUID, session: DbSession, actor: Reader) -> list[ReferralRead]:
    """A client's referrals, open first, each with its status changes and follow-ups."""
    views = service.referrals_of(session, actor=actor, client_id=client_id, today=today())
    return [referral_read(v) for v in views]


@router.post("/clients/{client_id}/referrals", response_model=ReferralRead, status_code=201)
def make_referral(
    client_id: uuid.UUID, body: ReferralInput, session: DbSession, actor: Writer
) -> ReferralRead:
    referral = service.make_referral(
        session, actor=actor, client_id=client_id, data=body, today=today()
    )
    return _referral(session, actor, referral.id)


@router.get("/referrals/{referral_id}", response_model=ReferralRead)
def get_referral(referral_id: uuid.UUID, session: DbSession, actor: Reader) -> ReferralRead:
    return _referral(session, actor, referral_id)


@router.post("/referrals/{referral_id}/status", response_model=ReferralRead)
def change_referral(
    referral_id: uuid.UUID, body: ReferralChangeInput, session: DbSession, actor: Writer
) -> ReferralRead:
    """Move the referral, or log a follow-up (same status, next date). 409 with
    ``rule`` when the move is not allowed; 422 naming the field when the follow-up date or
    the reason is missing."""
    service.change_referral(session, actor=actor, referral_id=referral_id, data=body, today=today())
    return _referral(session, actor, referral_id)


@router.post("/referrals/{referral_id}/aftercare-plan", response_model=ReferralRead)
def record_on_aftercare_plan(
    referral_id: uuid.UUID, session: DbSession, actor: Writer
) -> ReferralRead:
    """Record an accepted or completed sober-living referral on the client's aftercare
    plan, once they have one (409 ``case_management.no_aftercare_plan`` until then)."""
    service.record_on_aftercare_plan(session, actor=actor, referral_id=referral_id)
    return _referral(session, actor, referral_id)


# --- the worklist ----------------------------------------------------------------------------


def _worklist_referral(row: service.ReferralRow) -> WorklistReferralRead:
    r = row.referral
    return WorklistReferralRead(
        referral_id=r.id,
        client_id=r.client_id,
        record_number=row.client.record_number,
        kind=r.kind,
        organization=r.organization,
        status=r.status,
        made_on=r.made_on,
        follow_up_on=r.follow_up_on,
        follow_up_state=row.state,
        days_overdue=row.days_overdue,
    )


@router.get("/case-management/worklist", response_model=WorklistRead)
def worklist(session: DbSession, actor: Annotated[Actor, allow(access.WORKLIST)]) -> WorklistRead:
    """A case manager's caseload (every client for the director): follow-ups due today or
    overdue, referrals awaiting an answer, open needs with no open referral, and
    sober-living outcomes not yet on an aftercare plan."""
    work = service.worklist(session, actor=actor, today=today())
    return WorklistRead(
        today=work.today,
        follow_ups=[_worklist_referral(r) for r in work.follow_ups],
        awaiting_answer=[_worklist_referral(r) for r in work.awaiting],
        needs_without_referral=[
            WorklistNeedRead(
                need_id=row.need.id,
                client_id=row.need.client_id,
                record_number=row.client.record_number,
                kind=row.need.kind,
                status=row.need.status,
                priority=row.need.priority,
                identified_on=row.need.identified_on,
            )
            for row in work.needs
        ],
        sober_living_not_on_plan=[_worklist_referral(r) for r in work.sober_living],
    )


# --- the resource directory ------------------------------------------------------------------


@router.get("/community-resources", response_model=list[ResourceRead])
def list_resources(
    session: DbSession,
    actor: ResourceReader,
    kind: Annotated[NeedKind | None, Query()] = None,
    active_only: bool = False,
) -> list[ResourceRead]:
    found = service.list_resources(session, actor=actor, kind=kind, active_only=active_only)
    return [ResourceRead.model_validate(r) for r in found]


@router.post("/community-resources", response_model=ResourceRead, status_code=201)
def add_resource(body: ResourceInput, session: DbSession, actor: ResourceWriter) -> ResourceRead:
    return ResourceRead.model_validate(service.add_resource(session, actor=actor, data=body))


@router.get("/community-resources/{resource_id}", response_model=ResourceRead)
def get_resource(resource_id: uuid.UUID, session: DbSession, actor: ResourceReader) -> ResourceRead:
    return ResourceRead.model_validate(
        service.get_resource(session, actor=actor, resource_id=resource_id)
    )


@router.patch("/community-resources/{resource_id}", response_model=ResourceRead)
def update_resource(
    resource_id: uuid.UUID, body: ResourceUpdate, session: DbSession, actor: ResourceWriter
) -> ResourceRead:
    return ResourceRead.model_validate(
        service.update_resource(session, actor=actor, resource_id=resource_id, data=body)
    )
