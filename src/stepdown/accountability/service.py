"""Gathering a client's accountability summary from the domains that hold the evidence.

``gather`` reads each section through its domain's service (each of which checks the actor
and audits its own read), turns the results into this package's plain dataclasses, and
records one read of the summary itself with its range. It returns no ORM objects, so the
printable page, the JSON API and the level-of-care review engine (issue 7) can share it.

Attendance is the exception: the attendance service offers weekly figures counted back from
today (``client_weeks``) but nothing for an arbitrary range or per-booking statuses, so the
client's attendance records in the range are read here, after the client was read through
``clients.service.get_client`` (which scopes by ``readable``), and covered by the summary's
own audit entry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.accountability import access, rules
from stepdown.assessments import service as assessments_service
from stepdown.attendance.models import AttendanceRecord
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.checkins import service as checkins_service
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.drug_testing import service as drug_testing_service
from stepdown.drug_testing.models import Analyte
from stepdown.kit.clock import local
from stepdown.kit.clock import today as program_today
from stepdown.kit.errors import Forbidden
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from stepdown.treatment_plans import service as treatment_plans_service


@dataclass(frozen=True)
class AccountabilitySummary:
    client_id: uuid.UUID
    client_name: str
    record_number: str
    start: date
    end: date
    attendance: rules.AttendanceRate
    weeks: list[rules.WeekHours]
    testing: rules.Testing
    objectives: rules.Objectives
    checkins: rules.CheckinTrend
    instruments: list[rules.InstrumentLine]
    points: list[str]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _require(actor: Actor) -> None:
    if actor.role is not Role.SYSTEM and not access.READ.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {access.READ.description}")


def _bookings(session: Session, client: Client, start: date, end: date) -> list[rules.Booking]:
    stmt = select(
        AttendanceRecord.day,
        AttendanceRecord.status,
        AttendanceRecord.credited_minutes,
        AttendanceRecord.scheduled_minutes,
    ).where(
        AttendanceRecord.client_id == client.id,
        AttendanceRecord.day >= start,
        AttendanceRecord.day <= end,
    )
    return [rules.Booking(*row) for row in session.execute(stmt)]


def _levels(session: Session, actor: Actor, client: Client) -> list[rules.LevelPeriod]:
    catalog = {level.id: level for level in continuum_service.catalog(session)}
    periods = []
    for view in continuum_service.client_episodes(session, actor=actor, client=client):
        for segment in view.segments:
            level = catalog[segment.level_id]
            periods.append(
                rules.LevelPeriod(
                    code=level.code,
                    name=level.name,
                    weekly_hours_min=level.weekly_hours_min,
                    in_house=level.provided_in_house,
                    starts_on=segment.starts_on,
                    ends_on=segment.ends_on,
                )
            )
    return periods


def _labels(counts: dict[Analyte, int]) -> dict[str, int]:
    return {analyte.label: n for analyte, n in counts.items()}


def _testing(
    session: Session, actor: Actor, client: Client, start: date, end: date
) -> rules.Testing:
    period = drug_testing_service.period_testing(
        session, actor=actor, client_id=client.id, start=start, end=end
    )
    found, specimens = period.summary, period.specimens
    return rules.Testing(
        ordered=found.ordered,
        collected=found.collected,
        refused=found.refused,
        missed=found.missed,
        pending=found.pending,
        confirmations_pending=found.confirmations_pending,
        unexpected_positives=_labels(found.unexpected_positives),
        expected_positives=_labels(found.expected_positives),
        expected_missing=_labels(found.expected_positives_missing),
        resulted_specimens=specimens.resulted,
        unexpected_positive_specimens=specimens.unexpected_positive,
        confirmed_positive_specimens=specimens.confirmed_positive,
        recollect_specimens=specimens.recollect,
    )


def _objectives(
    session: Session, actor: Actor, client: Client, start: date, end: date
) -> rules.Objectives:
    found = treatment_plans_service.objectives_summary(
        session, actor=actor, client_id=client.id, start=start, end=end
    )

    def line(o: treatment_plans_service.ClientObjective) -> rules.ObjectiveLine:
        return rules.ObjectiveLine(o.statement, o.target_date, o.status.label)

    return rules.Objectives(
        met=[line(o) for o in found.met], in_progress=[line(o) for o in found.in_progress]
    )


def _checkins(
    session: Session, actor: Actor, client: Client, start: date, end: date
) -> rules.CheckinTrend:
    rows = checkins_service.history(session, actor=actor, client_id=client.id, since=start)
    entries = (rules.CheckinEntry(c.day, c.craving, c.used_since_last) for c in rows)
    return rules.checkin_trend(start, end, entries)


def _instruments(
    session: Session, actor: Actor, client: Client, start: date, end: date
) -> list[rules.InstrumentLine]:
    responses = assessments_service.list_responses(session, actor=actor, client=client)
    scores = (
        rules.Score(
            code=r.instrument,
            name=assessments_service.instrument(r.instrument).name,
            on=local(r.administered_at).date(),  # the program's day, as the range is
            total=r.total,
            band=r.band,
        )
        for r in responses
        if not r.entered_in_error
    )
    return rules.instrument_lines(start, end, scores)


def gather(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    start: date,
    end: date,
) -> AccountabilitySummary:
    """Everything a review of ``[start, end]`` (both included) looks at, for a client the
    actor may read; another caseload's client is 404, as everywhere."""
    _require(actor)
    today = program_today()
    rules.check_range(start, end, today=today)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    bookings = _bookings(session, client, start, end)
    attendance = rules.attendance_rate(b.status for b in bookings)
    weeks = rules.week_hours(
        start=start,
        end=end,
        today=today,
        levels=_levels(session, actor, client),
        bookings=bookings,
    )
    testing = _testing(session, actor, client, start, end)
    objectives = _objectives(session, actor, client, start, end)
    checkins = _checkins(session, actor, client, start, end)
    instruments = _instruments(session, actor, client, start, end)
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.READ,
        entity_type="accountability_summary",
        entity_id=client.id,
        client_id=client.id,
        detail={"start": start.isoformat(), "end": end.isoformat()},
    )
    return AccountabilitySummary(
        client_id=client.id,
        client_name=client.display_name,
        record_number=client.record_number,
        start=start,
        end=end,
        attendance=attendance,
        weeks=weeks,
        testing=testing,
        objectives=objectives,
        checkins=checkins,
        instruments=instruments,
        points=rules.review_points(
            end=end,
            attendance=attendance,
            weeks=weeks,
            testing=testing,
            objectives=objectives,
            checkins=checkins,
            instruments=instruments,
        ),
    )
