"""Synthetic check-ins for the demo program: three weeks for a few demo clients.

Every value is made up (a seeded random generator over hand-picked patterns). DEMO-0001,
the demo portal client, is slowly getting better and has not checked in yet today, so the
portal shows the prompt; DEMO-0003 (same primary clinician) had a craving of 9 yesterday,
so an urgent check-in alert is waiting on that clinician's home page. Entered through the
service as the system actor, so the chart says they were imported, and the alert is raised
exactly as a real check-in would raise it.

Idempotent: a client who already has any check-in is left alone.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.checkins import rules, service
from stepdown.checkins.models import CheckIn
from stepdown.clients.models import Client
from stepdown.security.actor import Actor

DAYS = 21
# record number -> (craving then -> now, mood then -> now, days before today it ends)
PATTERNS: dict[str, tuple[tuple[int, int], tuple[int, int], int]] = {
    "DEMO-0001": ((6, 2), (4, 7), 2),
    "DEMO-0002": ((3, 3), (6, 6), 1),
    "DEMO-0003": ((4, 7), (6, 3), 2),  # plus craving 9 yesterday, below
    "DEMO-0004": ((5, 3), (5, 6), 1),
    "DEMO-0006": ((2, 4), (7, 5), 1),
}
SPIKE = "DEMO-0003"
# Noon UTC is the same calendar day from UTC-11 to UTC+11, whatever the program's zone.
AT = time(12, 0)
SLEEP = ("5.5", "6", "6.5", "7", "7.5", "8")
NOTES = ("", "", "", "Went to a meeting.", "Slept badly.", "Good day at work.", "Tired.")


def _has_checkins(session: Session, client: Client) -> bool:
    return (
        session.scalar(select(CheckIn.id).where(CheckIn.client_id == client.id).limit(1))
        is not None
    )


def _toward(start: int, end: int, step: int, steps: int) -> int:
    return round(start + (end - start) * step / max(steps - 1, 1))


def seed_demo_checkins(
    session: Session, *, actor: Actor, clients: Sequence[Client], today: date
) -> int:
    """Add the demo check-ins that are missing; returns how many were added."""
    rng = random.Random(6)  # noqa: S311 - reproducible synthetic data, not security
    by_number = {c.record_number: c for c in clients}
    added = 0
    for number, ((c0, c1), (m0, m1), last) in PATTERNS.items():
        client = by_number.get(number)
        if client is None or _has_checkins(session, client):
            continue
        days = [today - timedelta(days=ago) for ago in range(DAYS + last - 1, last - 1, -1)]
        for step, day in enumerate(days):
            if rng.random() < 0.15:  # a missed day now and then
                continue
            jitter = rng.choice((-1, 0, 0, 1))
            craving = min(7, max(0, _toward(c0, c1, step, len(days)) + jitter))
            mood = min(10, max(0, _toward(m0, m1, step, len(days)) - jitter))
            _submit(session, actor, client, day, craving, mood, rng)
            added += 1
        if number == SPIKE:
            yesterday = today - timedelta(days=1)
            _submit(
                session,
                actor,
                client,
                yesterday,
                9,
                2,
                rng,
                note="Payday and an old friend called.",
            )
            added += 1
    return added


def _submit(
    session: Session,
    actor: Actor,
    client: Client,
    day: date,
    craving: int,
    mood: int,
    rng: random.Random,
    *,
    note: str | None = None,
) -> None:
    situations = [rng.choice(list(rules.RiskySituation))] if craving >= 5 else []
    service.submit(
        session,
        actor=actor,
        client_id=client.id,
        draft=rules.Draft(
            craving=craving,
            mood=mood,
            used_since_last=False,
            sleep_hours=Decimal(rng.choice(SLEEP)),
            sleep_quality=rng.randint(2, 5),
            risky_situations=[s.value for s in situations],
            note=rng.choice(NOTES) if note is None else note,
            # Every demo check-in answers the safety question "no": a "yes" would put a
            # demo client behind the safety gate (no step down, no outpatient placement).
            self_harm_thoughts=False,
        ),
        zone=ZoneInfo("UTC"),
        submitted_at=datetime.combine(day, AT, tzinfo=UTC),
    )
