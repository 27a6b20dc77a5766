"""The build job, run by the job runner: the week solved into a draft with its export audited,
a failure kept with its reason, and nothing stored for a build discarded while it solved."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.calendar.models import BuildStatus, ScheduleBuild
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Track
from stepdown.jobs.models import JobRun, RunStatus
from stepdown.jobs.registry import Registry, default_registry
from stepdown.jobs.runner import Worker
from stepdown.kit.clock import today
from stepdown.programs import service as programs_service
from stepdown.programs.models import Room, Site
from stepdown.scheduling import service, tasks
from stepdown.scheduling.exchange import Instance, Solution
from stepdown.scheduling.first_fit import first_fit
from stepdown.scheduling.solver import Progress
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.settings import Settings
from tests.factories import SYSTEM, make_client, make_room, make_site, make_user

THIS_MONDAY = today() - timedelta(days=today().weekday())
LATER = THIS_MONDAY + timedelta(weeks=2)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
OPEN = [{"day": day, "start": "08:00", "end": "20:00"} for day in WEEKDAYS]
ProgressHook = Callable[[Progress], None]


@dataclass
class Program:
    site: Site
    room: Room
    therapist: User
    clients: list[Client]


def small_program(session: Session, *, clients: int = 2) -> Program:
    """A site whose week can be built in no time: IOP clients, one therapist, a morning group
    each weekday (the demo seed takes far longer to make)."""
    site = make_site(session)
    room = make_room(session, site)
    therapist = make_user(session, role=Role.CLINICIAN, site=site)
    programs_service.save_staff_profile(
        session,
        actor=SYSTEM,
        user=therapist,
        site=site,
        topics=["CBT"],
        availability=OPEN,
        max_hours=40,
    )
    for day in WEEKDAYS:
        programs_service.save_group_session(
            session,
            actor=SYSTEM,
            site=site,
            spec=programs_service.SessionSpec(
                day=day, start="09:00", end="12:00", topic="CBT", levels=["IOP"], min_size=1
            ),
        )
    people = [make_client(session, site=site, clinician=therapist) for _ in range(clients)]
    for person in people:
        continuum_service.admit(
            session,
            actor=SYSTEM,
            client_id=person.id,
            level_code="IOP",
            track=Track.DAY,
            on=today(),
            reason="Test admission.",
        )
        programs_service.save_client_profile(
            session,
            actor=SYSTEM,
            client=person,
            availability=OPEN,
            therapist_id=therapist.id,
            individual_sessions=1,
            family_sessions=0,
        )
    return Program(site, room, therapist, people)


def first_fit_solver(
    instance: Instance, *, time_limit: float, on_progress: ProgressHook
) -> Solution:
    return first_fit(instance)


def run_jobs(
    factory: sessionmaker[Session], settings: Settings, solver: tasks.Solver | None = None
) -> int:
    """Run what is queued through the real runner, the optimizer swapped for ``solver``."""
    registry = Registry()
    job = (
        tasks.solve_build if solver is None else functools.partial(tasks.solve_build, solver=solver)
    )
    registry.task(service.BUILD_JOB, attempts=1)(job)
    return Worker(factory, settings, registry, name="test-worker").run_due()


def _run(session: Session, build: ScheduleBuild) -> JobRun:
    return session.scalars(select(JobRun).where(JobRun.key == str(build.id))).one()


def _exports(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == AuditAction.EXPORT,
                AuditEntry.detail["week_of"].as_string() == LATER.isoformat(),
            )
        )
        or 0
    )


@pytest.fixture
def queued(session: Session) -> ScheduleBuild:
    small_program(session)
    build = service.request_build(session, actor=SYSTEM, week_of=LATER, time_limit=2)
    session.commit()
    return build


def test_the_job_is_registered_for_one_attempt() -> None:
    job = default_registry().get(service.BUILD_JOB)
    assert job is not None
    assert job.max_attempts == 1


def test_the_optimizer_solves_the_week_into_a_draft_and_its_export_is_audited(
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    queued: ScheduleBuild,
) -> None:
    assert run_jobs(session_factory, settings) == 1
    session.expire_all()
    build = session.get_one(ScheduleBuild, queued.id)
    assert build.status is BuildStatus.DRAFT
    assert build.error is None
    summary = build.summary
    assert (summary["method"], summary["valid"], summary["clients"]) == ("optimizer", True, 2)
    assert summary["compliant"] <= summary["compliant_bound"] <= 2
    assert summary["seconds"] <= 4
    assert build.instance["week_of"] == LATER.isoformat()
    assert _exports(session) == 2
    labels = set(
        session.scalars(
            select(AuditEntry.actor_label).where(AuditEntry.action == AuditAction.EXPORT)
        )
    )
    assert labels == {"job:schedule.build"}
    assert _run(session, build).status is RunStatus.SUCCEEDED


def test_a_build_discarded_while_it_solves_gets_nothing_written(
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    queued: ScheduleBuild,
) -> None:
    def discarding(instance: Instance, *, time_limit: float, on_progress: ProgressHook) -> Solution:
        with session_factory() as other:  # the director, on the page, meanwhile
            service.discard_build(other, actor=SYSTEM, build_id=queued.id)
            other.commit()
        return first_fit(instance)

    assert run_jobs(session_factory, settings, discarding) == 1
    session.expire_all()
    build = session.get_one(ScheduleBuild, queued.id)
    assert build.status is BuildStatus.DISCARDED
    assert (build.instance, build.solution, build.summary) == ({}, {}, {})
    assert _exports(session) == 0
    assert _run(session, build).status is RunStatus.SUCCEEDED


def test_a_build_discarded_before_its_job_starts_is_left_alone(
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    queued: ScheduleBuild,
) -> None:
    service.discard_build(session, actor=SYSTEM, build_id=queued.id)
    session.commit()

    def unexpected(instance: Instance, *, time_limit: float, on_progress: ProgressHook) -> Solution:
        raise AssertionError("a discarded build is not solved")

    assert run_jobs(session_factory, settings, unexpected) == 1
    session.expire_all()
    assert session.get_one(ScheduleBuild, queued.id).status is BuildStatus.DISCARDED


def test_a_failing_optimizer_fails_the_build_and_the_run_with_the_reason(
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    queued: ScheduleBuild,
) -> None:
    def failing(instance: Instance, *, time_limit: float, on_progress: ProgressHook) -> Solution:
        raise RuntimeError("the optimizer ran out of memory\nstack details")

    assert run_jobs(session_factory, settings, failing) == 1
    session.expire_all()
    build = session.get_one(ScheduleBuild, queued.id)
    assert build.status is BuildStatus.FAILED
    assert build.error == "RuntimeError: the optimizer ran out of memory"
    assert build.summary == {}
    assert _exports(session) == 0
    run = _run(session, build)
    assert run.status is RunStatus.FAILED  # one attempt: no silent retry minutes later
    assert run.last_error == "RuntimeError: the optimizer ran out of memory"


def test_a_week_with_nobody_to_schedule_fails_with_the_reason(
    session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    build = service.request_build(session, actor=SYSTEM, week_of=LATER, time_limit=2)
    session.commit()
    assert run_jobs(session_factory, settings, first_fit_solver) == 1
    session.expire_all()
    failed = session.get_one(ScheduleBuild, build.id)
    assert failed.status is BuildStatus.FAILED
    assert failed.error == f"no client can be scheduled in the week of {LATER}"
    # The program's state, not a fault: operators see the run as done.
    assert _run(session, failed).status is RunStatus.SUCCEEDED
