"""A level change updates the week: release the bookings that no longer fit, propose new ones.

The continuum service calls ``after_level_change`` in the transaction that records a step
down or up, a track change, a referral out, a return or a discharge (``continuum.service``),
so the calendar never keeps a client stepped down to OP in 10 hours of IOP groups:

1. ``release_after_level_change`` cancels the client's seats and appointments from the
   change's first day on that no longer fit (``level_change_rules`` decides which), each
   audited with the transition that released it. Past days and bookings whose attendance
   was taken are never touched.
2. ``propose_replans`` runs the mid-week re-planner (``scheduling.replan``) for each
   published week from that day on and stores the result as a draft build that applies
   from the change's first day: the director reviews and publishes it like any build, on
   the schedule page. A week that cannot be re-planned (no solver result in the time
   allowed, the client missing from the week's export, a published week that no longer
   reads) gets a failed build whose error says why, so the director sees it rather than
   nothing. A client leaving the schedule (discharge, referral out, aftercare) needs no
   proposal: releasing their bookings is the whole change.

The re-planner runs within the caller's transaction, for a few seconds per week (it solves
only the component of sites the client is in); a build stored by a staff member who may not
schedule is stored by the system on their behalf, named so in the audit trail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from stepdown.attendance.models import AttendanceRecord
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.calendar import level_change_rules as rules
from stepdown.calendar import publish as calendar_publish
from stepdown.calendar.models import (
    Appointment,
    BookingStatus,
    BuildStatus,
    ScheduleBuild,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.calendar.rules import week_start
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.kit.clock import today as program_today
from stepdown.kit.errors import Conflict, NotFound
from stepdown.programs import export as programs_export
from stepdown.programs.models import GroupSession, Site, TimeBlock
from stepdown.scheduling import access as scheduling_access
from stepdown.scheduling import service as scheduling_service
from stepdown.scheduling.authorized import with_authorizations
from stepdown.scheduling.exchange import ExchangeError, Instance
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

METHOD: Final = "level change"
# Seconds the re-planner may take per week: it runs inside the request that records the
# change, and re-planning one client into a week takes about a second on the benchmarks.
REPLAN_SECONDS: Final = 5.0


@dataclass(frozen=True)
class Released:
    """What a level change took off the calendar, from ``first_day`` on."""

    first_day: date
    seats: list[SessionSeat]
    appointments: list[Appointment]

    @property
    def count(self) -> int:
        return len(self.seats) + len(self.appointments)


@dataclass(frozen=True)
class Proposal:
    """One week's re-plan: a draft build, or a failed one whose ``error`` says why not."""

    week_of: date
    build: ScheduleBuild


@dataclass(frozen=True)
class LevelChangeResult:
    released: Released
    proposals: list[Proposal]


def _client(session: Session, actor: Actor, client_id: uuid.UUID) -> Client:
    client = session.scalar(clients_repository.readable(actor).where(Client.id == client_id))
    if client is None:
        raise NotFound("no such client, or not one you may see")
    return client


def _bookings(
    session: Session, client_id: uuid.UUID, first_day: date
) -> tuple[list[rules.Booking], dict[uuid.UUID, SessionSeat], dict[uuid.UUID, Appointment]]:
    """The client's scheduled bookings from ``first_day`` on, as the rules see them."""
    seats: dict[uuid.UUID, SessionSeat] = {}
    bookings: list[rules.Booking] = []
    for seat, occurrence, kind, record_id in session.execute(
        select(SessionSeat, SessionOccurrence, TimeBlock.kind, AttendanceRecord.id)
        .join(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
        .outerjoin(GroupSession, GroupSession.id == SessionOccurrence.group_session_id)
        .outerjoin(TimeBlock, TimeBlock.id == GroupSession.time_block_id)
        .outerjoin(AttendanceRecord, AttendanceRecord.seat_id == SessionSeat.id)
        .where(
            SessionSeat.client_id == client_id,
            SessionSeat.status == BookingStatus.SCHEDULED,
            SessionOccurrence.status == BookingStatus.SCHEDULED,
            SessionOccurrence.day >= first_day,
        )
    ):
        seats[seat.id] = seat
        bookings.append(
            rules.Booking(
                ref=seat.id,
                day=occurrence.day,
                group=True,
                levels=tuple(occurrence.levels),
                track=rules.block_track(kind),
                recorded=record_id is not None,
            )
        )
    appointments: dict[uuid.UUID, Appointment] = {}
    for appointment, record_id in session.execute(
        select(Appointment, AttendanceRecord.id)
        .outerjoin(AttendanceRecord, AttendanceRecord.appointment_id == Appointment.id)
        .where(
            Appointment.client_id == client_id,
            Appointment.status == BookingStatus.SCHEDULED,
            Appointment.day >= first_day,
        )
    ):
        appointments[appointment.id] = appointment
        bookings.append(
            rules.Booking(
                ref=appointment.id,
                day=appointment.day,
                group=False,
                recorded=record_id is not None,
            )
        )
    return bookings, seats, appointments


def release_after_level_change(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    effective_on: date,
    placement: rules.Placement,
    today: date | None = None,
) -> Released:
    """Cancel the client's future bookings that do not fit ``placement`` (their care from
    ``effective_on``, the first day of the new level or the first day out of care); each
    release is audited with what replaced the booking's level."""
    client = _client(session, actor, client_id)
    first_day = rules.release_from(effective_on, today or program_today())
    bookings, seats, appointments = _bookings(session, client.id, first_day)
    released = rules.to_release(bookings, placement, first_day)
    gone_seats: list[SessionSeat] = []
    gone_appointments: list[Appointment] = []
    for booking in released:
        row: SessionSeat | Appointment
        if booking.group:
            row = seats[booking.ref]
            gone_seats.append(row)
        else:
            row = appointments[booking.ref]
            gone_appointments.append(row)
        row.status = BookingStatus.CANCELLED
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type="session_seat" if booking.group else "appointment",
            entity_id=booking.ref,
            client_id=client.id,
            detail={
                "status": BookingStatus.CANCELLED.value,
                "released_by": "level_change",
                "day": booking.day.isoformat(),
                "placement": placement.describe(),
                "effective_on": effective_on.isoformat(),
            },
        )
    session.flush()
    return Released(first_day, gone_seats, gone_appointments)


