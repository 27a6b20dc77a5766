"""Synthetic progress notes for the demo program.

Written and signed through the service, as staff would (the name check, the copy-forward
check, the password at signing and the audit all run), by the demo staff signing with their
demo passwords (``demo.seed.demo_password``, derived from the installation's secret key,
never a constant):

- the demo clinician's attended individual and family appointments get notes, except the
  two most recent ones past the program's deadline (so the overdue list has something) and
  the newest one (still within the deadline, to write in the browser); notes for older
  appointments are signed now, so they are late entries, as they would be;
- one note of every unscheduled type: a psychiatric evaluation, a medication-management
  and a MAT visit by the demo clinician, a family session without the client, and a
  case-management contact by the demo case manager;
- one note flagged as copied: the clinician's last individual note carried over to another
  client almost word for word, signed with a justification;
- one note awaiting co-signature: a family session written by a synthetic intern
  ("Intern Inlearning (demo)", a clinician at site S1, made here if missing, whose notes the
  demo clinician co-signs).

Deterministic (a seeded generator) and idempotent: an appointment with a note, or a kind of
note the demo already has, is skipped.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.attendance.models import AttendanceRecord
from stepdown.attendance.rules import ATTENDED
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.calendar.models import Appointment, AppointmentKind, BookingStatus
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.clinical_notes import repository, rules, service
from stepdown.clinical_notes.models import (
    AttendeeRole,
    ClinicalNote,
    NoteFormat,
    NoteStatus,
    RiskAction,
    RiskAnswer,
    ServiceType,
)
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.kit import clock
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import StepdownError
from stepdown.programs import service as programs_service
from stepdown.security import repository as security_repository
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import Supervision, User
from stepdown.security.roles import Role

CLINICIAN = "clinician"
CASE_MANAGER = "casemanager"
INTERN = "intern"
INTERN_NAME = "Intern Inlearning (demo)"
INTERN_SITE = "S1"
LEFT_OVERDUE = 2
JUSTIFICATION = (
    "Both clients did the same structured relapse-prevention worksheet this week; the "
    "wording was checked and is accurate for this client."
)

# Sentences drawn per section so that no two demo notes read alike (the copy-forward check
# would rightly stop them). No word in them is a demo client's name.
POOLS: dict[str, tuple[str, ...]] = {
    "data": (
        "Client reported {n} days without use and one strong craving, managed by leaving.",
        "Client arrived on time, engaged, and brought the completed thought record from last week.",
        "Client described conflict at work and poor sleep for {n} nights.",
        "Reviewed the weekly check-in answers together; craving ratings fell from {m} to {n}.",
        "Practised urge surfing for ten minutes; client rated the urge {m} before and {n} after.",
        "Client talked about a family gathering this weekend and the drinking expected.",
        "Client shared that the mutual-support meeting felt useful and plans to return.",
    ),
    "assessment": (
        "Progress toward the objective is steady; coping skills are being used outside session.",
        "Ambivalence about change remains, though motivation has grown since intake.",
        "Stressors at work are the main relapse risk this week.",
        "Insight into triggers is improving; the client now names them without prompting.",
        "Mood appears brighter than at the last session; no acute concerns.",
        "Sleep disruption is likely adding to irritability and cravings.",
    ),
    "plan": (
        "Continue weekly sessions; complete two thought records before the next visit.",
        "Write a plan for the weekend gathering and rehearse a refusal at the next session.",
        "Attend three mutual-support meetings this week and note how each went.",
        "Try the sleep routine discussed and track bedtimes for one week.",
        "Review the plan with the primary clinician at the next team meeting.",
        "Practise the urge-surfing script daily and rate each urge.",
    ),
}
FOR_KEY = {
    "behavior": "data",
    "subjective": "data",
    "objective": "data",
    "intervention": "assessment",
    "response": "assessment",
}
UNSCHEDULED = {
    ServiceType.PSYCHIATRIC_EVALUATION: (
        "Psychiatric evaluation: history of depressive episodes and alcohol use reviewed; "
        "no psychotic symptoms; sleep and appetite reduced for {n} weeks.",
        "Working impression discussed with the client; labs ordered; follow-up in two weeks.",
    ),
    ServiceType.MEDICATION_MANAGEMENT: (
        "Medication review: taking the antidepressant daily, mild nausea in the first week "
        "that has since settled; {n} missed doses this month.",
        "Continue the current dose; recheck in four weeks; side effects discussed.",
    ),
    ServiceType.MAT_VISIT: (
        "MAT visit: buprenorphine adherence confirmed by the client's report and the "
        "prescription record; cravings rated {n} of 10; no use since the last visit.",
        "Continue the current dose; next visit in one week; naloxone kit confirmed at home.",
    ),
    ServiceType.CASE_MANAGEMENT: (
        "Case management: called the housing program with the client's consent; an "
        "intake appointment was offered for next week; transportation discussed.",
        "Follow up on the housing intake and the bus pass application within {n} days.",
    ),
    ServiceType.FAMILY_WITHOUT_CLIENT: (
        "Family session with the parents only: they described how the home routine has "
        "changed since admission and asked how to respond to a lapse.",
        "Discussed supportive responses and the family education group; next family "
        "session in {n} weeks with the client present.",
    ),
}


def _intern(session: Session, actor: Actor, password: str) -> User | None:
    """The synthetic intern, made if missing, supervised by the demo clinician with notes
    co-signed (an existing supervision is left as an administrator set it)."""
    clinician = security_repository.user_by_username(session, CLINICIAN)
    site = programs_service.site_by_code(session, INTERN_SITE)
    if clinician is None or site is None:
        return None
    intern = security_repository.user_by_username(session, INTERN)
    if intern is None:
        intern = security_service.create_user(
            session,
            actor=actor,
            username=INTERN,
            display_name=INTERN_NAME,
            role=Role.CLINICIAN,
            password=password,
            email=f"{INTERN}@example.org",
            site_id=site.id,
            is_synthetic=True,
        )
    if session.get(Supervision, intern.id) is None:
        session.add(
            Supervision(
                user_id=intern.id, supervisor_id=clinician.id, since=utc_now(), cosign_notes=True
            )
        )
        session.flush()
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type="user",
            entity_id=intern.id,
            detail={
                "changes": {"supervisor": [None, str(clinician.id)], "cosign_notes": [False, True]}
            },
        )
    return intern


def _sections(
    rng: random.Random, note_format: NoteFormat, lead: tuple[str, ...] = ()
) -> dict[str, str]:
    sections = {}
    for index, key in enumerate(rules.section_keys(note_format)):
        pool = POOLS[FOR_KEY.get(key, key)]
        picked = rng.sample(pool, 2)
        if index < len(lead):
            picked = [lead[index], *picked[:1]]
        text = " ".join(picked).format(n=rng.randint(2, 9), m=rng.randint(6, 9))
        sections[key] = text
    return sections


def _objective(session: Session, client_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
    first = session.scalars(repository.current_objectives(client_id)).first()
    return (first.id,) if first else ()


def _input(
    session: Session,
    rng: random.Random,
    *,
    client_id: uuid.UUID,
    service_type: ServiceType,
    day: date,
    start: time,
    end: time,
    note_format: NoteFormat,
    lead: tuple[str, ...] = (),
) -> service.NoteInput:
    present = service_type is not ServiceType.FAMILY_WITHOUT_CLIENT
    family = service_type in rules.FAMILY_TYPES
    return service.NoteInput(
        service_type=service_type,
        service_date=day,
        start=start,
        end=end,
        client_present=present,
        attendees=(rules.Attendee(AttendeeRole.FAMILY, "parent", "Pat Sample"),) if family else (),
        sections=_sections(rng, note_format, lead),
        objective_ids=_objective(session, client_id),
        risk=rules.RiskReview(RiskAnswer.DENIED, RiskAnswer.DENIED, RiskAction.NONE, "")
        if present
        else rules.RiskReview(),
    )


def _write(
    session: Session,
    actor: Actor,
    secret: str,
    data: service.NoteInput,
    *,
    client_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
    justification: str = "",
) -> ClinicalNote | None:
    """Start and sign one note; None when a rule refuses it (as staff would reword)."""
    nested = session.begin_nested()
    try:
        note = service.create_note(
            session, actor=actor, data=data, client_id=client_id, appointment_id=appointment_id
        )
        service.sign_note(
            session, actor=actor, note_id=note.id, secret=secret, justification=justification
        )
    except StepdownError:
        nested.rollback()
        return None
    nested.commit()
    return note


def _attended(session: Session, staff_id: uuid.UUID | None, since: date) -> list[Appointment]:
    stmt = (
        select(Appointment)
        .join(AttendanceRecord, AttendanceRecord.appointment_id == Appointment.id)
        .where(
            Appointment.day >= since,
            Appointment.status == BookingStatus.SCHEDULED,
            AttendanceRecord.status.in_(list(ATTENDED)),
        )
        .order_by(Appointment.day, Appointment.start, Appointment.id)
    )
    if staff_id is not None:
        stmt = stmt.where(Appointment.staff_id == staff_id)
    return list(session.scalars(stmt))


def _ends(appointment: Appointment) -> datetime:
    return clock.to_utc(
        datetime.combine(appointment.day, rules.parse_clock(appointment.end, field="end"))
    )


def _has(session: Session, author_id: uuid.UUID, service_type: ServiceType) -> bool:
    return (
        session.scalar(
            select(ClinicalNote.id)
            .where(ClinicalNote.author_id == author_id, ClinicalNote.service_type == service_type)
            .limit(1)
        )
        is not None
    )


def _open_clients(session: Session, actor: Actor, on: date) -> list[Client]:
    """Clients the actor may read with an episode open since before ``on``."""
    stmt = (
        clients_repository.readable(actor)
        .join(Episode, Episode.client_id == Client.id)
        .where(Episode.status != EpisodeStatus.DISCHARGED, Episode.admitted_on <= on)
        .order_by(Client.record_number)
    )
    return list(session.scalars(stmt))


def _appointment_notes(
    session: Session,
    rng: random.Random,
    clinician: User,
    secret: str,
    note_format: NoteFormat,
    today: date,
) -> list[ClinicalNote]:
    actor = security_service.actor_for(clinician)
    hours = service.current_settings(session).overdue_hours
    now = utc_now()
    appointments = _attended(session, clinician.id, today - service.OVERDUE_LOOKBACK)
    past_due = [a for a in appointments if rules.due_at(_ends(a), hours) < now]
    within = [a for a in appointments if a not in past_due]
    leave = {a.id for a in past_due[-LEFT_OVERDUE:]} | {a.id for a in within[-1:]}
    written = []
    for appointment in appointments:
        if appointment.id in leave:
            continue
        if session.scalar(repository.note_of_appointment(appointment.id)) is not None:
            continue
        data = _input(
            session,
            rng,
            client_id=appointment.client_id,
            service_type=rules.APPOINTMENT_DEFAULT[appointment.kind],
            day=appointment.day,
            start=rules.parse_clock(appointment.start, field="start"),
            end=rules.parse_clock(appointment.end, field="end"),
            note_format=note_format,
        )
        note = _write(session, actor, secret, data, appointment_id=appointment.id)
        if note is not None:
            written.append(note)
    return written


def _family_note(
    session: Session,
    rng: random.Random,
    password: Callable[[str], str],
    note_format: NoteFormat,
    today: date,
) -> ClinicalNote | None:
    """A family session with the client, from any demo clinician's attended family
    appointment (signed by that clinician)."""
    for appointment in _attended(session, None, today - service.OVERDUE_LOOKBACK):
        if appointment.kind is not AppointmentKind.FAMILY:
            continue
        if session.scalar(repository.note_of_appointment(appointment.id)) is not None:
            continue
        staff = session.get(User, appointment.staff_id)
        if staff is None or not staff.is_synthetic:
            continue
        data = _input(
            session,
            rng,
            client_id=appointment.client_id,
            service_type=ServiceType.FAMILY_WITH_CLIENT,
            day=appointment.day,
            start=rules.parse_clock(appointment.start, field="start"),
            end=rules.parse_clock(appointment.end, field="end"),
            note_format=note_format,
        )
        note = _write(
            session,
            security_service.actor_for(staff),
            password(staff.username),
            data,
            appointment_id=appointment.id,
        )
        if note is not None:
            return note
    return None


def _unscheduled(
    session: Session,
    rng: random.Random,
    author: User,
    secret: str,
    service_type: ServiceType,
    client: Client,
    day: date,
    note_format: NoteFormat,
) -> ClinicalNote | None:
    data = _input(
        session,
        rng,
        client_id=client.id,
        service_type=service_type,
        day=day,
        start=time(9, 0),
        end=time(9, 50),
        note_format=note_format,
        lead=UNSCHEDULED[service_type],
    )
    return _write(session, security_service.actor_for(author), secret, data, client_id=client.id)


def _copied(
    session: Session, clinician: User, secret: str, clients: list[Client], day: date
) -> ClinicalNote | None:
    """The clinician's newest signed note carried over to another of their clients nearly
    word for word: flagged, and signed with a justification."""
    source = session.scalar(
        select(ClinicalNote)
        .where(
            ClinicalNote.author_id == clinician.id,
            ClinicalNote.status == NoteStatus.SIGNED,
            ClinicalNote.client_present.is_(True),
        )
        .order_by(ClinicalNote.signed_at.desc())
        .limit(1)
    )
    if source is None:
        return None
    for client in clients:
        if client.id == source.client_id:
            continue
        sections = dict(source.sections)
        first = next(iter(sections))
        sections[first] = sections[first].replace("Client", "The client", 1)
        data = service.NoteInput(
            service_type=ServiceType.CASE_MANAGEMENT
            if source.service_type is ServiceType.CASE_MANAGEMENT
            else ServiceType.MEDICATION_MANAGEMENT,
            service_date=day,
            start=time(11, 0),
            end=time(11, 45),
            client_present=True,
            sections=sections,
            objective_ids=_objective(session, client.id),
            risk=rules.RiskReview(RiskAnswer.DENIED, RiskAnswer.DENIED, RiskAction.NONE, ""),
        )
        note = _write(
            session,
            security_service.actor_for(clinician),
            secret,
            data,
            client_id=client.id,
            justification=JUSTIFICATION,
        )
        if note is not None and note.copy_flagged:
            return note
    return None


def seed_demo_clinical_notes(
    session: Session, *, actor: Actor, password: Callable[[str], str], today: date
) -> int:
    """Write and sign the demo's progress notes (see the module docstring); return how
    many were written. ``password`` gives a demo user's password by username: staff sign
    with it, as in the browser."""
    rng = random.Random(1414)  # noqa: S311 - reproducible synthetic data, not security
    intern = _intern(session, actor, password(INTERN))
    clinician = security_repository.user_by_username(session, CLINICIAN)
    manager = security_repository.user_by_username(session, CASE_MANAGER)
    if clinician is None or intern is None:
        return 0
    note_format = service.current_settings(session).note_format
    written: list[ClinicalNote | None] = []
    written += _appointment_notes(session, rng, clinician, password(CLINICIAN), note_format, today)
    if (
        session.scalar(
            select(ClinicalNote.id)
            .where(ClinicalNote.service_type == ServiceType.FAMILY_WITH_CLIENT)
            .limit(1)
        )
        is None
    ):
        written.append(_family_note(session, rng, password, note_format, today))
    day = today - timedelta(days=1)
    caseload = _open_clients(session, security_service.actor_for(clinician), day)
    for index, service_type in enumerate(
        (
            ServiceType.PSYCHIATRIC_EVALUATION,
            ServiceType.MEDICATION_MANAGEMENT,
            ServiceType.MAT_VISIT,
            ServiceType.FAMILY_WITHOUT_CLIENT,
        )
    ):
        if caseload and not _has(session, clinician.id, service_type):
            client = caseload[(index * 3) % len(caseload)]
            written.append(
                _unscheduled(
                    session,
                    rng,
                    clinician,
                    password(CLINICIAN),
                    service_type,
                    client,
                    day,
                    note_format,
                )
            )
    if manager is not None and not _has(session, manager.id, ServiceType.CASE_MANAGEMENT):
        site_clients = _open_clients(session, security_service.actor_for(manager), day)
        if site_clients:
            written.append(
                _unscheduled(
                    session,
                    rng,
                    manager,
                    password(CASE_MANAGER),
                    ServiceType.CASE_MANAGEMENT,
                    site_clients[0],
                    day,
                    note_format,
                )
            )
    flagged = session.scalar(
        select(ClinicalNote.id).where(
            ClinicalNote.author_id == clinician.id, ClinicalNote.copy_flagged.is_(True)
        )
    )
    if flagged is None and caseload:
        written.append(_copied(session, clinician, password(CLINICIAN), caseload[1:], day))
    if (
        caseload
        and session.scalar(
            select(ClinicalNote.id).where(ClinicalNote.author_id == intern.id).limit(1)
        )
        is None
    ):
        written.append(
            _unscheduled(
                session,
                rng,
                intern,
                password(INTERN),
                ServiceType.FAMILY_WITHOUT_CLIENT,
                caseload[-1],
                day,
                note_format,
            )
        )
    return sum(1 for note in written if note is not None)
