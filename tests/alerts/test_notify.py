"""Urgent alerts reach the responsible clinician in the app, by e-mail and by text message,
once, saying nothing about the client or the finding; other alerts reach nobody."""

from __future__ import annotations

import email
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alerts import notify, rules, tasks
from stepdown.alerts.models import (
    Alert,
    Channel,
    DeliveryStatus,
    Notification,
    NotificationPhone,
    Severity,
)
from stepdown.alerts.sms import MemorySender, SmsError, SmsSender
from stepdown.clients.models import Client
from stepdown.jobs.models import JobRun
from stepdown.kit.errors import Invalid, NotFound
from stepdown.programs import service as programs_service
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import Supervision, User
from stepdown.security.roles import Role
from stepdown.settings import Settings
from tests.factories import csrf_from, make_alert, make_client, make_site, make_user, sign_in

JOB = Actor.system("job:alerts.notify")


@dataclass
class Team:
    clinician: User
    supervisor: User
    director: User
    client: Client


def team(session: Session, *, supervised: bool = True, phone: bool = True) -> Team:
    """A clinician (with e-mail and a text-message number) and their client, the
    clinician's supervisor, and a director."""
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    supervisor = make_user(session, role=Role.CLINICIAN, site=site)
    director = make_user(session, role=Role.DIRECTOR)
    for user, address in (
        (clinician, "clinician@harbor.example"),
        (supervisor, "supervisor@harbor.example"),
        (director, "director@harbor.example"),
    ):
        user.email = address
    if phone:
        session.add(NotificationPhone(user_id=clinician.id, phone="+15555550101", updated_at=_T0))
        session.add(NotificationPhone(user_id=supervisor.id, phone="+15555550102", updated_at=_T0))
    if supervised:
        session.add(Supervision(user_id=clinician.id, supervisor_id=supervisor.id, since=_T0))
    client = make_client(
        session, site=site, clinician=clinician, legal_first_name="Jolene", legal_last_name="Quist"
    )
    session.flush()
    return Team(clinician, supervisor, director, client)


_T0 = datetime.fromisoformat("2026-01-05T12:00:00+00:00")  # a fixed past instant for set-up rows


def mail_settings(settings: Settings, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "smtp_from": "alerts@harbor.example",
        "mail_outbox": tmp_path / "outbox",
        "program_name": "Harborview",
        "base_url": "https://care.harbor.example",
    }
    values.update(overrides)
    return settings.model_copy(update=values)


def outbox_messages(directory: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted(directory.glob("*.eml")) if directory.exists() else []:
        parsed = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


def assert_says_nothing_clinical(text: str, client: Client) -> None:
    lowered = text.lower()
    for word in rules.CLINICAL_WORDS:
        assert not re.search(rf"\b{re.escape(word)}", lowered), word
    for name in (client.legal_first_name, client.legal_last_name, client.record_number):
        assert name.lower() not in lowered


def program_name(session: Session, settings: Settings) -> str:
    program = programs_service.program(session)
    return program.name if program is not None else settings.program_name


def rows(session: Session, alert: Alert) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.alert_id == alert.id)
            .order_by(Notification.level, Notification.channel)
        )
    )


def send_first(
    session: Session, settings: Settings, alert: Alert, sender: SmsSender | None, now: datetime
) -> list[Notification]:
    return notify.notify(
        session,
        actor=JOB,
        settings=settings,
        sms_sender=sender,
        alert_id=alert.id,
        level=rules.FIRST,
        now=now,
    )


def test_raising_an_urgent_alert_queues_its_notifications_in_the_same_transaction(
    session: Session,
) -> None:
    t = team(session)
    urgent = make_alert(session, client=t.client, severity=Severity.URGENT)
    make_alert(session, client=t.client, severity=Severity.HIGH)
    make_alert(session, client=t.client, severity=Severity.ROUTINE)

    runs = session.scalars(select(JobRun).where(JobRun.name == rules.NOTIFY_JOB)).all()
    assert [(r.key, r.payload) for r in runs] == [(str(urgent.id), {"alert_id": str(urgent.id)})]
    assert rows(session, urgent) == []  # nothing is sent inside the raising transaction


