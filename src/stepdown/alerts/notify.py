"""Telling people about urgent alerts: in the app, by e-mail and by text message, first the
responsible clinician, then, if nobody acknowledges the alert in time, their supervisor.

Sending happens in jobs (``alerts.tasks``), never in the transaction that records the
finding, so a mail server or SMS provider that is down cannot stop a PHQ-9 from being saved.
Each (alert, person, channel, level) is one ``Notification`` row, claimed before the message
goes out: a job that runs twice, or two workers escalating at once, send it once. A message
that fails is recorded as failed with its reason and is not retried at that level (the
escalation is the second chance); the in-app notification never fails.

The same module serves the in-app side: a person's notifications, marking them read, the
number they get text messages on, and the director's list of deliveries that did not go out.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Exists

from stepdown.alerts import access, rules
from stepdown.alerts.models import (
    Alert,
    Channel,
    DeliveryStatus,
    Notification,
    NotificationPhone,
    Severity,
)
from stepdown.alerts.sms import SmsError, SmsSender
from stepdown.alerts.sms import configured as sms_configured
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.jobs import service as jobs_service
from stepdown.kit import mail
from stepdown.kit.errors import Forbidden, Invalid, NotFound
from stepdown.programs import service as programs_service
from stepdown.security.accounts import supervisor_of
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.settings import Settings

log = logging.getLogger("stepdown.alerts")

CHANNELS = (Channel.APP, Channel.EMAIL, Channel.SMS)
PROBLEMS_DAYS = 14
MAIL_OFF = "e-mail is not configured (smtp_from, smtp_host or mail_outbox)"
NO_ADDRESS = "no e-mail address on the account"
NO_PHONE = "no text-message number set"
# Skips the director can fix person by person; a channel switched off for the whole
# program is a decision, not a delivery problem, and would fill the list.
PERSONAL_SKIPS = (NO_ADDRESS, NO_PHONE)


# --- Sending --------------------------------------------------------------------------


def _notified(alert_id: object, level: int) -> Exists:
    """Whether an alert (an id, or ``Alert.id`` in a query) has notifications of ``level``."""
    return exists().where(Notification.alert_id == alert_id, Notification.level == level)


def schedule_escalation(session: Session, *, settings: Settings, alert_id: uuid.UUID) -> bool:
    """Queue the escalation check for when the alert falls due, unless it is closed or
    escalated; True if a run was queued. Keyed by the due time, so asking again for the
    same time is a no-op and a longer ``alert_escalate_minutes`` queues a later run."""
    alert = session.get(Alert, alert_id)
    if alert is None or not alert.is_open or not rules.notifies(alert.severity):
        return False
    if session.scalar(select(_notified(alert.id, rules.ESCALATED))):
        return False
    due = rules.escalation_due(alert.created_at, minutes=settings.alert_escalate_minutes)
    return jobs_service.enqueue(
        session,
        rules.ESCALATE_JOB,
        key=f"{alert.id}@{due:%Y-%m-%dT%H:%MZ}",
        run_after=due,
        alert_id=str(alert.id),
    )


def _person(user: User | None) -> rules.Person | None:
    return rules.Person(user.id, user.is_active) if user is not None else None


def recipients(session: Session, *, actor: Actor, alert: Alert, level: int) -> list[User]:
    """Who hears about ``alert`` at ``level`` (``rules.first_recipients`` and
    ``rules.escalation_recipients``), as accounts."""
    client = clients_service.clients_by_id(session, actor=actor, client_ids=[alert.client_id])
    found = client.get(alert.client_id)
    clinician_id = found.primary_clinician_id if found is not None else None
    clinician = session.get(User, clinician_id) if clinician_id else None
    directors = [
        rules.Person(u.id, u.is_active)
        for u in session.scalars(
            select(User).where(User.role == Role.DIRECTOR, User.is_active.is_(True))
        )
    ]
    if level == rules.FIRST:
        ids = rules.first_recipients(_person(clinician), directors)
    else:
        supervisor_id = supervisor_of(session, clinician.id) if clinician else None
        supervisor = session.get(User, supervisor_id) if supervisor_id else None
        ids = rules.escalation_recipients(_person(clinician), _person(supervisor), directors)
    return [user for user_id in ids if (user := session.get(User, user_id)) is not None]


def _program_name(session: Session, settings: Settings) -> str:
    program = programs_service.program(session)
    return program.name if program is not None else settings.program_name


def _claim(
    session: Session, *, alert: Alert, user: User, channel: Channel, level: int, now: datetime
) -> Notification | None:
    """Insert the row before sending; None if some run already has it (waiting, on
    PostgreSQL, for that run's transaction to end first)."""
    taken = select(Notification.id).where(
        Notification.alert_id == alert.id,
        Notification.recipient_id == user.id,
        Notification.channel == channel,
        Notification.level == level,
    )
    if session.scalar(taken) is not None:
        return None
    row = Notification(
        alert_id=alert.id,
        recipient_id=user.id,
        channel=channel,
        level=level,
        status=DeliveryStatus.PENDING,
        created_at=now,
    )
    savepoint = session.begin_nested()
    try:
        session.add(row)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        return None
    savepoint.commit()
    return row


def _deliver(
    session: Session,
    *,
    settings: Settings,
    sms_sender: SmsSender | None,
    user: User,
    channel: Channel,
    message: rules.Message,
) -> tuple[DeliveryStatus, str]:
    """Send one message; the status and reason to record. Errors are caught by type and
    named by type only: their text may quote an address."""
    if channel is Channel.APP:
        return DeliveryStatus.SENT, ""
    if channel is Channel.EMAIL:
        if not mail.configured(settings):
            return DeliveryStatus.SKIPPED, MAIL_OFF
        if not user.email:
            return DeliveryStatus.SKIPPED, NO_ADDRESS
        email = mail.compose(
            settings, to=user.email, subject=message.subject, body=rules.email_body(message)
        )
        try:
            mail.send(settings, email)
        except (smtplib.SMTPException, OSError) as exc:
            return DeliveryStatus.FAILED, f"mail not sent ({type(exc).__name__})"
        return DeliveryStatus.SENT, ""
    if sms_sender is None:
        return DeliveryStatus.SKIPPED, sms_configured(settings) or "text messages are off"
    phone = session.get(NotificationPhone, user.id)
    if phone is None:
        return DeliveryStatus.SKIPPED, NO_PHONE
    try:
        sms_sender.send(to=phone.phone, text=message.text)
    except SmsError as exc:
        return DeliveryStatus.FAILED, str(exc)[:300]
    return DeliveryStatus.SENT, ""


def notify(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    sms_sender: SmsSender | None,
    alert_id: uuid.UUID,
    level: int,
    now: datetime,
) -> list[Notification]:
    """Send the notifications of ``level`` for one alert that still needs them; the rows
    this call made. Nothing for an alert that is not urgent or already acknowledged."""
    alert = session.get(Alert, alert_id)
    if alert is None or not alert.is_open or not rules.notifies(alert.severity):
        return []
    people = recipients(session, actor=actor, alert=alert, level=level)
    if not people:
        log.warning("alert %s: nobody to notify at level %d (no active director)", alert.id, level)
        return []
    message = rules.message(
        level=level,
        program_name=_program_name(session, settings),
        sign_in_url=f"{settings.base_url}/notifications",
    )
    made = []
    for user in people:
        for channel in CHANNELS:
            row = _claim(session, alert=alert, user=user, channel=channel, level=level, now=now)
            if row is None:
                continue
            row.status, row.reason = _deliver(
                session,
                settings=settings,
                sms_sender=sms_sender,
                user=user,
                channel=channel,
                message=message,
            )
            row.sent_at = now if row.status is DeliveryStatus.SENT else None
            session.flush()
            audit_service.record(
                session,
                actor=actor,
                action=AuditAction.CREATE,
                entity_type="notification",
                entity_id=row.id,
                client_id=alert.client_id,
                detail={
                    "alert_id": str(alert.id),
                    "recipient_id": str(user.id),
                    "channel": channel.value,
                    "level": level,
                    "status": row.status.value,
                },
            )
            if row.status is DeliveryStatus.FAILED:
                log.warning("notification %s failed: %s", row.id, row.reason)
            made.append(row)
    return made


def escalate_due(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    sms_sender: SmsSender | None,
    now: datetime,
) -> list[Notification]:
    """Escalate every urgent alert still open ``alert_escalate_minutes`` after it was raised
    and not escalated yet; the rows made. Only alerts whose first notifications went out
    are considered, so alerts from before notifications existed do not all page at once."""
    cutoff = now - timedelta(minutes=settings.alert_escalate_minutes)
    due = session.scalars(
        select(Alert)
        .where(
            Alert.acknowledged_at.is_(None),
            Alert.severity == Severity.URGENT,
            Alert.created_at <= cutoff,
            _notified(Alert.id, rules.FIRST),
            ~_notified(Alert.id, rules.ESCALATED),
        )
        .order_by(Alert.created_at)
    ).all()
    made: list[Notification] = []
    for alert in due:
        made += notify(
            session,
            actor=actor,
            settings=settings,
            sms_sender=sms_sender,
            alert_id=alert.id,
            level=rules.ESCALATED,
            now=now,
        )
    return made


# --- In the app -----------------------------------------------------------------------


def _require(actor: Actor) -> uuid.UUID:
    if not access.NOTIFICATIONS.allows(actor.role) or actor.user_id is None:
        raise Forbidden(f"your role ({actor.role.label}) has no alert notifications")
    return actor.user_id


@dataclass(frozen=True)
class NotificationRow:
    """One in-app notification as its recipient sees it. ``client`` is None when the
    recipient may not open that chart (a supervisor outside the caseload): they are told
    that an alert waits, and who to ask, not whose it is."""

    notification: Notification
    alert: Alert
    client: Client | None


def _rows(
    session: Session, actor: Actor, notifications: Sequence[Notification]
) -> list[NotificationRow]:
    alerts = {
        a.id: a
        for a in session.scalars(
            select(Alert).where(Alert.id.in_({n.alert_id for n in notifications}))
        )
    }
    clients = clients_service.clients_by_id(
        session, actor=actor, client_ids=sorted({a.client_id for a in alerts.values()})
    )
    rows = [
        NotificationRow(n, alerts[n.alert_id], clients.get(alerts[n.alert_id].client_id))
        for n in notifications
    ]
    shown = list(dict.fromkeys(r.client.id for r in rows if r.client is not None))
    if shown:
        audit_service.record_reads(
            session, actor=actor, entity_type="notification", client_ids=shown
        )
    return rows


def inbox(
    session: Session, *, actor: Actor, unread_only: bool = False, limit: int = 50
) -> list[NotificationRow]:
    """The actor's in-app notifications, newest first (unread ones only for the home page)."""
    user_id = _require(actor)
    stmt = select(Notification).where(
        Notification.recipient_id == user_id, Notification.channel == Channel.APP
    )
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    notifications = session.scalars(
        stmt.order_by(Notification.created_at.desc()).limit(limit)
    ).all()
    return _rows(session, actor, notifications) if notifications else []


def mark_read(
    session: Session, *, actor: Actor, now: datetime, notification_id: uuid.UUID | None = None
) -> int:
    """Mark one of the actor's notifications read, or all of them; how many changed.
    Someone else's notification is not found, whatever its id."""
    user_id = _require(actor)
    stmt = select(Notification).where(
        Notification.recipient_id == user_id,
        Notification.channel == Channel.APP,
        Notification.read_at.is_(None),
    )
    if notification_id is not None:
        mine = session.scalar(
            select(Notification.id).where(
                Notification.id == notification_id,
                Notification.recipient_id == user_id,
                Notification.channel == Channel.APP,
            )
        )
        if mine is None:
            raise NotFound("no such notification, or not yours")
        stmt = stmt.where(Notification.id == notification_id)
    changed = session.scalars(stmt).all()
    for row in changed:
        row.read_at = now
    session.flush()
    return len(changed)


def phone_of(session: Session, *, actor: Actor) -> str:
    user_id = _require(actor)
    row = session.get(NotificationPhone, user_id)
    return row.phone if row is not None else ""


def set_phone(session: Session, *, actor: Actor, phone: str, now: datetime) -> str:
    """Set (or, with an empty ``phone``, clear) the actor's own text-message number; the
    number as stored. Audited without the number itself: which account changed is enough."""
    user_id = _require(actor)
    row = session.get(NotificationPhone, user_id)
    if not phone.strip():
        if row is not None:
            session.delete(row)
            session.flush()
            _audit_phone(session, actor, user_id, "cleared")
        return ""
    normalized = rules.normalize_phone(phone)
    if normalized is None:
        raise Invalid(
            "write a mobile number such as 555-555-0123, or +44 7700 900123 outside the US",
            field="phone",
        )
    if row is None:
        session.add(NotificationPhone(user_id=user_id, phone=normalized, updated_at=now))
    elif row.phone != normalized:
        row.phone, row.updated_at = normalized, now
    else:
        return normalized
    session.flush()
    _audit_phone(session, actor, user_id, "set")
    return normalized


def _audit_phone(session: Session, actor: Actor, user_id: uuid.UUID, change: str) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="user",
        entity_id=user_id,
        detail={"notification_phone": change},
    )


@dataclass(frozen=True)
class Problem:
    notification: Notification
    recipient: User


def delivery_problems(session: Session, *, actor: Actor, now: datetime) -> list[Problem]:
    """E-mails and text messages of the last two weeks that failed, or had no address or
    number to go to, newest first, for the director: people and reasons, nothing about the
    client. Channels switched off for the whole program are not listed."""
    if not access.DELIVERIES.allows(actor.role):
        raise Forbidden("only the director sees notification deliveries")
    since = now - timedelta(days=PROBLEMS_DAYS)
    stmt = (
        select(Notification, User)
        .join(User, User.id == Notification.recipient_id)
        .where(
            or_(
                Notification.status == DeliveryStatus.FAILED,
                and_(
                    Notification.status == DeliveryStatus.SKIPPED,
                    Notification.reason.in_(PERSONAL_SKIPS),
                ),
            ),
            Notification.created_at >= since,
        )
        .order_by(Notification.created_at.desc())
        .limit(200)
    )
    return [Problem(n, u) for n, u in session.execute(stmt)]
