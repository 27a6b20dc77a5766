"""The demo check-ins: weeks of them, DEMO-0001 not yet today, one open craving alert."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.alerts.models import Alert, AlertKind
from stepdown.checkins.demo import DAYS, seed_demo_checkins
from stepdown.checkins.models import CheckIn
from stepdown.kit.clock import today
from tests.factories import SYSTEM, make_client, make_site, make_user


def test_seed_is_idempotent_and_leaves_a_recent_craving_alert(session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, site=site)
    clients = [make_client(session, site=site, clinician=clinician) for _ in range(3)]
    for client, number in zip(clients, ("DEMO-0001", "DEMO-0003", "DEMO-0099"), strict=True):
        client.record_number = number
    session.flush()
    now = today()
    added = seed_demo_checkins(session, actor=SYSTEM, clients=clients, today=now)
    assert added > DAYS  # two clients, most days each
    assert seed_demo_checkins(session, actor=SYSTEM, clients=clients, today=now) == 0

    def days_of(index: int) -> list[CheckIn]:
        stmt = select(CheckIn).where(CheckIn.client_id == clients[index].id)
        return list(session.scalars(stmt))

    first, spiking, unlisted = days_of(0), days_of(1), days_of(2)
    assert unlisted == []
    assert max(c.day for c in first) < now - timedelta(days=1)  # the portal prompts today
    assert all(c.craving < 8 and not c.used_since_last for c in first)
    yesterday = [c for c in spiking if c.day == now - timedelta(days=1)]
    assert [c.craving for c in yesterday] == [9]
    alerts = list(session.scalars(select(Alert).where(Alert.client_id == clients[1].id)))
    assert [(a.kind, a.is_open) for a in alerts] == [(AlertKind.CHECKIN_CRAVING, True)]
    assert session.scalar(select(func.count()).select_from(Alert)) == 1
