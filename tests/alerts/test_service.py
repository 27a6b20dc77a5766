"""Alerts: who sees them, the order they come in, and the rules for acknowledging one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alerts import service
from stepdown.alerts.models import AlertKind, Severity
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import make_alert, make_client, make_site, make_user


def _actor(user: User) -> Actor:
    return security_service.actor_for(user)


def test_raising_is_audited(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    alert = make_alert(session, client=person)
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_type == "alert", AuditEntry.entity_id == str(alert.id)
        )
    ).one()
    assert entry.action is AuditAction.CREATE
    assert entry.client_id == person.id
    assert entry.detail["kind"] == "phq9_item9"
    assert alert.is_open


def test_primary_clinician_and_directors_see_it_another_clinician_does_not(
    session: Session,
) -> None:
    site = make_site(session)
    mine = make_user(session, role=Role.CLINICIAN, site=site)
    other = make_user(session, role=Role.CLINICIAN, site=site)
    director = make_user(session, role=Role.DIRECTOR)
    person = make_client(session, site=site, clinician=mine)
    alert = make_alert(session, client=person)

    assert [r.alert.id for r in service.open_alerts_for_home(session, actor=_actor(mine))] == [
        alert.id
    ]
    assert [r.alert.id for r in service.open_alerts_for_home(session, actor=_actor(director))] == [
        alert.id
    ]
    assert service.open_alerts_for_home(session, actor=_actor(other)) == []
    with pytest.raises(NotFound):
        service.open_alerts_for_client(session, actor=_actor(other), client_id=person.id)


def test_lists_put_urgent_first_then_newest(session: Session) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR)
    person = make_client(session, site=site)
    older_urgent = make_alert(session, client=person)
    high = make_alert(session, client=person, kind=AlertKind.CSSRS_MODERATE, severity=Severity.HIGH)
    newer_urgent = make_alert(session, client=person, kind=AlertKind.CSSRS_HIGH)
    older_urgent.created_at -= timedelta(hours=2)
    high.created_at -= timedelta(hours=1)
    session.flush()
    order = [
        a.id
        for a in service.open_alerts_for_client(
            session, actor=_actor(director), client_id=person.id
        )
    ]
    assert order == [newer_urgent.id, older_urgent.id, high.id]


def test_administrators_do_not_see_alerts(session: Session) -> None:
    admin = make_user(session, role=Role.ADMIN)
    person = make_client(session, site=make_site(session))
    make_alert(session, client=person)
    with pytest.raises(Forbidden):
        service.open_alerts_for_home(session, actor=_actor(admin))
    assert service.chart_banner(session, actor=_actor(admin), client=person) is None


def test_case_managers_see_the_banner_but_cannot_acknowledge(session: Session) -> None:
    site = make_site(session)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site)
    alert = make_alert(session, client=person)
    banner = service.chart_banner(session, actor=_actor(manager), client=person)
    assert banner is not None
    assert [a.id for a in banner.alerts] == [alert.id]
    assert not banner.can_acknowledge
    with pytest.raises(Forbidden):
        service.acknowledge(session, actor=_actor(manager), alert_id=alert.id, note="called")


def test_acknowledge_needs_a_note_closes_once_and_is_audited(session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    other = make_user(session, role=Role.CLINICIAN, site=site)
    director = make_user(session, role=Role.DIRECTOR)
    person = make_client(session, site=site, clinician=clinician)
    alert = make_alert(session, client=person)

    with pytest.raises(Invalid) as missing:
        service.acknowledge(session, actor=_actor(clinician), alert_id=alert.id, note="  ")
    assert missing.value.field == "note"
    with pytest.raises(NotFound):
        service.acknowledge(session, actor=_actor(other), alert_id=alert.id, note="seen")

    done = service.acknowledge(
        session, actor=_actor(clinician), alert_id=alert.id, note="Safety plan made today"
    )
    assert done.acknowledged_by == clinician.id
    assert done.acknowledgement_note == "Safety plan made today"
    assert not done.is_open
    with pytest.raises(Conflict) as twice:
        service.acknowledge(session, actor=_actor(director), alert_id=alert.id, note="again")
    assert twice.value.rule == service.ALREADY_ACKNOWLEDGED
    assert service.open_alerts_for_home(session, actor=_actor(director)) == []
    update = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_id == str(alert.id), AuditEntry.action == AuditAction.UPDATE
        )
    ).one()
    assert update.detail == {"acknowledged": True, "kind": "phq9_item9"}
    assert "Safety plan" not in str(update.detail)  # the note is free text: not in the trail


def test_a_summary_is_required(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    with pytest.raises(Invalid):
        make_alert(session, client=person, summary=" ")
