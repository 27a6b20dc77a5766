"""The demo program's calendar: two past weeks, this week and next, published the real way.

Each week is exported from the demo set-up, scheduled with the first-fit baseline (instant and
deterministic, so the seed stays fast and the same on every machine; the director's page runs
the optimizer), stored as a build and published through ``calendar.publish``, exactly as a
director's publish would be. A week that already has a published build is left alone, so
seeding again changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from stepdown.calendar import publish
from stepdown.programs import export as programs_export
from stepdown.scheduling import service as scheduling_service
from stepdown.scheduling.first_fit import first_fit
from stepdown.security.actor import Actor

# Weeks relative to the current one: enough past for attendance and continuity, and next week.
DEMO_WEEKS = (-2, -1, 0, 1)


def seed_demo_calendar(session: Session, *, actor: Actor, today: date) -> list[date]:
    """Publish each demo week that has no published build yet; return the weeks published."""
    monday = today - timedelta(days=today.weekday())
    done = []
    for offset in DEMO_WEEKS:
        week_of = monday + timedelta(weeks=offset)
        if scheduling_service.published_build(session, week_of) is not None:
            continue
        export = programs_export.export_week(session, actor=actor, week_of=week_of)
        if not export.instance.clients:
            continue
        build = scheduling_service.save_build(
            session,
            actor=actor,
            instance=export.instance,
            solution=first_fit(export.instance),
            skipped=export.skipped,
            method="first-fit",
        )
        # The demo's starting weeks are not a change to tell anyone about.
        publish.publish(session, actor=actor, build_id=build.id, notify=False)
        done.append(week_of)
    return done
