"""Billing's reads: what was delivered in a week, and the facts a claim carries.

Minimum necessary (45 CFR 164.502(b)): these queries select the columns billing needs (a
note's status and times, never its text; which drug classes a lab reported, never a
result), so billing staff see codes and reasons, nothing clinical beyond them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, and_, or_, select

from stepdown.attendance.models import AttendanceRecord, AttendanceStatus
from stepdown.authorizations.models import Authorization
from stepdown.authorizations.rules import USABLE
from stepdown.billing.models import ChargeLine, PayerBilling, PayerContract
from stepdown.billing.rules import LineStatus
from stepdown.calendar.models import (
    Appointment,
    AppointmentKind,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.clinical_notes.models import ClinicalNote, NoteStatus, ServiceType
from stepdown.continuum.models import Episode, LevelOfCare, Segment
from stepdown.coverage.models import Coverage
from stepdown.diagnoses.models import Diagnosis, PrincipalPeriod
from stepdown.drug_testing.models import Analyte, AnalyteResult, Method, TestCollection
from stepdown.group_notes.models import GroupNote, GroupNoteMember
from stepdown.group_notes.models import NoteStatus as GroupNoteStatus
from stepdown.kit.clock import day_start

ATTENDED = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.LATE,
    AttendanceStatus.LEFT_EARLY,
    AttendanceStatus.TELEHEALTH,
)


def attended(
    start: date, end: date
) -> Select[
    uuid.UUID,
    uuid.UUID,
    date,
    int,
    uuid.UUID | None,
    uuid.UUID | None,
    str | None,
    AppointmentKind | None,
]:
    """Attended seats and appointments with credited minutes, ``start`` to ``end`` (end
    excluded), with the session's code or the appointment's kind."""
    return (
        select(
            AttendanceRecord.id,
            AttendanceRecord.client_id,
            AttendanceRecord.day,
            AttendanceRecord.credited_minutes,
            AttendanceRecord.appointment_id,
            SessionOccurrence.id,
            SessionOccurrence.code,
            Appointment.kind,
        )
        .outerjoin(SessionSeat, SessionSeat.id == AttendanceRecord.seat_id)
        .outerjoin(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
        .outerjoin(Appointment, Appointment.id == AttendanceRecord.appointment_id)
        .where(
            AttendanceRecord.day >= start,
            AttendanceRecord.day < end,
            AttendanceRecord.status.in_(ATTENDED),
            AttendanceRecord.credited_minutes > 0,
        )
        .order_by(AttendanceRecord.day, AttendanceRecord.id)
    )


def group_notes(
    occurrence_ids: Sequence[uuid.UUID],
) -> Select[uuid.UUID, GroupNoteStatus, uuid.UUID]:
    """Each group note's status and the clients it documents."""
    return (
        select(GroupNote.occurrence_id, GroupNote.status, GroupNoteMember.client_id)
        .join(GroupNoteMember, GroupNoteMember.note_id == GroupNote.id)
        .where(GroupNote.occurrence_id.in_(occurrence_ids))
    )


def notes(
    start: date, end: date
) -> Select[
    uuid.UUID,
    uuid.UUID,
    ServiceType,
    NoteStatus,
    date,
    datetime,
    datetime,
    uuid.UUID | None,
    uuid.UUID | None,
]:
    """Progress notes' status, kind and documented times (not their text)."""
    return select(
        ClinicalNote.id,
        ClinicalNote.client_id,
        ClinicalNote.service_type,
        ClinicalNote.status,
        ClinicalNote.service_date,
        ClinicalNote.starts_at,
        ClinicalNote.ends_at,
        ClinicalNote.appointment_id,
        ClinicalNote.attendance_record_id,
    ).where(ClinicalNote.service_date >= start, ClinicalNote.service_date < end)


def drug_tests(start: date, end: date) -> Select[uuid.UUID, uuid.UUID, datetime, Analyte, Method]:
    """Which analytes were reported by which method for each specimen (not the results)."""
    return (
        select(
            TestCollection.id,
            TestCollection.client_id,
            TestCollection.collected_at,
            AnalyteResult.analyte,
            AnalyteResult.method,
        )
        .join(AnalyteResult, AnalyteResult.collection_id == TestCollection.id)
        .where(
            TestCollection.collected_at >= day_start(start),
            TestCollection.collected_at < day_start(end),
        )
    )


def segments(
    client_ids: Sequence[uuid.UUID], start: date, end: date
) -> Select[Segment, uuid.UUID, str]:
    return (
        select(Segment, Episode.client_id, LevelOfCare.code)
        .join(Episode, Episode.id == Segment.episode_id)
        .join(LevelOfCare, LevelOfCare.id == Segment.level_id)
        .where(
            Episode.client_id.in_(client_ids),
            Segment.starts_on < end,
            or_(Segment.ends_on.is_(None), Segment.ends_on > start),
        )
    )


def coverages(client_ids: Sequence[uuid.UUID]) -> Select[Coverage]:
    return select(Coverage).where(Coverage.client_id.in_(client_ids))


def contracts() -> Select[PayerContract]:
    return select(PayerContract).order_by(PayerContract.effective_from)


def payer_setups() -> Select[PayerBilling]:
    return select(PayerBilling)


def authorizations(client_ids: Sequence[uuid.UUID]) -> Select[Authorization]:
    return (
        select(Authorization)
        .where(Authorization.client_id.in_(client_ids), Authorization.status.in_(USABLE))
        .order_by(Authorization.starts_on)
    )


def diagnoses(episode_ids: Sequence[uuid.UUID]) -> Select[Diagnosis]:
    return select(Diagnosis).where(Diagnosis.episode_id.in_(episode_ids))


def principal_periods(episode_ids: Sequence[uuid.UUID]) -> Select[PrincipalPeriod]:
    return select(PrincipalPeriod).where(PrincipalPeriod.episode_id.in_(episode_ids))


SENT = (LineStatus.RELEASED, LineStatus.BILLED)


def sent_days(week_of: date) -> Select[uuid.UUID, date]:
    """The week's client-days with a released or billed line: a recompute leaves them."""
    return (
        select(ChargeLine.client_id, ChargeLine.service_date)
        .where(ChargeLine.week_of == week_of, ChargeLine.status.in_(SENT))
        .distinct()
    )


def used_before(client_ids: Sequence[uuid.UUID], week_of: date) -> Select[ChargeLine]:
    """Earlier weeks' lines that used an authorization (ready, released or billed)."""
    return select(ChargeLine).where(
        and_(
            ChargeLine.client_id.in_(client_ids),
            ChargeLine.week_of < week_of,
            ChargeLine.authorization_id.is_not(None),
            ChargeLine.status.in_((LineStatus.READY, *SENT)),
        )
    )
