"""A minor's guardian with their own portal access, where the program's rule allows it.

42 CFR 2.14: where state law requires a guardian's consent for a minor's SUD treatment,
the guardian signs with the minor (``MinorConsentRule.MINOR_AND_GUARDIAN``); the director
may then let guardians have their own portal account (``ConsentSettings``). Where minors
consent alone, a parent has no access without the minor's consent, so no account either.

Even then a guardian is someone outside the program: what they see of the minor's week is
a disclosure to them, screened by the gate against the minor's consents (purpose: family
involvement) and recorded, so it appears in the minor's accounting. The access ends by
itself when the rule changes, the contact is removed, or the client turns 18.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.attendance.models import AttendanceRecord, AttendanceStatus
from stepdown.calendar import repository as calendar_repository
from stepdown.calendar.models import (
    AppointmentKind,
    BookingStatus,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.clients.models import Client
from stepdown.consents import rules
from stepdown.consents import settings as consent_settings
from stepdown.consents.models import ClientContact, InformationClass, MinorConsentRule, Purpose
from stepdown.disclosures import gate
from stepdown.disclosures.models import Channel
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

SHOWN = frozenset({InformationClass.ATTENDANCE})
DAYS = 14  # the guardian sees two weeks back and two weeks ahead


def refusal(session: Session, *, contact: ClientContact, client: Client, on: date) -> str | None:
    """Why this contact may not have guardian portal access today, or None if they may."""
    if contact.removed_at is not None or not contact.is_legal_guardian:
        return "only a client's legal guardian may have guardian portal access"
    return rule_refusal(session, client=client, on=on)


def rule_refusal(session: Session, *, client: Client, on: date) -> str | None:
    """Why the program's rule gives this client's guardians no portal access, or None."""
    settings = consent_settings.current(session)
    if settings.minor_rule is not MinorConsentRule.MINOR_AND_GUARDIAN:
        return (
            "minors consent alone under the program's rule, so a parent has no portal "
            "access of their own (42 CFR 2.14)"
        )
    if not settings.guardian_portal_access:
        return "the program's rule gives guardians no portal access"
    if not rules.is_minor(client.date_of_birth, on):
        return "the client is an adult: a guardian's access ends at 18"
    return None


@dataclass(frozen=True)
class Booking:
    day: date
    start: str  # wall-clock "HH:MM" in the program's time zone
    end: str
    what: str
    cancelled: bool


@dataclass(frozen=True)
class Attended:
    day: date
    status: AttendanceStatus


@dataclass(frozen=True)
class FamilyView:
    """One minor as their guardian sees them."""

    name: str
    ended: str | None  # why access has ended, when it has
    withheld: dict[InformationClass, str]
    upcoming: list[Booking]
    attended: list[Attended]


def family(session: Session, *, actor: Actor, today: date) -> list[FamilyView]:
    """Each minor this guardian's account is linked to, screened by the gate."""
    if actor.role is not Role.GUARDIAN or actor.user_id is None:
        return []
    contacts = session.scalars(
        select(ClientContact)
        .where(ClientContact.portal_user_id == actor.user_id)
        .order_by(ClientContact.name)
    ).all()
    views = []
    for contact in contacts:
        client = session.get(Client, contact.client_id)
        if client is None:
            continue
        name = client.preferred_name or client.legal_first_name
        ended = refusal(session, contact=contact, client=client, on=today)
        if ended:
            views.append(FamilyView(name, ended, {}, [], []))
            continue
        screening = gate.screen(
            session,
            actor=actor,
            client_id=client.id,
            audience=gate.Audience.RECIPIENT,
            recipient_id=contact.recipient_id,
            purpose=Purpose.FAMILY_INVOLVEMENT,
            classes=SHOWN,
            channel=Channel.GUARDIAN_PORTAL,
            description=f"guardian portal: the schedule around {today.isoformat()}",
        )
        shown = InformationClass.ATTENDANCE in screening.allowed
        views.append(
            FamilyView(
                name,
                None,
                screening.withheld,
                _upcoming(session, client.id, today) if shown else [],
                _attended(session, client.id, today) if shown else [],
            )
        )
    return views


def _upcoming(session: Session, client_id: uuid.UUID, today: date) -> list[Booking]:
    end = today + timedelta(days=DAYS)
    groups = session.execute(
        select(SessionOccurrence, SessionSeat.status)
        .join(SessionSeat, SessionSeat.occurrence_id == SessionOccurrence.id)
        .where(
            SessionSeat.client_id == client_id,
            SessionOccurrence.day >= today,
            SessionOccurrence.day < end,
        )
    ).all()
    found = [
        Booking(
            o.day,
            o.start,
            o.end,
            "Group session",
            BookingStatus.CANCELLED in (status, o.status),
        )
        for o, status in groups
    ]
    found += [
        Booking(
            a.day,
            a.start,
            a.end,
            "Family session" if a.kind is AppointmentKind.FAMILY else "Appointment",
            a.status is BookingStatus.CANCELLED,
        )
        for a in session.scalars(calendar_repository.appointments(today, end, client_id=client_id))
    ]
    return sorted(found, key=lambda b: (b.day, b.start))


def _attended(session: Session, client_id: uuid.UUID, today: date) -> list[Attended]:
    rows = session.execute(
        select(AttendanceRecord.day, AttendanceRecord.status)
        .where(
            AttendanceRecord.client_id == client_id,
            AttendanceRecord.day >= today - timedelta(days=DAYS),
            AttendanceRecord.day <= today,
        )
        .order_by(AttendanceRecord.day.desc())
    ).all()
    return [Attended(day, status) for day, status in rows]
