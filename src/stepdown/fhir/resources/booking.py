"""Appointment and Encounter, from a client's bookings and what attendance recorded.

A booking is a seat in a group session occurrence or an individual or family appointment;
its Appointment has the seat's or the appointment's id. A booking the client attended is
also an Encounter (the attendance record's id): the booked times as its period, the
minutes attendance credited as its length. Times are stored as the program's wall clock
("HH:MM" on a date) and converted with the program's zone, as the calendar does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.encounter import Encounter

from stepdown.attendance.models import AttendanceRecord, AttendanceStatus
from stepdown.attendance.rules import ABSENT, ATTENDED
from stepdown.calendar import rules as calendar_rules
from stepdown.calendar.models import (
    Appointment,
    AppointmentKind,
    BookingStatus,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.fhir import namespace as ns
from stepdown.fhir.resources.common import coding, concept, meta, patient, reference

SERVICE = {
    AppointmentKind.INDIVIDUAL: "Individual therapy",
    AppointmentKind.FAMILY: "Family therapy",
}


@dataclass(frozen=True)
class Booking:
    """The facts both resources need, whichever kind of booking it is."""

    id: uuid.UUID
    client_id: uuid.UUID
    day: date
    start: str
    end: str
    service: str
    telehealth: bool
    cancelled: bool
    attendance: AttendanceRecord | None

    @classmethod
    def of_seat(
        cls,
        seat: SessionSeat,
        occurrence: SessionOccurrence,
        attendance: AttendanceRecord | None,
    ) -> Booking:
        return cls(
            id=seat.id,
            client_id=seat.client_id,
            day=occurrence.day,
            start=occurrence.start,
            end=occurrence.end,
            service=f"Group session: {occurrence.topic}",
            telehealth=occurrence.telehealth,
            cancelled=BookingStatus.CANCELLED in (seat.status, occurrence.status),
            attendance=attendance,
        )

    @classmethod
    def of_appointment(
        cls, appointment: Appointment, attendance: AttendanceRecord | None
    ) -> Booking:
        return cls(
            id=appointment.id,
            client_id=appointment.client_id,
            day=appointment.day,
            start=appointment.start,
            end=appointment.end,
            service=SERVICE[appointment.kind],
            telehealth=False,
            cancelled=appointment.status is BookingStatus.CANCELLED,
            attendance=attendance,
        )

    @property
    def attended(self) -> bool:
        return self.attendance is not None and self.attendance.status in ATTENDED


def appointment(booking: Booking, *, zone: ZoneInfo) -> FhirAppointment:
    return FhirAppointment(
        id=str(booking.id),
        meta=meta(),
        status=_status(booking),
        serviceType=[concept(booking.service)],
        start=calendar_rules.to_utc(booking.day, booking.start, zone),
        end=calendar_rules.to_utc(booking.day, booking.end, zone),
        minutesDuration=calendar_rules.minutes_between(booking.start, booking.end) or None,
        # The program books the client; the booking stands as theirs until cancelled.
        participant=[
            {"actor": patient(booking.client_id), "required": "required", "status": "accepted"}
        ],
    )


def _status(booking: Booking) -> str:
    if booking.cancelled:
        return "cancelled"
    if booking.attendance is None:
        return "booked"
    if booking.attendance.status in ABSENT:
        return "noshow"
    return "fulfilled"


def encounter(
    booking: Booking, *, episode_id: uuid.UUID | None, zone: ZoneInfo
) -> Encounter | None:
    """The visit, if the client attended (None for a booking not attended)."""
    record = booking.attendance
    if record is None or not booking.attended:
        return None
    virtual = booking.telehealth or record.status is AttendanceStatus.TELEHEALTH
    return Encounter(
        id=str(record.id),
        meta=meta(),
        status="finished",
        class_fhir=(
            coding(ns.V3_ACT_CODE, "VR", "virtual")
            if virtual
            else coding(ns.V3_ACT_CODE, "AMB", "ambulatory")
        ),
        type=[concept(booking.service)],
        subject=patient(booking.client_id),
        episodeOfCare=[reference("EpisodeOfCare", episode_id)] if episode_id else None,
        appointment=[reference("Appointment", booking.id)],
        period={
            "start": calendar_rules.to_utc(booking.day, booking.start, zone),
            "end": calendar_rules.to_utc(booking.day, booking.end, zone),
        },
        length={
            "value": record.credited_minutes,
            "unit": "min",
            "system": ns.UCUM,
            "code": "min",
        },
    )
