"""An urgent alert nobody acknowledges in time reaches the clinician's supervisor, or the
directors, once however often the escalation runs; one acknowledged in time reaches no one
else. Time comes from explicit ``now`` values relative to when the alert was raised."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alerts import notify, rules
from stepdown.alerts.models import Alert, Channel, DeliveryStatus, Notification
from stepdown.alerts.sms import MemorySender
from stepdown.jobs.models import JobRun
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from stepdown.settings import Settings
from tests.alerts.test_notify import (
    Team,
    assert_says_nothing_clinical,
    mail_settings,
    outbox_messages,
    send_first,
    team,
)
from tests.factories import make_alert, make_user

JOB = Actor.system("job:alerts.escalate")


def escalate(
    session: Session, settings: Settings, sms: MemorySender, now: datetime
) -> list[Notification]:
    return notify.escalate_due(session, actor=JOB, settings=settings, sms_sender=sms, now=now)


def raised(session: Session, t: Team, settings: Settings, sms: MemorySender) -> Alert:
    alert = make_alert(session, client=t.client)
    send_first(session, settings, alert, sms, alert.created_at)
    return alert


def test_past_the_threshold_the_supervisor_hears_once(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    t = team(session)
    config = mail_settings(settings, tmp_path, alert_escalate_minutes=60)
    sms = MemorySender()
    alert = raised(session, t, config, sms)

    assert escalate(session, config, sms, alert.created_at + timedelta(minutes=59)) == []
    later = alert.created_at + timedelta(minutes=60)
    made = escalate(session, config, sms, later)

    assert {(n.recipient_id, n.channel, n.level, n.status) for n in made} == {
        (t.supervisor.id, Channel.APP, 1, DeliveryStatus.SENT),
        (t.supervisor.id, Channel.EMAIL, 1, DeliveryStatus.SENT),
        (t.supervisor.id, Channel.SMS, 1, DeliveryStatus.SENT),
    }
    assert [m.to for m in sms.sent] == ["+15555550101", "+15555550102"]
    escalated = sms.sent[1].text
    assert "not been acknowledged" in escalated
    assert_says_nothing_clinical(escalated, t.client)
    to = [m["To"] for m in outbox_messages(tmp_path / "outbox")]
    assert sorted(to) == ["clinician@harbor.example", "supervisor@harbor.example"]

    assert escalate(session, config, sms, later + timedelta(minutes=5)) == []
    assert escalate(session, config, sms, later + timedelta(hours=3)) == []
    assert len(sms.sent) == 2
    assert len(outbox_messages(tmp_path / "outbox")) == 2
    level_one = session.scalars(
        select(Notification).where(Notification.alert_id == alert.id, Notification.level == 1)
    ).all()
    assert len(level_one) == 3


def test_acknowledged_before_the_threshold_nobody_else_hears(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    t = team(session)
    config = mail_settings(settings, tmp_path)
    sms = MemorySender()
    alert = raised(session, t, config, sms)
    alert.acknowledged_at = alert.created_at + timedelta(minutes=20)
    alert.acknowledged_by = t.clinician.id
    session.flush()

    assert escalate(session, config, sms, alert.created_at + timedelta(hours=2)) == []
    assert [m.to for m in sms.sent] == ["+15555550101"]
    assert notify.schedule_escalation(session, settings=config, alert_id=alert.id) is False


def test_without_a_supervisor_the_directors_hear(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    t = team(session, supervised=False)
    second = make_user(session, role=Role.DIRECTOR)
    config = mail_settings(settings, tmp_path)
    sms = MemorySender()
    alert = raised(session, t, config, sms)

    made = escalate(session, config, sms, alert.created_at + timedelta(minutes=61))

    assert {n.recipient_id for n in made} == {t.director.id, second.id}
    assert t.supervisor.id not in {n.recipient_id for n in made}


def test_a_disabled_supervisor_is_passed_over_for_the_directors(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    t = team(session)
    t.supervisor.is_active = False
    config = mail_settings(settings, tmp_path)
    sms = MemorySender()
    alert = raised(session, t, config, sms)

    made = escalate(session, config, sms, alert.created_at + timedelta(minutes=61))

    assert {n.recipient_id for n in made} == {t.director.id}


def test_alerts_never_first_notified_are_not_escalated(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    """An alert from before notifications existed does not page anyone on the first run."""
    t = team(session)
    config = mail_settings(settings, tmp_path)
    alert = make_alert(session, client=t.client)

    assert escalate(session, config, MemorySender(), alert.created_at + timedelta(days=2)) == []


def test_the_escalation_check_is_queued_for_the_due_time_and_follows_the_setting(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    t = team(session)
    config = mail_settings(settings, tmp_path, alert_escalate_minutes=60)
    sms = MemorySender()
    alert = raised(session, t, config, sms)

    assert notify.schedule_escalation(session, settings=config, alert_id=alert.id) is True
    assert notify.schedule_escalation(session, settings=config, alert_id=alert.id) is False
    longer = config.model_copy(update={"alert_escalate_minutes": 90})
    assert notify.schedule_escalation(session, settings=longer, alert_id=alert.id) is True
    runs = session.scalars(
        select(JobRun).where(JobRun.name == rules.ESCALATE_JOB).order_by(JobRun.run_after)
    ).all()
    assert [r.run_after - alert.created_at for r in runs] == [
        timedelta(minutes=60),
        timedelta(minutes=90),
    ]

    escalate(session, config, sms, alert.created_at + timedelta(minutes=60))
    assert notify.schedule_escalation(session, settings=longer, alert_id=alert.id) is False
