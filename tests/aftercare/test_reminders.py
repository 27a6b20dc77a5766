"""Check-in reminders delivered to a real local SMTP server (aiosmtpd) and read back, and
missed check-ins alerting the case manager, each once however often the job runs."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
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


def _outbox_settings(outbox: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mail_outbox": outbox,
        "smtp_from": "reminders@harborview.example",
        "program_name": "Harborview",
        "base_url": "https://care.harborview.example",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _read_outbox(outbox: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted(outbox.iterdir()):
        assert path.suffix == ".eml", path.name  # no half-written temporary file is left
        parsed = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


class TestOutbox:
    def test_without_a_mail_server_each_due_reminder_is_written_as_an_eml_file(
        self, session: Session, tmp_path: Path
    ) -> None:
        outbox = tmp_path / "outbox"
        settings = _outbox_settings(outbox)
        due = [_client_with_plan(session, days_ago=7) for _ in range(2)]
        due[1][0].email = "sam.client@mail.example"
        _client_with_plan(session, days_ago=3)  # its first check-in is days away

        tasks.daily(session, actor=JOB, settings=settings, day=today())

        messages = _read_outbox(outbox)
        assert sorted(str(m["To"]) for m in messages) == [
            "jo.client@mail.example",
            "sam.client@mail.example",
        ]
        for message, (client, plan) in zip(
            sorted(messages, key=lambda m: str(m["To"])), due, strict=True
        ):
            assert message["Subject"] == "Harborview: your check-in is due"
            assert message["From"] == "reminders@harborview.example"
            assert message["Date"] is not None
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            text = body.get_content()
            assert "https://care.harborview.example/portal" in text
            whole = (str(message["Subject"]) + " " + text).lower()
            for word in (*mail.CLINICAL_WORDS, client.legal_first_name, client.legal_last_name):
                assert word.lower() not in whole, word
            assert _first_checkin(session, plan).reminder_sent_at is not None
        assert (outbox.stat().st_mode & 0o777) == 0o700

        tasks.daily(session, actor=JOB, settings=settings, day=today())
        assert len(list(outbox.iterdir())) == 2

    def test_a_mail_server_wins_over_the_outbox(
        self, session: Session, tmp_path: Path, inbox: tuple[Inbox, int]
    ) -> None:
        handler, port = inbox
        outbox = tmp_path / "outbox"
        _client_with_plan(session, days_ago=7)
        settings = _settings(port, mail_outbox=outbox)
        assert service.send_reminders(session, actor=JOB, settings=settings, today=today()) == 1
        assert len(handler.messages) == 1
        assert not outbox.exists()

    def test_an_outbox_without_a_sender_sends_nothing(
        self, session: Session, tmp_path: Path
    ) -> None:
        _, plan = _client_with_plan(session, days_ago=7)
        settings = _outbox_settings(tmp_path / "outbox", smtp_from="")
        assert service.send_reminders(session, actor=JOB, settings=settings, today=today()) == 0
        assert _first_checkin(session, plan).reminder_sent_at is None
        assert not (tmp_path / "outbox").exists()

    def test_an_unwritable_outbox_leaves_the_reminder_for_the_next_run(
        self, session: Session, tmp_path: Path
    ) -> None:
        _, plan = _client_with_plan(session, days_ago=7)
        blocked = tmp_path / "a-file"
        blocked.write_text("not a directory")
        settings = _outbox_settings(blocked / "outbox")
        assert service.send_reminders(session, actor=JOB, settings=settings, today=today()) == 0
        assert _first_checkin(session, plan).reminder_sent_at is None
