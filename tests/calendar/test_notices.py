"""Telling people their week changed: one notice each, on their page and by e-mail, naming
nobody and nothing clinical."""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.aftercare.mail import CLINICAL_WORDS
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.calendar import notices, publish
from stepdown.calendar.models import CalendarNotice
from stepdown.jobs.models import JobRun
from stepdown.programs.rules import TOPIC_LABELS
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from stepdown.settings import Settings
from tests.calendar.test_publish import MONDAY, Week, make_week, store
from tests.factories import SYSTEM, csrf_from, make_user, sign_in

JOB = Actor.system("job:calendar.notice_mail")
TEXT = "Your schedule for the week of November 23, 2026 has changed; sign in to see it."


def _settings(outbox: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mail_outbox": outbox,
        "smtp_from": "schedule@harborview.example",
        "program_name": "Harborview",
        "base_url": "https://care.harborview.example",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _published(session: Session) -> Week:
    """A week published for clients 0-2 (client 0 with an address), led by leader 0."""
    week = make_week(session)
    week.clients[0].email = "given@example.org"
    week.leaders[0].email = "leader@harborview.example"
    build = store(session, week, week.solution({"mon": [0, 1], "tue": [2]}))
    publish.publish(session, actor=SYSTEM, build_id=build.id)
    return week


def _mails(outbox: Path) -> list[Message]:
    return [message_from_bytes(p.read_bytes()) for p in sorted(outbox.glob("*.eml"))]


def test_a_publish_leaves_one_notice_per_person_and_a_second_refreshes_it(
    session: Session,
) -> None:
    week = _published(session)
    told = session.scalars(select(CalendarNotice)).all()
    assert len(told) == 4  # three clients and the leader
    assert {n.text for n in told} == {TEXT}
    assert all(n.email_due and n.read_at is None and n.week_of == MONDAY for n in told)
    runs = select(JobRun).where(JobRun.name == notices.MAIL_JOB)
    assert len(session.scalars(runs).all()) == 1

    again = store(session, week, week.solution({"mon": [0], "tue": [1, 2]}))
    publish.publish(session, actor=SYSTEM, build_id=again.id)
    after = session.scalars(select(CalendarNotice)).all()
    assert len(after) == 4  # client 1 moved, but their notice is still unread: refreshed
    assert {n.build_id for n in after if n.client_id == week.clients[1].id} == {again.id}
    assert len(session.scalars(runs).all()) == 1  # nobody new to e-mail


def test_the_mail_says_only_that_the_week_changed(session: Session, tmp_path: Path) -> None:
    week = _published(session)
    outbox = tmp_path / "outbox"
    assert notices.send_due(session, actor=JOB, settings=_settings(outbox)) == 2
    mails = _mails(outbox)
    assert sorted(m["To"] for m in mails) == ["given@example.org", "leader@harborview.example"]
    for mail in mails:
        body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
        assert TEXT in body
        assert mail["Subject"] == "Harborview: your schedule has changed"
        words = (body + mail["Subject"]).lower()
        for person in week.clients:
            assert person.legal_first_name.lower() not in words
            assert person.legal_last_name.lower() not in words
        for label in (*TOPIC_LABELS, *TOPIC_LABELS.values()):
            assert f" {label.lower()} " not in f" {words} "
        assert not [w for w in CLINICAL_WORDS if w in words]
    assert all(not n.email_due for n in session.scalars(select(CalendarNotice)))
    disclosed = session.scalars(
        select(AuditEntry.client_id).where(
            AuditEntry.action == AuditAction.DISCLOSE, AuditEntry.entity_type == "calendar_notice"
        )
    ).all()
    assert [str(c) for c in disclosed] == [str(week.clients[0].id)]
    assert notices.send_due(session, actor=JOB, settings=_settings(outbox)) == 0  # once


def test_without_mail_configured_the_page_is_all_they_get(session: Session, tmp_path: Path) -> None:
    _published(session)
    outbox = tmp_path / "outbox"
    settings = _settings(outbox, smtp_from="")
    assert notices.send_due(session, actor=JOB, settings=settings) == 0
    assert not outbox.exists()
    assert all(not n.email_due for n in session.scalars(select(CalendarNotice)))


def test_a_failed_send_stays_due_and_the_job_comes_back(session: Session, tmp_path: Path) -> None:
    _published(session)
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    assert notices.send_due(session, actor=JOB, settings=_settings(blocked)) == 0
    due = session.scalars(select(CalendarNotice).where(CalendarNotice.email_due.is_(True))).all()
    assert len(due) == 2  # the two with an address
    runs = select(JobRun).where(JobRun.name == notices.MAIL_JOB)
    assert len(session.scalars(runs).all()) == 2  # the publish's run and the retry


@pytest.mark.parametrize("role", ["client", "leader"])
def test_the_notice_shows_on_their_page_until_they_set_it_aside(
    client: TestClient, session: Session, role: str
) -> None:
    week = _published(session)
    if role == "client":
        account = make_user(session, role=Role.CLIENT, site=week.site)
        week.clients[0].portal_user_id = account.id
        username, page = account.username, "/portal"
    else:
        username, page = week.leaders[0].username, "/"
    session.commit()
    sign_in(client, username)
    shown = client.get(page)
    assert TEXT in shown.text
    notice = session.scalars(
        select(CalendarNotice).where(
            (CalendarNotice.client_id == week.clients[0].id)
            if role == "client"
            else (CalendarNotice.user_id == week.leaders[0].id)
        )
    ).one()
    token = csrf_from(shown.text)
    done = client.post(
        f"/calendar/notices/{notice.id}/read", data={"csrf_token": token, "next": page}
    )
    assert done.status_code == 200
    assert TEXT not in done.text
    session.expire_all()
    assert session.get(CalendarNotice, notice.id).read_at is not None  # type: ignore[union-attr]


def test_nobody_sets_aside_someone_elses_notice(client: TestClient, session: Session) -> None:
    week = _published(session)
    session.commit()
    sign_in(client, week.leaders[1].username)
    token = csrf_from(client.get("/").text)
    theirs = session.scalars(
        select(CalendarNotice).where(CalendarNotice.user_id == week.leaders[0].id)
    ).one()
    refused = client.post(f"/calendar/notices/{theirs.id}/read", data={"csrf_token": token})
    assert refused.status_code == 404
    session.expire_all()
    assert session.get(CalendarNotice, theirs.id).read_at is None  # type: ignore[union-attr]
