"""The nightly level-of-care review, run by the job runner.

The periodic job only fans out one ``reviews.run_site`` task per site and day, keyed so it
is queued once; each site's run is idempotent (``service.run_for_site``), so a retried or
repeated task records nothing twice, and a site that fails is retried on its own.
"""

from __future__ import annotations

import uuid
from datetime import date, time

from sqlalchemy.orm import Session

from stepdown.jobs.registry import periodic, task
from stepdown.jobs.service import enqueue
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.settings import Settings
from stepdown.transitions import service

# After midnight, once the day's attendance, results and check-ins are in, and before the
# morning's random drug-test draw (06:00), so clinicians find the proposals at the start of
# the day.
RUN_AT = time(1, 30)


@periodic("reviews.run_nightly", at=RUN_AT)
def run_nightly(session: Session, *, actor: Actor, settings: Settings, day: date) -> None:
    for site in programs_service.list_sites(session):
        enqueue(
            session,
            "reviews.run_site",
            key=f"{site.id}:{day}",
            site_id=str(site.id),
            day=day.isoformat(),
        )


@task("reviews.run_site")
def run_site(session: Session, *, actor: Actor, settings: Settings, site_id: str, day: str) -> None:
    service.run_for_site(
        session, actor=actor, site_id=uuid.UUID(site_id), day=date.fromisoformat(day)
    )
