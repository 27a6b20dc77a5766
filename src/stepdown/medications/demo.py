"""Synthetic prescriptions for the demo program (names and prescribers are made up).

Idempotent: a client who has any medication recorded is left as they are.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.kit.clock import today
from stepdown.medications import service
from stepdown.medications.models import Medication
from stepdown.medications.schemas import MedicationCreate
from stepdown.security.actor import Actor

PRESCRIBER = "Dr. Demo Prescriber (synthetic)"
# (medication as written, days since it started), per demo client in the order given.
PLANS: tuple[tuple[tuple[str, int], ...], ...] = (
    (("Suboxone 8 mg/2 mg", 60),),
    (("Buprenorphine/naloxone 12 mg/3 mg", 40), ("Sertraline 50 mg", 200)),
    (),
    (("Lisdexamfetamine 30 mg", 400),),
)


def seed_demo_medications(session: Session, *, actor: Actor, clients: list[Client]) -> None:
    """Two clients on buprenorphine MAT, one on a stimulant for ADHD, one on nothing."""
    recorded = set(session.scalars(select(Medication.client_id)))
    for client, plan in zip(clients, PLANS, strict=False):
        if client.id in recorded:
            continue
        for name, days in plan:
            service.add_medication(
                session,
                actor=actor,
                client_id=client.id,
                data=MedicationCreate(
                    name=name, prescriber=PRESCRIBER, starts_on=today() - timedelta(days=days)
                ),
            )
