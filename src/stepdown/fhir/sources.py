"""Where each kind of resource comes from: the query that finds whose a row is, and the
queries that load a client's rows (all of them, or one) and hand them to the builders.

Nothing here checks who is asking: ``service`` has already decided that the caller may
see the client (``clients.repository.readable``) and read the kind, and the gate has
screened it. Each kind loads in a fixed, small number of queries however many rows the
client has.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, TypeVarTuple
from zoneinfo import ZoneInfo

from fhir.resources.R4B.domainresource import DomainResource
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from stepdown.assessments.models import InstrumentResponse
from stepdown.attendance.models import AttendanceRecord
from stepdown.attendance.rules import ATTENDED
from stepdown.calendar.models import Appointment, SessionOccurrence, SessionSeat
from stepdown.clients.models import Client
from stepdown.consents import repository as consents_repository
from stepdown.consents.models import Consent, ConsentRecipient
from stepdown.continuum.models import Episode, LevelOfCare, Segment
from stepdown.coverage.models import Coverage, Payer, PayerPlan
from stepdown.diagnoses.models import Diagnosis
from stepdown.disclosures.models import DisclosureRecipient
from stepdown.drug_testing.models import AnalyteResult, TestCollection
from stepdown.fhir import kinds
from stepdown.fhir.kinds import Kind
from stepdown.fhir.namespace import Namespace
from stepdown.fhir.resources import (
    assessment,
    booking,
    careplan,
    condition,
    consent,
    coverage,
    drug_test,
    episode,
    medication,
    patient,
)
from stepdown.fhir.resources.booking import Booking
from stepdown.medications.models import Medication
from stepdown.treatment_plans.models import (
    Goal,
    Intervention,
    Objective,
    Problem,
    TreatmentPlan,
)

Row = TypeVar("Row")
Columns = TypeVarTuple("Columns")


@dataclass(frozen=True)
class Env:
    """What the builders need besides the rows: this server's URLs, the program's clock."""

    names: Namespace
    zone: ZoneInfo
    today: date


Owner = Callable[[Session, uuid.UUID], uuid.UUID | None]
Loader = Callable[[Session, uuid.UUID, uuid.UUID | None, Env], Sequence[DomainResource]]


@dataclass(frozen=True)
class Source:
    owner: Owner  # the client a row belongs to (None: no such row)
    load: Loader  # a client's resources of the kind, or only the one with the given id


def _only(
    stmt: Select[*Columns],
    column: InstrumentedAttribute[uuid.UUID],
    row_id: uuid.UUID | None,
) -> Select[*Columns]:
    """The statement narrowed to one row when an id is given (a read), else unchanged."""
    return stmt if row_id is None else stmt.where(column == row_id)


def _grouped(rows: Sequence[Row], key: Callable[[Row], uuid.UUID]) -> dict[uuid.UUID, list[Row]]:
    found: dict[uuid.UUID, list[Row]] = defaultdict(list)
    for row in rows:
        found[key(row)].append(row)
    return found


def _owner_by(
    column: InstrumentedAttribute[uuid.UUID] | InstrumentedAttribute[uuid.UUID | None],
    key: InstrumentedAttribute[uuid.UUID],
    *joins: tuple[Any, ColumnElement[bool]],
) -> Owner:
    """The owner query of a kind: ``column`` (a client id) of the row whose ``key`` is the
    id asked for, through ``joins`` when the client id is on a parent row."""

    def owner(session: Session, row_id: uuid.UUID) -> uuid.UUID | None:
        stmt = select(column)
        for target, on in joins:
            stmt = stmt.join(target, on)
        found: uuid.UUID | None = session.scalar(stmt.where(key == row_id).limit(1))
        return found

    return owner


def _patients(
    session: Session, client_id: uuid.UUID, _: uuid.UUID | None, env: Env
) -> list[DomainResource]:
    client = session.get(Client, client_id)
    return [patient.build(client, names=env.names)] if client else []


def _episodes(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None, env: Env
) -> list[DomainResource]:
    stmt = select(Episode).where(Episode.client_id == client_id).order_by(Episode.admitted_on)
    episodes = session.scalars(_only(stmt, Episode.id, row_id)).all()
    segments = session.scalars(
        select(Segment).where(Segment.episode_id.in_([e.id for e in episodes]))
    ).all()
    levels = {
        level.id: level
        for level in session.scalars(
            select(LevelOfCare).where(LevelOfCare.id.in_({s.level_id for s in segments}))
        )
    }
    by_episode = _grouped(segments, lambda s: s.episode_id)
    return [episode.build(e, by_episode[e.id], levels, names=env.names) for e in episodes]


def _attendance(
    session: Session, column: InstrumentedAttribute[uuid.UUID | None], ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, AttendanceRecord]:
    records = session.scalars(select(AttendanceRecord).where(column.in_(ids))).all()
    return {getattr(r, column.key): r for r in records}


def _seat_bookings(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None
) -> list[Booking]:
    stmt = (
        select(SessionSeat, SessionOccurrence)
        .join(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
        .where(SessionSeat.client_id == client_id)
    )
    rows = session.execute(_only(stmt, SessionSeat.id, row_id)).all()
    records = _attendance(session, AttendanceRecord.seat_id, [seat.id for seat, _ in rows])
    return [Booking.of_seat(seat, found, records.get(seat.id)) for seat, found in rows]


def _appointment_bookings(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None
) -> list[Booking]:
    stmt = select(Appointment).where(Appointment.client_id == client_id)
    appointments = session.scalars(_only(stmt, Appointment.id, row_id)).all()
    records = _attendance(session, AttendanceRecord.appointment_id, [a.id for a in appointments])
    return [Booking.of_appointment(a, records.get(a.id)) for a in appointments]


def _appointments(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None, env: Env
) -> list[DomainResource]:
    bookings = _seat_bookings(session, client_id, row_id) + _appointment_bookings(
        session, client_id, row_id
    )
    bookings.sort(key=lambda b: (b.day, b.start))
    return [booking.appointment(b, zone=env.zone) for b in bookings]


def _appointment_owner(session: Session, row_id: uuid.UUID) -> uuid.UUID | None:
    found: uuid.UUID | None = session.scalar(
        select(Appointment.client_id).where(Appointment.id == row_id)
    ) or session.scalar(select(SessionSeat.client_id).where(SessionSeat.id == row_id))
    return found


def _encounters(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None, env: Env
) -> list[DomainResource]:
    stmt = (
        select(AttendanceRecord)
        .where(AttendanceRecord.client_id == client_id, AttendanceRecord.status.in_(ATTENDED))
        .order_by(AttendanceRecord.day)
    )
    records = session.scalars(_only(stmt, AttendanceRecord.id, row_id)).all()
    seats = {
        seat.id: (seat, found)
        for seat, found in session.execute(
            select(SessionSeat, SessionOccurrence)
            .join(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
            .where(SessionSeat.id.in_([r.seat_id for r in records if r.seat_id]))
        )
    }
    appointments = {
        a.id: a
        for a in session.scalars(
            select(Appointment).where(
                Appointment.id.in_([r.appointment_id for r in records if r.appointment_id])
            )
        )
    }
    episodes = session.scalars(select(Episode).where(Episode.client_id == client_id)).all()
    found: list[DomainResource] = []
    for record in records:
        if record.seat_id is not None:
            visit = Booking.of_seat(*seats[record.seat_id], record)
        else:
            assert record.appointment_id is not None  # the one_booking check constraint
            visit = Booking.of_appointment(appointments[record.appointment_id], record)
        built = booking.encounter(
            visit, episode_id=_episode_on(episodes, record.day), zone=env.zone
        )
        if built is not None:
            found.append(built)
    return found


def _encounter_owner(session: Session, row_id: uuid.UUID) -> uuid.UUID | None:
    """Only an attended booking is an encounter."""
    found: uuid.UUID | None = session.scalar(
        select(AttendanceRecord.client_id).where(
            AttendanceRecord.id == row_id, AttendanceRecord.status.in_(ATTENDED)
        )
    )
    return found


def _episode_on(episodes: Sequence[Episode], day: date) -> uuid.UUID | None:
    return next(
        (
            e.id
            for e in episodes
            if e.admitted_on <= day and (e.discharged_on is None or day <= e.discharged_on)
        ),
        None,
    )


def _care_plans(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None, env: Env
) -> list[DomainResource]:
    stmt = (
        select(TreatmentPlan)
        .where(TreatmentPlan.client_id == client_id)
        .order_by(TreatmentPlan.created_at, TreatmentPlan.version)
    )
    plans = session.scalars(_only(stmt, TreatmentPlan.id, row_id)).all()
    ids = [p.id for p in plans]
    problems = _grouped(
        session.scalars(select(Problem).where(Problem.plan_id.in_(ids))).all(), lambda r: r.plan_id
    )
    goals = _grouped(
        session.scalars(select(Goal).where(Goal.plan_id.in_(ids))).all(), lambda r: r.plan_id
    )
    interventions = _grouped(
        session.scalars(select(Intervention).where(Intervention.plan_id.in_(ids))).all(),
        lambda r: r.plan_id,
    )
    return [
        careplan.care_plan(
            p, problems=problems[p.id], goals=goals[p.id], interventions=interventions[p.id]
        )
        for p in plans
    ]


def _goals(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None, env: Env
) -> list[DomainResource]:
    stmt = (
        select(Goal, TreatmentPlan)
        .join(TreatmentPlan, TreatmentPlan.id == Goal.plan_id)
        .where(TreatmentPlan.client_id == client_id)
        .order_by(TreatmentPlan.created_at, Goal.position)
    )
    rows = session.execute(_only(stmt, Goal.id, row_id)).all()
    problems = {
        p.id: p
        for p in session.scalars(
            select(Problem).where(Problem.id.in_({goal.problem_id for goal, _ in rows}))
        )
    }
    objectives = _grouped(
        session.scalars(
            select(Objective).where(Objective.goal_id.in_([goal.id for goal, _ in rows]))
        ).all(),
        lambda o: o.goal_id,
    )
    return [
        careplan.goal(goal, plan=plan, problems=problems, objectives=objectives[goal.id])
        for goal, plan in rows
    ]


def _conditions(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None, env: Env
) -> list[DomainResource]:
    stmt = (
        select(Diagnosis)
        .where(Diagnosis.client_id == client_id)
        .order_by(Diagnosis.diagnosed_on, Diagnosis.code)
    )
    return [condition.build(d) for d in session.scalars(_only(stmt, Diagnosis.id, row_id))]


def _medications(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None, env: Env
) -> list[DomainResource]:
    stmt = (
        select(Medication)
        .where(Medication.client_id == client_id)
        .order_by(Medication.starts_on, Medication.name)
    )
    return [
        medication.build(m, today=env.today)
        for m in session.scalars(_only(stmt, Medication.id, row_id))
    ]


def _responses(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None
) -> Sequence[InstrumentResponse]:
    stmt = (
        select(InstrumentResponse)
        .where(InstrumentResponse.client_id == client_id)
        .order_by(InstrumentResponse.administered_at)
    )
    return session.scalars(_only(stmt, InstrumentResponse.id, row_id)).all()


def _surveys(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None, env: Env
) -> list[DomainResource]:
    return [
        assessment.observation(r, names=env.names) for r in _responses(session, client_id, row_id)
    ]


def _questionnaire_responses(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None, env: Env
) -> list[DomainResource]:
    return [
        assessment.questionnaire_response(r, names=env.names)
        for r in _responses(session, client_id, row_id)
    ]


def _drug_tests(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None, env: Env
) -> list[DomainResource]:
    stmt = (
        select(AnalyteResult, TestCollection)
        .join(TestCollection, TestCollection.id == AnalyteResult.collection_id)
        .where(TestCollection.client_id == client_id)
        .order_by(TestCollection.collected_at, AnalyteResult.analyte, AnalyteResult.method)
    )
    rows = session.execute(_only(stmt, AnalyteResult.id, row_id)).all()
    return [drug_test.build(result, found, names=env.names) for result, found in rows]


def _coverages(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None, env: Env
) -> list[DomainResource]:
    stmt = select(Coverage).where(Coverage.client_id == client_id).order_by(Coverage.rank)
    coverages = session.scalars(_only(stmt, Coverage.id, row_id)).all()
    payers: Mapping[uuid.UUID, Payer] = {
        p.id: p
        for p in session.scalars(
            select(Payer).where(Payer.id.in_({c.payer_id for c in coverages if c.payer_id}))
        )
    }
    plans: Mapping[uuid.UUID, PayerPlan] = {
        p.id: p
        for p in session.scalars(
            select(PayerPlan).where(PayerPlan.id.in_({c.plan_id for c in coverages if c.plan_id}))
        )
    }
    return [
        coverage.build(
            c,
            payer=payers.get(c.payer_id) if c.payer_id else None,
            plan=plans.get(c.plan_id) if c.plan_id else None,
            today=env.today,
        )
        for c in coverages
    ]


def _consents(
    session: Session, client_id: uuid.UUID, row_id: uuid.UUID | None, env: Env
) -> list[DomainResource]:
    stmt = select(Consent).where(Consent.client_id == client_id).order_by(Consent.signed_at)
    consents = session.scalars(_only(stmt, Consent.id, row_id)).all()
    facts = {f.id: f for f in consents_repository.consent_facts(session, client_id)}
    named = _grouped(
        session.execute(
            select(ConsentRecipient.consent_id, DisclosureRecipient)
            .join(DisclosureRecipient, DisclosureRecipient.id == ConsentRecipient.recipient_id)
            .where(ConsentRecipient.consent_id.in_([c.id for c in consents]))
            .order_by(DisclosureRecipient.name)
        ).all(),
        lambda row: row[0],
    )
    return [
        consent.build(
            c,
            facts=facts[c.id],
            recipients=[recipient for _, recipient in named[c.id]],
            names=env.names,
            today=env.today,
        )
        for c in consents
    ]


SOURCES: Mapping[Kind, Source] = {
    kinds.PATIENT: Source(_owner_by(Client.id, Client.id), _patients),
    kinds.EPISODE: Source(_owner_by(Episode.client_id, Episode.id), _episodes),
    kinds.ENCOUNTER: Source(_encounter_owner, _encounters),
    kinds.APPOINTMENT: Source(_appointment_owner, _appointments),
    kinds.CARE_PLAN: Source(_owner_by(TreatmentPlan.client_id, TreatmentPlan.id), _care_plans),
    kinds.GOAL: Source(
        _owner_by(TreatmentPlan.client_id, Goal.id, (Goal, Goal.plan_id == TreatmentPlan.id)),
        _goals,
    ),
    kinds.CONDITION: Source(_owner_by(Diagnosis.client_id, Diagnosis.id), _conditions),
    kinds.MEDICATION: Source(_owner_by(Medication.client_id, Medication.id), _medications),
    kinds.SURVEY: Source(_owner_by(InstrumentResponse.client_id, InstrumentResponse.id), _surveys),
    kinds.LABORATORY: Source(
        _owner_by(
            TestCollection.client_id,
            AnalyteResult.id,
            (AnalyteResult, AnalyteResult.collection_id == TestCollection.id),
        ),
        _drug_tests,
    ),
    kinds.QUESTIONNAIRE_RESPONSE: Source(
        _owner_by(InstrumentResponse.client_id, InstrumentResponse.id), _questionnaire_responses
    ),
    kinds.COVERAGE: Source(_owner_by(Coverage.client_id, Coverage.id), _coverages),
    kinds.CONSENT: Source(_owner_by(Consent.client_id, Consent.id), _consents),
}
