"""The demo's diagnoses: every demo episode has a principal use disorder matching what the
demo knows of the client's substances, some have a secondary, one was resolved into
remission, and seeding again adds nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, Segment
from stepdown.diagnoses import rules, service
from stepdown.diagnoses.demo import seed_demo_diagnoses
from stepdown.diagnoses.models import Diagnosis, DiagnosisStatus, Rank, Remission
from stepdown.kit.clock import today
from tests.factories import SYSTEM

# What an admission reason written by the demo histories names, and the category it codes to.
NAMED = {"Alcohol use disorder": "F10", "Opioid use disorder": "F11", "Stimulant use": "F15"}


def test_demo_diagnoses(demo_session: Session) -> None:
    session = demo_session
    clients = list(
        session.scalars(
            select(Client).where(Client.record_number.like("DEMO-%")).order_by(Client.record_number)
        )
    )
    seed_demo_diagnoses(session, actor=SYSTEM, clients=clients, today=today())
    episodes = list(
        session.scalars(select(Episode).where(Episode.client_id.in_([c.id for c in clients])))
    )
    assert len(episodes) >= 50
    seen_named: set[str] = set()
    for episode in episodes:
        last_day = episode.discharged_on - timedelta(days=1) if episode.discharged_on else today()
        views = service.current_diagnoses(session, actor=SYSTEM, episode_id=episode.id, on=last_day)
        principal = views[0]
        assert principal.rank is Rank.PRINCIPAL
        assert [v.rank for v in views[1:]] == [Rank.SECONDARY] * (len(views) - 1)
        assert principal.code[:3] in rules.CLASSES
        assert principal.severity is not None
        rules.check_specifiers(
            principal.code,
            rules.Specifiers(
                principal.severity,
                principal.remission,
                principal.controlled_environment,
                principal.maintenance_therapy,
            ),
        )
        reason = session.scalar(
            select(Segment.reason)
            .where(Segment.episode_id == episode.id)
            .order_by(Segment.starts_on)
            .limit(1)
        )
        for words, category in NAMED.items():
            if reason and reason.startswith(words):
                assert principal.code.startswith(category), (reason, principal.code)
                seen_named.add(category)
    assert seen_named == set(NAMED.values())
    codes = list(session.scalars(select(Diagnosis.code)))
    assert "F32.1" in codes
    assert "F41.1" in codes
    [resolved] = session.scalars(
        select(Diagnosis).where(Diagnosis.status == DiagnosisStatus.RESOLVED)
    ).all()
    assert resolved.code == "F11.20"
    [remission] = session.scalars(
        select(Diagnosis).where(
            Diagnosis.episode_id == resolved.episode_id, Diagnosis.code == "F11.21"
        )
    ).all()
    assert (remission.remission, remission.maintenance_therapy) == (Remission.EARLY, True)
    assert remission.diagnosed_on == resolved.ended_on

    count = session.scalar(select(func.count()).select_from(Diagnosis))
    assert seed_demo_diagnoses(session, actor=SYSTEM, clients=clients, today=today()) == 0
    assert session.scalar(select(func.count()).select_from(Diagnosis)) == count