def _builder(actor: Actor) -> Actor:
    """Who stores the proposal: the actor if they may build weeks, else the system on their
    behalf (a clinician's decision proposes a week only the director publishes)."""
    if actor.role is Role.SYSTEM or scheduling_access.SCHEDULE.allows(actor.role):
        return actor
    return Actor.system(f"level-change re-plan for {actor.username}")


def _track_of_sessions(session: Session) -> dict[str, str | None]:
    """Exchange session id ("SITE-CODE") to the track of the block the group runs in."""
    return {
        f"{site_code}-{code}": rules.block_track(kind)
        for code, site_code, kind in session.execute(
            select(GroupSession.code, Site.code, TimeBlock.kind)
            .join(Site, Site.id == GroupSession.site_id)
            .outerjoin(TimeBlock, TimeBlock.id == GroupSession.time_block_id)
        )
    }


def _note(client: Client, first_day: date, placement: rules.Placement) -> dict[str, Any]:
    return {
        "client_id": str(client.id),
        "client": client.record_number,
        "from": first_day.isoformat(),
        "placement": placement.describe(),
    }


def _failed(
    session: Session,
    builder: Actor,
    *,
    week_of: date,
    applies_from: date,
    note: dict[str, Any],
    reason: str,
) -> ScheduleBuild:
    build = ScheduleBuild(
        week_of=week_of,
        status=BuildStatus.FAILED,
        applies_from=applies_from,
        time_limit=None,
        instance={},
        solution={},
        summary={"method": METHOD, "level_change": note},
        error=f"No re-plan for the level change could be proposed: {reason}"[:1000],
        built_by=builder.user_id,
    )
    session.add(build)
    session.flush()
    audit_service.record(
        session,
        actor=builder,
        action=AuditAction.CREATE,
        entity_type="schedule_build",
        entity_id=build.id,
        client_id=uuid.UUID(str(note["client_id"])),
        detail={"week_of": week_of.isoformat(), "method": METHOD, "status": "failed"},
    )
    return build


def _entering(
    session: Session,
    builder: Actor,
    client: Client,
    week_of: date,
    instance: Instance,
    applies_from: date,
) -> tuple[programs_export.WeekExport, str | None]:
    """The client's record in the live week (new level, current availability, and what the
    payer authorizes from ``applies_from``), or why not."""
    export = with_authorizations(
        session,
        programs_export.week_instance(session, actor=builder, week_of=week_of),
        applies_from=applies_from,
    )
    if not any(c.id == client.record_number for c in export.instance.clients):
        why = next(
            (
                line.partition(": ")[2]
                for line in export.skipped
                if line.startswith(f"{client.record_number}:")
            ),
            "they are not in care at a scheduled level that week",
        )
        return export, f"the client cannot be scheduled: {why}"
    record = next(c for c in export.instance.clients if c.id == client.record_number)
    if record.primary_therapist not in {p.id for p in instance.staff}:
        return export, "the client's therapist is not in the published week's staff"
    if record.site not in instance.sites:
        return export, "the client's site is not in the published week"
    return export, None


