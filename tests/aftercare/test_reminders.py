"""Check-in reminders delivered to a real local SMTP server (aiosmtpd) and read back, and
missed check-ins alerting the case manager, each once however often the job runs."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.aftercare import mail, service, tasks
from stepdown.aftercare.models import AftercarePlan, RelapsePreventionCheckIn
from stepdown.alerts.models import Alert, AlertKind
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.clients.models import Client
from stepdown.jobs.registry import default_registry
from stepdown.kit.clock import today
from stepdown.security.actor import Actor
from stepdown.settings import Settings
from tests.factories import make_aftercare_plan, make_client, make_site

JOB = Actor.system("job:aftercare.daily")


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _settings(port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_from": "reminders@harborview.example",
        "smtp_starttls": False,
        "program_name": "Harborview",
        "base_url": "https://care.harborview.example",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _client_with_plan(session: Session, *, days_ago: int) -> tuple[Client, AftercarePlan]:
    client = make_client(session, site=make_site(session), email="jo.client@mail.example")
    plan = make_aftercare_plan(session, client=client, on=today() - timedelta(days=days_ago))
    return client, plan


def _first_checkin(session: Session, plan: AftercarePlan) -> RelapsePreventionCheckIn:
    return session.scalars(
        select(RelapsePreventionCheckIn).where(
            RelapsePreventionCheckIn.plan_id == plan.id, RelapsePreventionCheckIn.sequence == 1
        )
    ).one()


def test_the_daily_job_is_registered() -> None:
    job = default_registry().get("aftercare.daily")
    assert job is not None
    assert job.periodic


def test_a_due_check_in_is_e_mailed_once_without_clinical_details(
    session: Session, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    settings = _settings(port)
    client, plan = _client_with_plan(session, days_ago=7)  # the first weekly one is due today

    tasks.daily(session, actor=JOB, settings=settings, day=today())

    assert len(handler.messages) == 1
    message = handler.messages[0]
    assert handler.recipients == [["jo.client@mail.example"]]
    assert message["Subject"] == "Harborview: your check-in is due"
    assert message["From"] == "reminders@harborview.example"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "Your check-in with Harborview is due." in text
    assert "https://care.harborview.example/portal" in text
    whole = (str(message["Subject"]) + " " + text).lower()
    for word in mail.CLINICAL_WORDS:
        assert word not in whole, word
    for name in (client.legal_first_name, client.legal_last_name):
        assert name.lower() not in whole
    checkin = _first_checkin(session, plan)
    assert checkin.reminder_sent_at is not None
    disclosures = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == AuditAction.DISCLOSE, AuditEntry.entity_id == str(checkin.id)
        )
    ).all()
    assert len(disclosures) == 1

    tasks.daily(session, actor=JOB, settings=settings, day=today())
    tasks.daily(session, actor=JOB, settings=settings, day=today() + timedelta(days=1))
    assert len(handler.messages) == 1


def test_a_missed_check_in_alerts_once_and_is_not_e_mailed(
    session: Session, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    settings = _settings(port)
    # The first check-in was due 4 days ago: past the 3 grace days.
    client, plan = _client_with_plan(session, days_ago=11)

    tasks.daily(session, actor=JOB, settings=settings, day=today())
    tasks.daily(session, actor=JOB, settings=settings, day=today())

    alerts = session.scalars(
        select(Alert).where(
            Alert.client_id == client.id, Alert.kind == AlertKind.AFTERCARE_CHECKIN_MISSED
        )
    ).all()
    assert len(alerts) == 1
    checkin = _first_checkin(session, plan)
    assert alerts[0].source_id == checkin.id
    assert checkin.missed_alerted_at is not None
    assert handler.messages == []


def test_a_completed_check_in_neither_reminds_nor_alerts(
    session: Session, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    client, plan = _client_with_plan(session, days_ago=7)
    service.complete_checkin(
        session, actor=JOB, checkin_id=_first_checkin(session, plan).id, today=today()
    )
    tasks.daily(session, actor=JOB, settings=_settings(port), day=today() + timedelta(days=5))
    assert handler.messages == []
    assert session.scalars(select(Alert).where(Alert.client_id == client.id)).all() == []


def test_an_unreachable_server_leaves_the_reminder_for_the_next_run(session: Session) -> None:
    _, plan = _client_with_plan(session, days_ago=7)
    sent = service.send_reminders(
        session, actor=JOB, settings=_settings(_free_port()), today=today()
    )
    assert sent == 0
    assert _first_checkin(session, plan).reminder_sent_at is None


def test_without_a_mail_server_nothing_is_sent_or_marked(session: Session) -> None:
    _, plan = _client_with_plan(session, days_ago=7)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert service.send_reminders(session, actor=JOB, settings=settings, today=today()) == 0
    assert _first_checkin(session, plan).reminder_sent_at is None
