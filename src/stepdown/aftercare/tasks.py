"""The nightly aftercare job: drafts, follow-up rows, reminders and missed-check-in alerts.

One run per program day at 07:00, so reminders arrive in the morning of the day a
check-in is due. Every step is idempotent (a plan per episode, follow-up rows per episode,
``reminder_sent_at``, ``missed_alerted_at``), so a retried or repeated run changes nothing
that the first run did.
"""

from __future__ import annotations

from datetime import date, time

from sqlalchemy.orm import Session

from stepdown.aftercare import service
from stepdown.jobs.registry import periodic
from stepdown.security.actor import Actor
from stepdown.settings import Settings

RUN_AT = time(7, 0)


@periodic("aftercare.daily", at=RUN_AT)
def daily(session: Session, *, actor: Actor, settings: Settings, day: date) -> None:
    service.draft_missing_plans(session, actor=actor, settings=settings, today=day)
    service.schedule_follow_ups(session, actor=actor, today=day)
    service.alert_missed(session, actor=actor, today=day)
    service.send_reminders(session, actor=actor, settings=settings, today=day)
