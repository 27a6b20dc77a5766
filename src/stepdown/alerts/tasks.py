"""The notification jobs of urgent alerts.

``alerts.notify`` is queued by ``service.raise_alert`` in the raising transaction: it tells
the responsible clinician (or the directors) and queues ``alerts.escalate`` for when the
alert falls due (``alert_escalate_minutes`` after it was raised). That run escalates every
urgent alert then due and unacknowledged, not only its own, and queues itself again if the
setting was lengthened meanwhile. A run per due alert rather than a job polling every few
minutes: the escalation goes out on time, and the job table holds one row per alert rather
than one per poll. Both jobs are idempotent (``notify``'s claimed rows), so a retried run
sends nothing twice.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from stepdown.alerts import notify, rules, sms
from stepdown.jobs.registry import task
from stepdown.kit.clock import utc_now
from stepdown.security.actor import Actor
from stepdown.settings import Settings


@task(rules.NOTIFY_JOB)
def notify_first(session: Session, *, actor: Actor, settings: Settings, alert_id: str) -> None:
    alert = uuid.UUID(alert_id)
    notify.schedule_escalation(session, settings=settings, alert_id=alert)
    notify.notify(
        session,
        actor=actor,
        settings=settings,
        sms_sender=sms.sender_for(settings),
        alert_id=alert,
        level=rules.FIRST,
        now=utc_now(),
    )


@task(rules.ESCALATE_JOB)
def escalate(session: Session, *, actor: Actor, settings: Settings, alert_id: str) -> None:
    notify.escalate_due(
        session, actor=actor, settings=settings, sms_sender=sms.sender_for(settings), now=utc_now()
    )
    notify.schedule_escalation(session, settings=settings, alert_id=uuid.UUID(alert_id))
