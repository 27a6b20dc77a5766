"""Asking for builds, reviewing, discarding and applying a week (the job that solves a build
is in test_tasks.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.calendar.models import BuildStatus, ScheduleBuild, SessionOccurrence
from stepdown.jobs.models import JobRun, RunStatus
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid
from stepdown.programs import export
from stepdown.scheduling import authorized, service
from stepdown.scheduling.exchange import parse_solution
from stepdown.scheduling.first_fit import first_fit
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from tests.calendar.test_publish import make_week
from tests.factories import SYSTEM

THIS_MONDAY = today() - timedelta(days=today().weekday())
# Two weeks ahead: the demo seed publishes up to next week, so this week starts empty.
LATER = THIS_MONDAY + timedelta(weeks=2)


@pytest.fixture
def demo(demo_session: Session) -> Session:
    return demo_session


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_requested_build_is_queued_with_its_job_and_audited(session: Session) -> None:
    build = service.request_build(
        session, actor=SYSTEM, week_of=LATER, time_limit=5, applies_from=LATER + timedelta(2)
    )
    assert (build.status, build.time_limit) == (BuildStatus.QUEUED, 5)
    assert build.applies_from == LATER + timedelta(2)
    assert (build.instance, build.solution, build.summary, build.progress) == ({}, {}, {}, {})
    run = session.scalars(select(JobRun).where(JobRun.name == service.BUILD_JOB)).one()
    assert (run.key, run.payload, run.status) == (
        str(build.id),
        {"build_id": str(build.id)},
        RunStatus.QUEUED,
    )
    created = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_type == "schedule_build", AuditEntry.entity_id == str(build.id)
        )
    ).one()
    assert created.action is AuditAction.CREATE
    assert service.list_builds(session, actor=SYSTEM, week_of=LATER) == [build]


def test_one_build_of_a_week_solves_at_a_time(session: Session) -> None:
    first = service.request_build(session, actor=SYSTEM, week_of=LATER, time_limit=5)
    with pytest.raises(Conflict) as refused:
        service.request_build(session, actor=SYSTEM, week_of=LATER, time_limit=5)
    assert refused.value.rule == "build.already_solving"
    service.discard_build(session, actor=SYSTEM, build_id=first.id)
    again = service.request_build(session, actor=SYSTEM, week_of=LATER, time_limit=5)
    assert again.status is BuildStatus.QUEUED


def test_a_queued_or_solving_build_may_be_discarded_and_a_failed_one_not(
    session: Session,
) -> None:
    build = service.request_build(session, actor=SYSTEM, week_of=LATER, time_limit=5)
    service.fail_build(session, actor=SYSTEM, build_id=build.id, reason="no solver today")
    assert (build.status, build.error) == (BuildStatus.FAILED, "no solver today")
    with pytest.raises(Conflict) as refused:
        service.discard_build(session, actor=SYSTEM, build_id=build.id)
    assert refused.value.rule == "build.not_draft"
    with pytest.raises(Conflict):
        service.publish_build(session, actor=SYSTEM, build_id=build.id)


def test_progress_is_kept_only_while_the_build_solves(session: Session) -> None:
    build = service.request_build(session, actor=SYSTEM, week_of=LATER, time_limit=5)
    service.record_progress(session, build_id=build.id, progress={"compliant": 1})
    session.refresh(build)
    assert build.progress == {}  # still queued: the job has not started it
    build.status = BuildStatus.SOLVING
    session.flush()
    service.record_progress(session, build_id=build.id, progress={"compliant": 2, "seconds": 1.5})
    session.refresh(build)
    assert build.progress == {"compliant": 2, "seconds": 1.5}
    service.discard_build(session, actor=SYSTEM, build_id=build.id)
    service.record_progress(session, build_id=build.id, progress={"compliant": 3})
    session.refresh(build)
    assert build.progress == {"compliant": 2, "seconds": 1.5}


def test_a_draft_is_published_or_discarded_once(demo: Session) -> None:
    instance = export.export_week(demo, actor=SYSTEM, week_of=LATER).instance
    drafts = [
        service.save_build(
            demo,
            actor=SYSTEM,
            instance=instance,
            solution=first_fit(instance),
            skipped=[],
            method="first-fit",
        )
        for _ in range(2)
    ]
    result = service.publish_build(demo, actor=SYSTEM, build_id=drafts[0].id)
    assert result.sessions_added == result.build.summary["sessions"] > 0
    review = service.review(demo, actor=SYSTEM, build_id=drafts[1].id)
    assert review.preview is not None
    assert review.preview.changes.empty  # the same first-fit week as the one published
    assert {g.site for g in review.grids} == {"S1", "S2"}
    assert sum(len(cells) for g in review.grids for cells in g.cells.values()) == len(
        instance.sessions
    ) - (len(instance.sessions) - result.sessions_added)
    discarded = service.discard_build(demo, actor=SYSTEM, build_id=drafts[1].id)
    assert discarded.status is BuildStatus.DISCARDED
    with pytest.raises(Conflict):
        service.discard_build(demo, actor=SYSTEM, build_id=drafts[1].id)
    with pytest.raises(Conflict):
        service.publish_build(demo, actor=SYSTEM, build_id=drafts[1].id)


def test_only_directors_build(session: Session) -> None:
    clinician = Actor(user_id=None, role=Role.CLINICIAN, username="someone")
    with pytest.raises(Forbidden):
        service.request_build(session, actor=clinician, week_of=LATER, time_limit=2)
    with pytest.raises(Forbidden):
        service.list_builds(session, actor=clinician, week_of=LATER)


def test_bad_weeks_and_limits_are_refused_by_field(session: Session) -> None:
    with pytest.raises(Invalid) as refused:
        service.request_build(
            session, actor=SYSTEM, week_of=LATER + timedelta(days=1), time_limit=2
        )
    assert refused.value.field == "week_of"
    for seconds in (0.1, service.MAX_SECONDS + 1):
        with pytest.raises(Invalid) as refused:
            service.request_build(session, actor=SYSTEM, week_of=LATER, time_limit=seconds)
        assert refused.value.field == "time_limit"
    with pytest.raises(Invalid) as refused:
        service.request_build(
            session, actor=SYSTEM, week_of=LATER, time_limit=2, applies_from=LATER + timedelta(7)
        )
    assert refused.value.field == "applies_from"
    assert session.scalar(select(func.count()).select_from(JobRun)) == 0


def test_applying_a_solution_publishes_it_and_an_invalid_one_writes_nothing(demo: Session) -> None:
    # The live week as `apply` exports it again: with the payers' authorization limits.
    instance = authorized.with_authorizations(
        demo, export.export_week(demo, actor=SYSTEM, week_of=LATER)
    ).instance
    assert any(c.authorization is not None for c in instance.clients)
    solution = first_fit(instance)
    builds, occurrences = _count(demo, ScheduleBuild), _count(demo, SessionOccurrence)
    broken = solution.model_copy(update={"sessions": [*solution.sessions, solution.sessions[0]]})
    with pytest.raises(Conflict) as refused:
        service.apply_solution(demo, actor=SYSTEM, solution=broken)
    assert refused.value.rule == "schedule.session-once"
    assert (_count(demo, ScheduleBuild), _count(demo, SessionOccurrence)) == (builds, occurrences)

    result = service.apply_solution(demo, actor=SYSTEM, solution=solution)
    assert result.build.status is BuildStatus.PUBLISHED
    assert result.build.summary["method"] == "file"
    assert _count(demo, SessionOccurrence) == occurrences + len(solution.sessions)


def test_a_solution_of_no_exported_week_needs_its_instance(session: Session) -> None:
    week = make_week(session)
    solution = parse_solution(week.solution({"mon": [0]})).model_copy(
        update={"instance": "hand-made"}
    )
    with pytest.raises(Invalid) as refused:
        service.apply_solution(session, actor=SYSTEM, solution=solution)
    assert refused.value.field == "instance"