def test_the_clinician_hears_in_the_app_by_e_mail_and_by_text_once(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    t = team(session)
    config = mail_settings(settings, tmp_path)
    alert = make_alert(session, client=t.client)
    sms = MemorySender()
    now = alert.created_at + timedelta(seconds=5)

    made = send_first(session, config, alert, sms, now)

    assert {(n.recipient_id, n.channel, n.status, n.level) for n in made} == {
        (t.clinician.id, Channel.APP, DeliveryStatus.SENT, 0),
        (t.clinician.id, Channel.EMAIL, DeliveryStatus.SENT, 0),
        (t.clinician.id, Channel.SMS, DeliveryStatus.SENT, 0),
    }
    assert all(n.sent_at == now for n in made)
    [message] = outbox_messages(tmp_path / "outbox")
    assert message["To"] == "clinician@harbor.example"
    name = program_name(session, config)
    assert message["Subject"] == f"{name}: an urgent alert needs you"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "an urgent alert for a client of yours needs you" in text
    assert "https://care.harbor.example/notifications" in text
    assert_says_nothing_clinical(f"{message['Subject']} {text}", t.client)
    assert [m.to for m in sms.sent] == ["+15555550101"]
    assert sms.sent[0].text.startswith(f"{name}: an urgent alert for a client of yours")
    assert_says_nothing_clinical(sms.sent[0].text, t.client)

    assert send_first(session, config, alert, sms, now + timedelta(minutes=1)) == []
    assert len(outbox_messages(tmp_path / "outbox")) == 1
    assert len(sms.sent) == 1
    assert len(rows(session, alert)) == 3


@pytest.mark.parametrize("severity", [Severity.HIGH, Severity.ROUTINE])
def test_high_and_routine_alerts_reach_nobody(
    session: Session, settings: Settings, tmp_path: Path, severity: Severity
) -> None:
    t = team(session)
    alert = make_alert(session, client=t.client, severity=severity)
    sms = MemorySender()

    assert (
        send_first(session, mail_settings(settings, tmp_path), alert, sms, alert.created_at) == []
    )
    assert sms.sent == []
    assert outbox_messages(tmp_path / "outbox") == []


def test_an_acknowledged_alert_is_not_sent(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    t = team(session)
    alert = make_alert(session, client=t.client)
    alert.acknowledged_at = alert.created_at + timedelta(minutes=1)
    sms = MemorySender()

    made = send_first(session, mail_settings(settings, tmp_path), alert, sms, alert.created_at)

    assert made == []
    assert sms.sent == []


def test_without_a_primary_clinician_the_active_directors_hear_at_once(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR)
    retired = make_user(session, role=Role.DIRECTOR)
    retired.is_active = False
    alert = make_alert(session, client=make_client(session, site=site))

    made = send_first(
        session, mail_settings(settings, tmp_path), alert, MemorySender(), alert.created_at
    )

    assert {n.recipient_id for n in made} == {director.id}
    app = next(n for n in made if n.channel is Channel.APP)
    assert app.status is DeliveryStatus.SENT


def test_missing_addresses_are_skipped_and_shown_to_the_director(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    t = team(session, phone=False)
    t.clinician.email = ""
    alert = make_alert(session, client=t.client)

    made = send_first(session, mail_settings(settings, tmp_path), alert, MemorySender(), _T0)

    by_channel = {n.channel: n for n in made}
    assert by_channel[Channel.APP].status is DeliveryStatus.SENT
    assert by_channel[Channel.EMAIL].status is DeliveryStatus.SKIPPED
    assert by_channel[Channel.EMAIL].reason == "no e-mail address on the account"
    assert by_channel[Channel.SMS].status is DeliveryStatus.SKIPPED
    assert by_channel[Channel.SMS].reason == "no text-message number set"
    director = security_service.actor_for(t.director)
    problems = notify.delivery_problems(session, actor=director, now=_T0)
    assert {p.notification.id for p in problems} == {
        by_channel[Channel.EMAIL].id,
        by_channel[Channel.SMS].id,
    }


def test_channels_switched_off_are_skipped_but_not_listed_as_problems(
    session: Session, settings: Settings
) -> None:
    t = team(session)
    alert = make_alert(session, client=t.client)

    made = send_first(session, settings, alert, None, _T0)

    by_channel = {n.channel: n for n in made}
    assert by_channel[Channel.APP].status is DeliveryStatus.SENT
    assert by_channel[Channel.EMAIL].status is DeliveryStatus.SKIPPED
    assert by_channel[Channel.EMAIL].reason.startswith("e-mail is not configured")
    assert by_channel[Channel.SMS].status is DeliveryStatus.SKIPPED
    assert by_channel[Channel.SMS].reason == "text messages are off (sms_backend)"
    director = security_service.actor_for(t.director)
    assert notify.delivery_problems(session, actor=director, now=_T0) == []


class FailingSender:
    def send(self, *, to: str, text: str) -> None:
        raise SmsError("Twilio unreachable (TimeoutError)")


def test_a_failing_sender_records_the_failure_and_keeps_the_alert(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    t = team(session)
    # Nothing listens on port 9 of this host: the mail server refuses the connection.
    config = mail_settings(settings, tmp_path, smtp_host="127.0.0.1", smtp_port=9)
    alert = make_alert(session, client=t.client)
    session.commit()
    now = alert.created_at + timedelta(seconds=5)

    made = send_first(session, config, alert, FailingSender(), now)
    session.commit()

    by_channel = {n.channel: n for n in made}
    assert by_channel[Channel.APP].status is DeliveryStatus.SENT
    assert by_channel[Channel.EMAIL].status is DeliveryStatus.FAILED
    assert by_channel[Channel.EMAIL].reason.startswith("mail not sent (")
    assert by_channel[Channel.SMS].status is DeliveryStatus.FAILED
    assert by_channel[Channel.SMS].reason == "Twilio unreachable (TimeoutError)"
    assert all(n.sent_at is None for n in made if n.status is DeliveryStatus.FAILED)
    kept = session.get(Alert, alert.id)
    assert kept is not None
    assert kept.is_open
    director = security_service.actor_for(t.director)
    problems = notify.delivery_problems(session, actor=director, now=now)
    assert {(p.recipient.id, p.notification.channel) for p in problems} == {
        (t.clinician.id, Channel.EMAIL),
        (t.clinician.id, Channel.SMS),
    }


def test_the_job_sends_and_queues_the_escalation(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    t = team(session)
    config = mail_settings(
        settings,
        tmp_path,
        sms_backend="outbox",
        sms_outbox=tmp_path / "sms",
        alert_escalate_minutes=45,
    )
    alert = make_alert(session, client=t.client)

    tasks.notify_first(session, actor=JOB, settings=config, alert_id=str(alert.id))

    [text] = list((tmp_path / "sms").glob("*.txt"))
    assert text.read_text().startswith("To: +15555550101\n\n")
    assert len(outbox_messages(tmp_path / "outbox")) == 1
    [escalation] = session.scalars(select(JobRun).where(JobRun.name == rules.ESCALATE_JOB)).all()
    assert escalation.run_after == alert.created_at + timedelta(minutes=45)
    assert escalation.payload == {"alert_id": str(alert.id)}


def test_the_recipient_reads_and_marks_their_notifications(
    session: Session, settings: Settings
) -> None:
    t = team(session)
    alert = make_alert(session, client=t.client)
    send_first(session, settings, alert, None, alert.created_at)
    mine = security_service.actor_for(t.clinician)
    director = security_service.actor_for(t.director)

    [row] = notify.inbox(session, actor=mine, unread_only=True)
    assert row.client is not None
    assert row.client.id == t.client.id
    assert row.alert.id == alert.id
    assert notify.inbox(session, actor=director) == []
    with pytest.raises(NotFound):
        notify.mark_read(
            session, actor=director, now=alert.created_at, notification_id=row.notification.id
        )
    assert (
        notify.mark_read(
            session, actor=mine, now=alert.created_at, notification_id=row.notification.id
        )
        == 1
    )
    assert notify.inbox(session, actor=mine, unread_only=True) == []
    assert len(notify.inbox(session, actor=mine)) == 1


def test_a_phone_number_is_stored_in_e164_and_nonsense_refused(session: Session) -> None:
    t = team(session, phone=False)
    me = security_service.actor_for(t.clinician)

    assert notify.set_phone(session, actor=me, phone="(555) 555-0199", now=_T0) == "+15555550199"
    assert notify.phone_of(session, actor=me) == "+15555550199"
    with pytest.raises(Invalid) as refused:
        notify.set_phone(session, actor=me, phone="call my desk", now=_T0)
    assert refused.value.field == "phone"
    assert notify.set_phone(session, actor=me, phone="", now=_T0) == ""
    assert session.get(NotificationPhone, t.clinician.id) is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("555-555-0123", "+15555550123"),
        ("1 555 555 0123", "+15555550123"),
        ("+44 7700 900123", "+447700900123"),
        ("555-0123", None),
        ("+0 555 555 0123", None),
        ("five five five", None),
    ],
)
def test_normalize_phone(typed: str, stored: str | None) -> None:
    assert rules.normalize_phone(typed) == stored


def test_the_escalation_message_says_the_alert_waited_and_no_more() -> None:
    first = rules.message(level=0, program_name="Harborview", sign_in_url="https://h.example")
    later = rules.message(level=1, program_name="Harborview", sign_in_url="https://h.example")
    assert "client of yours" in first.text
    assert "client of your team" in later.text
    assert "not been acknowledged" in later.text
    assert len(first.text) <= 160


def test_the_notifications_page_and_the_home_page(
    client: TestClient, session: Session, settings: Settings
) -> None:
    t = team(session)
    alert = make_alert(session, client=t.client)
    send_first(session, settings, alert, None, alert.created_at)
    session.commit()
    sign_in(client, t.clinician.username)

    home = client.get("/")
    assert "Unread notifications (1)" in home.text
    page = client.get("/notifications")
    assert page.status_code == 200
    assert t.client.display_name in page.text
    token = csrf_from(page.text)

    refused = client.post("/notifications/phone", data={"phone": "desk", "csrf_token": token})
    assert refused.status_code == 422
    assert "Mobile number (empty: no text messages):" in refused.text
    saved = client.post(
        "/notifications/phone",
        data={"phone": "555 555 0142", "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    session.expire_all()
    phone = session.get(NotificationPhone, t.clinician.id)
    assert phone is not None
    assert phone.phone == "+15555550142"

    read = client.post("/notifications/read", data={"csrf_token": token}, follow_redirects=False)
    assert read.status_code == 303
    assert "Unread notifications" not in client.get("/").text
    assert (
        client.post(f"/notifications/{uuid.uuid4()}/read", data={"csrf_token": token}).status_code
        == 404
    )


def test_the_director_sees_deliveries_that_did_not_go_out(
    client: TestClient, session: Session, settings: Settings, tmp_path: Path
) -> None:
    t = team(session)
    alert = make_alert(session, client=t.client)
    send_first(session, mail_settings(settings, tmp_path), alert, FailingSender(), alert.created_at)
    session.commit()
    sign_in(client, t.director.username)

    page = client.get("/notifications")

    assert page.status_code == 200
    assert "Messages not delivered, last 14 days (1)" in page.text
    assert "Twilio unreachable (TimeoutError)" in page.text
    assert t.client.legal_last_name not in page.text