def _propose_week(
    session: Session,
    builder: Actor,
    client: Client,
    *,
    week_of: date,
    first_day: date,
    placement: rules.Placement,
    time_limit: float,
) -> ScheduleBuild:
    applies_from = rules.first_changed_day(week_of, first_day)
    note = _note(client, applies_from, placement)
    published = scheduling_service.published_build(session, week_of)
    assert published is not None  # the caller chose published weeks
    try:
        instance, solution = calendar_publish.parse_build(published)
    except Conflict as exc:
        return _failed(
            session, builder, week_of=week_of, applies_from=applies_from, note=note, reason=str(exc)
        )
    export, problem = _entering(session, builder, client, week_of, instance, applies_from)
    if problem is not None:
        return _failed(
            session, builder, week_of=week_of, applies_from=applies_from, note=note, reason=problem
        )
    record = next(c for c in export.instance.clients if c.id == client.record_number)
    tracks = _track_of_sessions(session)
    unfit = [
        s.id
        for s in instance.sessions
        if not rules.group_fits(s.levels, tracks.get(s.id), placement)
    ]
    from_day = rules.day_name(week_of, applies_from)
    # CP-SAT loads only when a week is re-planned (a second off every process's start-up).
    from stepdown.scheduling.replan import changed_instance, replan

    try:
        given = rules.replan_input(
            instance, solution, client=record, from_day=from_day, unfit_sessions=unfit
        )
        proposed = replan(
            given.instance,
            given.published,
            change=given.change,
            from_day=given.from_day,
            time_limit=time_limit,
        )
        week = changed_instance(given.instance, given.change, given.from_day)
    except (ExchangeError, ValueError) as exc:
        return _failed(
            session,
            builder,
            week_of=week_of,
            applies_from=applies_from,
            note=note,
            reason=str(exc).splitlines()[0],
        )
    programs_export.record_export(
        session,
        actor=builder,
        export=programs_export.WeekExport(week, [], [client.id]),
    )
    build = scheduling_service.save_build(
        session,
        actor=builder,
        instance=week,
        solution=proposed,
        skipped=[],
        method=METHOD,
        applies_from=applies_from,
    )
    build.summary = {**build.summary, "level_change": note}
    session.flush()
    return build


def propose_replans(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    first_day: date,
    placement: rules.Placement,
    time_limit: float = REPLAN_SECONDS,
) -> list[Proposal]:
    """A re-plan of every published week from ``first_day`` on for a client who stays in the
    scheduled program (none for one who leaves it): drafts for the director, or failed
    builds that say why no draft could be made."""
    client = _client(session, actor, client_id)
    if not placement.scheduled:
        return []
    weeks = rules.weeks_from(
        first_day,
        session.scalars(
            select(ScheduleBuild.week_of).where(
                ScheduleBuild.status == BuildStatus.PUBLISHED,
                ScheduleBuild.week_of > first_day - timedelta(days=7),
            )
        ),
    )
    builder = _builder(actor)
    return [
        Proposal(
            week_of,
            _propose_week(
                session,
                builder,
                client,
                week_of=week_of,
                first_day=first_day,
                placement=placement,
                time_limit=time_limit,
            ),
        )
        for week_of in weeks
    ]


def after_level_change(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    effective_on: date,
    placement: rules.Placement,
    today: date | None = None,
    time_limit: float = REPLAN_SECONDS,
) -> LevelChangeResult:
    """Both steps, in the caller's transaction: release, then propose."""
    released = release_after_level_change(
        session,
        actor=actor,
        client_id=client_id,
        effective_on=effective_on,
        placement=placement,
        today=today,
    )
    proposals = propose_replans(
        session,
        actor=actor,
        client_id=client_id,
        first_day=released.first_day,
        placement=placement,
        time_limit=time_limit,
    )
    return LevelChangeResult(released, proposals)


def proposals_for(
    session: Session, *, client_id: uuid.UUID, today: date | None = None
) -> list[ScheduleBuild]:
    """The level-change re-plans of this week or later still waiting for the director
    (drafts) or that could not be made (failed), for a client, newest first."""
    monday = week_start(today or program_today())
    builds = session.scalars(
        select(ScheduleBuild)
        .options(
            load_only(
                ScheduleBuild.week_of,
                ScheduleBuild.status,
                ScheduleBuild.applies_from,
                ScheduleBuild.summary,
                ScheduleBuild.error,
                ScheduleBuild.created_at,
            )
        )
        .where(
            ScheduleBuild.status.in_((BuildStatus.DRAFT, BuildStatus.FAILED)),
            ScheduleBuild.week_of >= monday,
        )
        .order_by(ScheduleBuild.created_at.desc())
    )
    return [
        b
        for b in builds
        if b.summary.get("method") == METHOD
        and b.summary.get("level_change", {}).get("client_id") == str(client_id)
    ]
