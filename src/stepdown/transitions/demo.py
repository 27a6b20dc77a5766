"""Level-of-care reviews for the demo program, run once the other demo data is in place.

The seeded histories already give the engine its step-downs: IOP clients at the second site
are past IOP's typical twelve weeks with steady attendance and clean tests. To show a
step-up, DEMO-0007 (IOP, the demo clinician's client) reports drinking on two of the last
eight days with cravings climbing from 6 to 9, entered through the check-in service like a phone
check-in. Then the review runs for every site as of today, so the queue is full when the
demo opens and the nightly job finds the day's run done.

Idempotent: the check-ins are added only to a client without any, and a site run keeps
the day's reviews.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from stepdown.checkins import rules as checkins_rules
from stepdown.checkins import service as checkins_service
from stepdown.clients.models import Client
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.transitions import service

STEP_UP_CLIENT = "DEMO-0007"
# Days before today -> (craving, used since the last check-in): a lapse that is getting worse.
# All inside the last eight days, so the later half of any review window averages 7 or more;
# only the two days of use (and the craving of 9) raise check-in alerts.
LAPSE = {8: (6, False), 6: (7, True), 4: (7, False), 2: (9, True), 1: (7, False)}
# Noon UTC is the same calendar day from UTC-11 to UTC+11, whatever the program's zone.
AT = time(12, 0)


def _lapse(session: Session, actor: Actor, client: Client, today: date) -> None:
    if checkins_service.history(session, actor=actor, client_id=client.id, limit=1):
        return
    for ago, (craving, used) in sorted(LAPSE.items(), reverse=True):
        checkins_service.submit(
            session,
            actor=actor,
            client_id=client.id,
            draft=checkins_rules.Draft(
                craving=craving,
                mood=max(2, 8 - craving),
                used_since_last=used,
                self_harm_thoughts=False,
                substance="alcohol" if used else "",
                note="Drank after work." if used else "",
            ),
            zone=ZoneInfo("UTC"),
            submitted_at=datetime.combine(today - timedelta(days=ago), AT, tzinfo=UTC),
        )


def seed_demo_reviews(
    session: Session, *, actor: Actor, clients: Sequence[Client], today: date
) -> int:
    """Add the lapse, run the review for every site; returns how many reviews were recorded."""
    by_number = {c.record_number: c for c in clients}
    client = by_number.get(STEP_UP_CLIENT)
    if client is not None:
        _lapse(session, actor, client, today)
    recorded = 0
    for site in programs_service.list_sites(session):
        lines = service.run_for_site(session, actor=actor, site_id=site.id, day=today)
        recorded += sum(line.recorded for line in lines)
    return recorded
