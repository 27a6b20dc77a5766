"""Set-up use cases, and the live week exported as a scheduling instance."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.demo.seed import seed
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Invalid, NotFound
from stepdown.programs import export, service
from stepdown.programs.models import KeepApartReason
from stepdown.scheduling.exchange import parse_instance
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_site, make_user


def test_client_profile_is_audited_and_scoped_to_the_caseload(session: Session) -> None:
    site = make_site(session)
    mine = make_user(session, role=Role.CLINICIAN, site=site)
    other = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=mine)
    from stepdown.security.service import actor_for

    profile = service.save_client_profile(
        session,
        actor=actor_for(mine),
        client=person,
        availability=[{"day": "tue", "start": "18:00", "end": "21:00"}],
        therapist_id=None,
        individual_sessions=1,
        family_sessions=0,
    )
    assert profile.primary_therapist_id == mine.id
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.entity_type == "client_schedule_profile",
            AuditEntry.action == AuditAction.CREATE,
        )
    )
    assert entry is not None
    assert entry.client_id == person.id
    with pytest.raises(NotFound):
        service.client_profile(session, actor=actor_for(other), client_id=person.id)


def test_keep_apart_pairs_are_unordered_and_unique(session: Session) -> None:
    site = make_site(session)
    a, b = make_client(session, site=site), make_client(session, site=site)
    service.add_keep_apart(
        session, actor=SYSTEM, client_a=a, client_b=b, reason=KeepApartReason.RELATIVE
    )
    with pytest.raises(Conflict):
        service.add_keep_apart(
            session, actor=SYSTEM, client_a=b, client_b=a, reason=KeepApartReason.OTHER
        )
    views = service.keep_apart_pairs(session, actor=SYSTEM)
    assert len(views) == 1


def test_a_session_with_sizes_out_of_order_is_refused(session: Session) -> None:
    site = make_site(session)
    spec = service.SessionSpec(
        day="mon", start="18:00", end="19:30", topic="RP", levels=["IOP"], min_size=8, max_size=4
    )
    with pytest.raises(Invalid) as caught:
        service.save_group_session(session, actor=SYSTEM, site=site, spec=spec)
    assert caught.value.field == "max_size"


def _monday() -> object:
    now = today()
    return now.fromordinal(now.toordinal() - now.weekday())


def test_the_demo_week_exports_as_a_valid_instance(session: Session) -> None:
    seed(session, actor=SYSTEM, secret_key="demo-test-key")
    result = export.export_week(session, actor=SYSTEM, week_of=_monday())  # type: ignore[arg-type]
    instance = parse_instance(result.instance.model_dump(mode="json"))
    assert len(instance.clients) >= 30
    assert {c.level for c in instance.clients} == {"PHP", "IOP", "OP"}
    assert any(c.age_group == "adolescent" for c in instance.clients)
    assert sum(len(c.keep_apart) for c in instance.clients) == 4
    assert all(c.previous_sessions == [] for c in instance.clients)
    assert result.skipped == []


def test_a_client_without_a_profile_is_reported_not_dropped(session: Session) -> None:
    seed(session, actor=SYSTEM, secret_key="demo-test-key")
    week = export.export_week(session, actor=SYSTEM, week_of=_monday())  # type: ignore[arg-type]
    from stepdown.programs.models import ClientScheduleProfile

    gone = session.scalar(select(ClientScheduleProfile).limit(1))
    assert gone is not None
    session.delete(gone)
    session.flush()
    again = export.export_week(session, actor=SYSTEM, week_of=_monday())  # type: ignore[arg-type]
    assert len(again.instance.clients) == len(week.instance.clients) - 1
    assert len(again.skipped) == 1
    assert "no schedule profile" in again.skipped[0]
