"""Authorizations on SQLite and PostgreSQL: requested for an episode, approved, used by
attendance (an IOP authorization of 10 days with 3 attended leaves 7), denied and appealed,
read by role, every change audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.attendance import service as attendance_service
from stepdown.attendance.models import AttendanceStatus
from stepdown.audit.models import AuditEntry
from stepdown.authorizations import service
from stepdown.authorizations.rules import AuthStatus, UnitType
from stepdown.authorizations.schemas import AuthorizationRequest, Decision
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode
from stepdown.coverage import service as coverage_service
from stepdown.coverage.models import Coverage
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.coverage.factories import make_coverage, make_payer
from tests.factories import SYSTEM, make_client, make_episode, make_occurrence, make_site, make_user


@dataclass
class Case:
    client: Client
    episode: Episode
    coverage: Coverage
    review: User
    clinician: User
    site: object


@pytest.fixture
def case(session: Session) -> Case:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    client = make_client(session, site=site, clinician=clinician)
    episode = make_episode(session, client=client, on=today() - timedelta(days=20))
    coverage = make_coverage(
        session, coverage_service.Owner(client_id=client.id), make_payer(session), member_id="W1"
    )
    review = make_user(session, role=Role.UTILIZATION_REVIEW, site=site)
    return Case(client, episode, coverage, review, clinician, site)


def _request(case: Case, starts: date, **overrides: object) -> AuthorizationRequest:
    fields: dict[str, object] = {
        "coverage_id": case.coverage.id,
        "level_code": "iop",
        "unit_type": UnitType.DAY,
        "codes": ["S9480", "0905"],
        "requested_units": 12,
        "starts_on": starts,
        "ends_on": starts + timedelta(days=27),
    }
    fields.update(overrides)
    return AuthorizationRequest.model_validate(fields)


def _attend(session: Session, case: Case, day: date, status: AttendanceStatus) -> None:
    occurrence = make_occurrence(
        session,
        site=case.site,
        leader=case.clinician,
        day=day,
        clients=[case.client],  # type: ignore[arg-type]
    )
    attendance_service.record_attendance(
        session,
        actor=security_service.actor_for(case.clinician),
        occurrence_id=occurrence.id,
        entries=[
            attendance_service.Entry(
                case.client.id, status, late_minutes=10 if status is AttendanceStatus.LATE else 0
            )
        ],
    )


def test_ten_approved_iop_days_less_three_attended_leave_seven(
    session: Session, case: Case
) -> None:
    ur = security_service.actor_for(case.review)
    starts = today() - timedelta(days=10)
    found = service.request_authorization(
        session, actor=ur, episode_id=case.episode.id, data=_request(case, starts)
    )
    assert (found.status, found.level_code, found.codes) == (
        AuthStatus.PENDING,
        "IOP",
        ["S9480", "0905"],
    )
    with pytest.raises(Invalid) as refused:
        service.record_decision(
            session,
            actor=ur,
            authorization_id=found.id,
            data=Decision(status=AuthStatus.APPROVED, approved_units=10, auth_number="A-1"),
        )
    assert refused.value.field == "approved_units"  # 10 of 12 is a partial approval
    service.record_decision(
        session,
        actor=ur,
        authorization_id=found.id,
        data=Decision(status=AuthStatus.PARTIAL, approved_units=10, auth_number="AUTH-778"),
    )
    attendance = (
        (9, AttendanceStatus.PRESENT),
        (8, AttendanceStatus.LATE),
        (7, AttendanceStatus.ABSENT_UNEXCUSED),  # an absence uses no day
        (6, AttendanceStatus.TELEHEALTH),
    )
    for back, status in attendance:
        _attend(session, case, today() - timedelta(days=back), status)
    view = service.for_episode(session, actor=ur, episode_id=case.episode.id)[0]
    assert (view.balance.approved, view.balance.used, view.balance.remaining) == (10, 3, 7)
    events = service.history(session, found.id)
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, AuthStatus.PENDING),
        (AuthStatus.PENDING, AuthStatus.PARTIAL),
    ]
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "authorization").order_by(AuditEntry.seq)
    ).all()
    assert [a.action.value for a in audit][:2] == ["create", "update"]


def test_a_denial_needs_its_appeal_deadline_and_can_be_appealed(
    session: Session, case: Case
) -> None:
    found = service.request_authorization(
        session, actor=SYSTEM, episode_id=case.episode.id, data=_request(case, today())
    )
    with pytest.raises(Invalid) as refused:
        service.record_decision(
            session,
            actor=SYSTEM,
            authorization_id=found.id,
            data=Decision(status=AuthStatus.DENIED),
        )
    assert refused.value.field == "appeal_deadline"
    deadline = today() + timedelta(days=60)
    service.record_decision(
        session,
        actor=SYSTEM,
        authorization_id=found.id,
        data=Decision(status=AuthStatus.DENIED, appeal_deadline=deadline),
    )
    service.record_decision(
        session, actor=SYSTEM, authorization_id=found.id, data=Decision(status=AuthStatus.IN_APPEAL)
    )
    assert found.appeal_deadline == deadline
    with pytest.raises(Conflict):
        service.record_decision(
            session,
            actor=SYSTEM,
            authorization_id=found.id,
            data=Decision(status=AuthStatus.PENDING),
        )


def test_booked_sessions_are_planned_not_used(session: Session, case: Case) -> None:
    found = service.request_authorization(
        session, actor=SYSTEM, episode_id=case.episode.id, data=_request(case, today())
    )
    service.record_decision(
        session,
        actor=SYSTEM,
        authorization_id=found.id,
        data=Decision(status=AuthStatus.APPROVED, approved_units=12, auth_number="A-2"),
    )
    for ahead in (1, 2):
        make_occurrence(
            session,
            site=case.site,
            leader=case.clinician,
            day=today() + timedelta(days=ahead),
            clients=[case.client],  # type: ignore[arg-type]
        )
    view = service.view_of(session, found)
    assert (view.balance.used, view.balance.planned, view.balance.remaining) == (0, 2, 12)


def test_who_may_see_and_change(session: Session, case: Case) -> None:
    clinician = security_service.actor_for(case.clinician)
    with pytest.raises(Forbidden):
        service.request_authorization(
            session, actor=clinician, episode_id=case.episode.id, data=_request(case, today())
        )
    service.request_authorization(
        session, actor=SYSTEM, episode_id=case.episode.id, data=_request(case, today())
    )
    assert len(service.for_episode(session, actor=clinician, episode_id=case.episode.id)) == 1
    admin = security_service.actor_for(make_user(session, role=Role.ADMIN))
    with pytest.raises(Forbidden):
        service.for_episode(session, actor=admin, episode_id=case.episode.id)
    other = make_client(session, site=make_site(session))
    with pytest.raises(Invalid) as refused:
        service.request_authorization(
            session,
            actor=SYSTEM,
            episode_id=case.episode.id,
            data=_request(
                case,
                today(),
                coverage_id=make_coverage(
                    session,
                    coverage_service.Owner(client_id=other.id),
                    make_payer(session),
                    member_id="X9",
                ).id,
            ),
        )
    assert refused.value.field == "coverage_id"
