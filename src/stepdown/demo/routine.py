"""Routine measurement for every demo client in in-house care (all synthetic).

A real program measures everyone: a PHQ-9 at intake, check-ins through the week, random
urine screens. Without them the level-of-care review rightly proposes "reassess: not enough
evidence" for everyone, so each demo client in care who has none of one kind gets a calm,
negative example of it: a PHQ-9 on the day of admission (item 9 "not at all"), a check-in
a week for the last three weeks (low craving, no use), and weekly urine screens, the last
two collected and negative (``drug_testing.demo.routine_weekly_screens``). Clients with
their own story (the drug-testing, check-in and safety demos, and the lapse the review demo
adds to DEMO-0007) keep it, and the two most recently admitted clients get no screen, so
the queue also shows what missing evidence looks like.

Idempotent: a kind of record is added only to a client who has none of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from stepdown.assessments import service as assessments_service
from stepdown.checkins import rules as checkins_rules
from stepdown.checkins import service as checkins_service
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.drug_testing import service as drug_testing_service
from stepdown.drug_testing.demo import routine_weekly_screens
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.transitions import demo as transitions_demo

INTAKE_PHQ9 = [1, 1, 1, 1, 0, 1, 0, 0, 0]  # total 5, mild; item 9 "not at all"
CHECKIN_DAYS_AGO = (20, 13, 6)
LEFT_UNSCREENED = 2  # the most recently admitted clients in care keep no screen
# Noon UTC is the same calendar day from UTC-11 to UTC+11, whatever the program's zone.
AT = time(12, 0)


def _in_care(session: Session, actor: Actor, clients: Sequence[Client], day: date) -> list[Client]:
    ids: set[object] = set()
    for site in programs_service.list_sites(session):
        ids.update(continuum_service.active_client_ids(session, site.id, day))
    return [c for c in clients if c.id in ids]


def _admitted_on(session: Session, actor: Actor, client: Client) -> date | None:
    episodes = continuum_service.client_episodes(session, actor=actor, client=client)
    return max((v.episode.admitted_on for v in episodes), default=None)


def seed_demo_routine(
    session: Session, *, actor: Actor, clients: Sequence[Client], today: date
) -> None:
    in_care = _in_care(session, actor, clients, today)
    admitted = {c.id: _admitted_on(session, actor, c) or today for c in in_care}
    newest = sorted(in_care, key=lambda c: (admitted[c.id], c.record_number))[-LEFT_UNSCREENED:]
    for client in in_care:
        if not assessments_service.list_responses(session, actor=actor, client=client):
            assessments_service.record_response(
                session,
                actor=actor,
                client_id=client.id,
                code="phq9",
                answers=list(INTAKE_PHQ9),
                administered_at=datetime.combine(admitted[client.id], AT, tzinfo=UTC),
            )
        story = client.record_number == transitions_demo.STEP_UP_CLIENT
        if not story and not checkins_service.history(
            session, actor=actor, client_id=client.id, limit=1
        ):
            for ago in CHECKIN_DAYS_AGO:
                checkins_service.submit(
                    session,
                    actor=actor,
                    client_id=client.id,
                    draft=checkins_rules.Draft(
                        craving=2, mood=7, used_since_last=False, self_harm_thoughts=False
                    ),
                    zone=ZoneInfo("UTC"),
                    submitted_at=datetime.combine(today - timedelta(days=ago), AT, tzinfo=UTC),
                )
    unscreened = [
        c
        for c in in_care
        if c not in newest
        and not drug_testing_service.client_orders(session, actor=actor, client_id=c.id)
    ]
    routine_weekly_screens(session, actor=actor, clients=unscreened, today=today)
