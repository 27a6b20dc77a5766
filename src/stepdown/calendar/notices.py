"""Telling people their week changed: a notice on their portal or home page, and an e-mail.

A publish calls ``notify`` with the clients and staff its change list names. Each gets one
unread notice for the week; a later publish of the same week refreshes an unread notice
instead of adding another, and sends no second e-mail (the first already asked them to
sign in). The words are the same everywhere and say only that the week changed: no other
member, no group topic (a topic such as relapse prevention says what the program treats),
no time or place. What changed is behind the sign-in.

E-mail goes out from a job after the publish commits (``mail_notices``), never from the
publishing request: a publish that rolls back must tell nobody, and a slow mail server must
not hold the request's transaction. It goes through ``kit.mail`` with the program's mail
settings (the aftercare reminders' sender); where no mail is configured or the person has
no address, the notice on the page is all they get. Each e-mail to a client is audited as
a disclosure, as reminders are: it tells the mail provider the person is in contact with
the program.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from email.message import EmailMessage

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.calendar.models import CalendarNotice
from stepdown.clients.models import Client
from stepdown.jobs import service as jobs_service
from stepdown.jobs.registry import task
from stepdown.kit import mail
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import NotFound
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.settings import Settings

log = logging.getLogger("stepdown.calendar")

MAIL_JOB = "calendar.notice_mail"
RETRY_AFTER = timedelta(minutes=15)
MAIL_FOR = timedelta(days=1)


def text_for(week_of: date) -> str:
    """The whole message, on the page and in the e-mail."""
    return f"Your schedule for the week of {week_of:%B %-d, %Y} has changed; sign in to see it."


def notify(
    session: Session,
    *,
    actor: Actor,
    build_id: uuid.UUID,
    week_of: date,
    client_ids: Iterable[uuid.UUID],
    user_ids: Iterable[uuid.UUID],
) -> int:
    """One unread notice per client and staff member for the week; the number new. The
    caller (a publish) has audited the change to each client's week."""
    recipients = [(cid, None) for cid in client_ids] + [(None, uid) for uid in user_ids]
    created = 0
    for client_id, user_id in recipients:
        whose = (
            CalendarNotice.client_id == client_id
            if client_id is not None
            else CalendarNotice.user_id == user_id
        )
        unread = session.scalar(
            select(CalendarNotice).where(
                whose, CalendarNotice.week_of == week_of, CalendarNotice.read_at.is_(None)
            )
        )
        if unread is not None:
            unread.build_id = build_id
            unread.created_at = utc_now()
            continue
        session.add(
            CalendarNotice(
                client_id=client_id,
                user_id=user_id,
                build_id=build_id,
                week_of=week_of,
                text=text_for(week_of),
                email_due=True,
            )
        )
        created += 1
    session.flush()
    if created:
        jobs_service.enqueue(session, MAIL_JOB)
    return created


def _own(session: Session, actor: Actor) -> ColumnElement[bool] | None:
    """Which notices are the actor's: their client record's, or their staff account's."""
    if actor.user_id is None:
        return None
    if actor.role is Role.CLIENT:
        client_id = session.scalar(select(Client.id).where(Client.portal_user_id == actor.user_id))
        return None if client_id is None else CalendarNotice.client_id == client_id
    return CalendarNotice.user_id == actor.user_id


def unread(session: Session, *, actor: Actor) -> list[CalendarNotice]:
    """The signed-in person's unread notices, newest first. Their own, and the text names
    nothing, so there is no read of anyone's record to audit."""
    own = _own(session, actor)
    if own is None:
        return []
    return list(
        session.scalars(
            select(CalendarNotice)
            .where(own, CalendarNotice.read_at.is_(None))
            .order_by(CalendarNotice.created_at.desc())
        )
    )


def mark_read(session: Session, *, actor: Actor, notice_id: uuid.UUID) -> CalendarNotice:
    """Set one of the actor's own notices aside; someone else's is not found."""
    own = _own(session, actor)
    notice = (
        None
        if own is None
        else session.scalar(select(CalendarNotice).where(own, CalendarNotice.id == notice_id))
    )
    if notice is None:
        raise NotFound("no such notice")
    if notice.read_at is None:
        notice.read_at = utc_now()
        session.flush()
    return notice


def _message(settings: Settings, *, to: str, text: str, path: str) -> EmailMessage:
    return mail.compose(
        settings,
        to=to,
        subject=f"{settings.program_name}: your schedule has changed",
        body=(
            f"Hello,\n\n{text}\n\n"
            f"Sign in at {settings.base_url}{path}\n\n"
            "This message was sent automatically. Please do not reply to it.\n"
        ),
    )


def send_due(session: Session, *, actor: Actor, settings: Settings) -> int:
    """E-mail every notice still waiting for it; the number sent.

    A notice whose person has no address, or that was read already, or made while no mail
    is configured, is done with: the page has told or will tell them. One that fails to
    send stays due and the job comes back in ``RETRY_AFTER``, until the notice is a day old
    (a schedule change mailed days later would mislead). Rows are locked and skipped when
    locked, so two workers never send the same notice.
    """
    now = utc_now()
    due = list(
        session.scalars(
            select(CalendarNotice)
            .where(CalendarNotice.email_due.is_(True))
            .order_by(CalendarNotice.created_at)
            .with_for_update(skip_locked=True)
        )
    )
    configured = mail.configured(settings)
    sent = failed = 0
    for notice in due:
        address, path = _address(session, notice)
        stale = notice.created_at < now - MAIL_FOR
        if stale or not configured or not address or notice.read_at is not None:
            notice.email_due = False
            continue
        try:
            mail.send(settings, _message(settings, to=address, text=notice.text, path=path))
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("schedule notice %s not sent: %s", notice.id, type(exc).__name__)
            failed += 1
            continue
        notice.email_due = False
        notice.emailed_at = utc_now()
        sent += 1
        if notice.client_id is not None:
            audit_service.record(
                session,
                actor=actor,
                action=AuditAction.DISCLOSE,
                entity_type="calendar_notice",
                entity_id=notice.id,
                client_id=notice.client_id,
                detail={"channel": "email", "message": "schedule_changed"},
            )
    session.flush()
    if failed:
        jobs_service.enqueue(session, MAIL_JOB, run_after=now + RETRY_AFTER)
    return sent


def _address(session: Session, notice: CalendarNotice) -> tuple[str, str]:
    """The person's e-mail address and where they sign in to see their week."""
    if notice.client_id is not None:
        client = session.get(Client, notice.client_id)
        return (client.email if client else "", "/portal/schedule")
    user = session.get(User, notice.user_id) if notice.user_id else None
    return (user.email if user and user.is_active else "", "/calendar/me")


@task(MAIL_JOB)
def mail_notices(session: Session, *, actor: Actor, settings: Settings) -> None:
    send_due(session, actor=actor, settings=settings)
