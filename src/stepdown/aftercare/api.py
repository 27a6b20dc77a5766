"""JSON routes for aftercare: the plan and its parts, finalizing, check-ins, follow-ups and
the staff worklist. The dates are the program's calendar days."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request

from stepdown.aftercare import access, rules, service
from stepdown.aftercare.models import FollowUp, RelapsePreventionCheckIn
from stepdown.aftercare.schemas import (
    CheckInRead,
    ContactInput,
    ContactRead,
    FollowUpInput,
    FollowUpRead,
    MeetingInput,
    MeetingRead,
    PlanDetail,
    PlanRead,
    PlanUpdate,
    WorklistRead,
)
from stepdown.kit import clock
from stepdown.kit.errors import NotFound
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["aftercare"])
Staff = Annotated[Actor, allow(access.STAFF)]


def _today(request: Request) -> date:
    return clock.today()


def _detail(view: service.PlanView) -> PlanDetail:
    return PlanDetail.model_validate(
        {
            **PlanRead.model_validate(view.plan).model_dump(),
            "meetings": [MeetingRead.model_validate(m) for m in view.meetings],
            "crisis_contacts": [ContactRead.model_validate(c) for c in view.contacts],
        }
    )


def _checkin(checkin: RelapsePreventionCheckIn, grace_days: int, today: date) -> CheckInRead:
    state = rules.checkin_state(
        due_on=checkin.due_on,
        completed=checkin.completed_at is not None,
        today=today,
        grace_days=grace_days,
    )
    return CheckInRead(
        id=checkin.id,
        plan_id=checkin.plan_id,
        sequence=checkin.sequence,
        due_on=checkin.due_on,
        state=state.value,
        completed_at=checkin.completed_at,
        reminder_sent_at=checkin.reminder_sent_at,
        missed_alerted_at=checkin.missed_alerted_at,
    )


def _follow_up(follow_up: FollowUp) -> FollowUpRead:
    return FollowUpRead.model_validate(follow_up)


@router.get("/clients/{client_id}/aftercare-plan", response_model=PlanDetail)
def latest(client_id: uuid.UUID, session: DbSession, actor: Staff) -> PlanDetail:
    """The client's aftercare plan (their newest); 404 when there is none."""
    view = service.latest_plan(session, actor=actor, client_id=client_id)
    if view is None:
        raise NotFound("this client has no aftercare plan, or is not one you may see")
    return _detail(view)


@router.post("/clients/{client_id}/aftercare-plans", response_model=PlanDetail, status_code=201)
def create(client_id: uuid.UUID, request: Request, session: DbSession, actor: Staff) -> PlanDetail:
    settings = request.app.state.settings
    plan = service.create_plan(
        session,
        actor=actor,
        client_id=client_id,
        weekly_checkins=settings.aftercare_weekly_checkins,
        checkin_months=settings.aftercare_checkin_months,
        grace_days=settings.aftercare_grace_days,
    )
    return _detail(service.get_plan(session, actor=actor, plan_id=plan.id))


@router.patch("/aftercare/plans/{plan_id}", response_model=PlanDetail)
def update(plan_id: uuid.UUID, data: PlanUpdate, session: DbSession, actor: Staff) -> PlanDetail:
    service.update_plan(session, actor=actor, plan_id=plan_id, data=data)
    return _detail(service.get_plan(session, actor=actor, plan_id=plan_id))


@router.post("/aftercare/plans/{plan_id}/meetings", response_model=MeetingRead, status_code=201)
def add_meeting(
    plan_id: uuid.UUID, data: MeetingInput, session: DbSession, actor: Staff
) -> MeetingRead:
    meeting = service.add_meeting(session, actor=actor, plan_id=plan_id, data=data)
    return MeetingRead.model_validate(meeting)


@router.post("/aftercare/plans/{plan_id}/contacts", response_model=ContactRead, status_code=201)
def add_contact(
    plan_id: uuid.UUID, data: ContactInput, session: DbSession, actor: Staff
) -> ContactRead:
    contact = service.add_contact(session, actor=actor, plan_id=plan_id, data=data)
    return ContactRead.model_validate(contact)


@router.post("/aftercare/plans/{plan_id}/finalize", response_model=PlanDetail)
def finalize(plan_id: uuid.UUID, request: Request, session: DbSession, actor: Staff) -> PlanDetail:
    service.finalize(session, actor=actor, plan_id=plan_id, on=_today(request))
    return _detail(service.get_plan(session, actor=actor, plan_id=plan_id))


@router.get("/aftercare/plans/{plan_id}/check-ins", response_model=list[CheckInRead])
def checkins(
    plan_id: uuid.UUID, request: Request, session: DbSession, actor: Staff
) -> list[CheckInRead]:
    view = service.get_plan(session, actor=actor, plan_id=plan_id)
    today = _today(request)
    return [_checkin(c, view.plan.grace_days, today) for c in view.checkins]


@router.post("/aftercare/check-ins/{checkin_id}/complete", response_model=CheckInRead)
def complete_checkin(
    checkin_id: uuid.UUID, request: Request, session: DbSession, actor: Staff
) -> CheckInRead:
    today = _today(request)
    checkin = service.complete_checkin(session, actor=actor, checkin_id=checkin_id, today=today)
    return _checkin(checkin, 0, today)  # done: the grace days no longer matter


@router.post("/aftercare/follow-ups/{follow_up_id}", response_model=FollowUpRead)
def record_follow_up(
    follow_up_id: uuid.UUID,
    data: FollowUpInput,
    request: Request,
    session: DbSession,
    actor: Staff,
) -> FollowUpRead:
    follow_up = service.record_follow_up(
        session, actor=actor, follow_up_id=follow_up_id, data=data, today=_today(request)
    )
    return _follow_up(follow_up)


@router.get("/aftercare/worklist", response_model=WorklistRead)
def worklist(request: Request, session: DbSession, actor: Staff) -> WorklistRead:
    """Check-ins due or missed and follow-ups open, for the clients the caller follows."""
    today = _today(request)
    work = service.worklist(session, actor=actor, today=today)
    return WorklistRead(
        follow_ups=[_follow_up(row.follow_up) for row in work.follow_ups],
        checkins=[
            CheckInRead(
                id=row.checkin.id,
                plan_id=row.checkin.plan_id,
                sequence=row.checkin.sequence,
                due_on=row.checkin.due_on,
                state=row.state.value,
                completed_at=None,
                reminder_sent_at=row.checkin.reminder_sent_at,
                missed_alerted_at=row.checkin.missed_alerted_at,
            )
            for row in work.checkins
        ],
    )
