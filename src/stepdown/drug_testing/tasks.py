"""The random drug-test draw, run by the job runner.

Each evening the day's commitments are published for the next program day, and each
program morning the day's draw is run, for every site. The periodic job only fans out one
task per site and day, keyed so it is queued once: a site whose draw fails (no commitment,
a changed secret key) is retried and reported on its own without holding up the others.
"""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta

from sqlalchemy.orm import Session

from stepdown.drug_testing import service
from stepdown.jobs.registry import periodic, task
from stepdown.jobs.service import enqueue
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.settings import Settings

# Monday to Friday: the five program days the default rate is spread over.
PROGRAM_WEEKDAYS = frozenset(range(5))
COMMIT_AT = time(20, 0)
DRAW_AT = time(6, 0)


def next_program_day(day: date) -> date:
    following = day + timedelta(days=1)
    while following.weekday() not in PROGRAM_WEEKDAYS:
        following += timedelta(days=1)
    return following


def _fan_out(session: Session, name: str, day: date) -> None:
    for site in programs_service.list_sites(session):
        enqueue(session, name, key=f"{site.id}:{day}", site_id=str(site.id), day=day.isoformat())


@periodic("testing.commit_draws", at=COMMIT_AT)
def commit_draws(session: Session, *, actor: Actor, settings: Settings, day: date) -> None:
    """Evening: queue the commitment of the next program day's draw for each site."""
    _fan_out(session, "testing.commit_site", next_program_day(day))


@periodic("testing.run_draws", at=DRAW_AT, weekdays=PROGRAM_WEEKDAYS)
def run_draws(session: Session, *, actor: Actor, settings: Settings, day: date) -> None:
    """Program morning: queue the day's draw for each site."""
    _fan_out(session, "testing.draw_site", day)


@task("testing.commit_site")
def commit_site(
    session: Session, *, actor: Actor, settings: Settings, site_id: str, day: str
) -> None:
    service.commit_day(
        session,
        actor=actor,
        site_id=uuid.UUID(site_id),
        day=date.fromisoformat(day),
        sealing_key=settings.effective_secret_key.encode(),
    )


@task("testing.draw_site")
def draw_site(
    session: Session, *, actor: Actor, settings: Settings, site_id: str, day: str
) -> None:
    service.run_draw(
        session,
        actor=actor,
        site_id=uuid.UUID(site_id),
        day=date.fromisoformat(day),
        sealing_key=settings.effective_secret_key.encode(),
    )
