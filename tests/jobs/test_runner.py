"""The job runner on a real database: periodic slots run once, failures are kept and
retried then given up, enqueueing belongs to the caller's transaction, and a worker that
died leaves a run that another takes up."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from stepdown.jobs import service
from stepdown.jobs.models import JobRun, RunStatus
from stepdown.jobs.registry import Registry
from stepdown.jobs.runner import Worker
from stepdown.kit.clock import utc_now
from stepdown.security.actor import Actor
from stepdown.settings import Settings

ZONE = ZoneInfo("America/New_York")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def runs(session: Session, name: str) -> list[JobRun]:
    session.expire_all()
    return list(session.scalars(select(JobRun).where(JobRun.name == name)))


@pytest.fixture
def registry() -> Registry:
    return Registry()


@pytest.fixture
def worker(
    session_factory: sessionmaker[Session], settings: Settings, registry: Registry
) -> Worker:
    assert settings.timezone == ZONE.key
    return Worker(session_factory, settings, registry, name="test-worker")


class TestPeriodic:
    def test_a_slot_runs_once_however_often_workers_look(
        self, session: Session, registry: Registry, worker: Worker
    ) -> None:
        days: list[date] = []

        @registry.periodic("test.nightly", at=time(20, 0))
        def nightly(session: Session, *, actor: Actor, settings: Settings, day: date) -> None:
            assert actor.username == "job:test.nightly"
            days.append(day)

        monday = date(2026, 11, 30)
        assert worker.run_due(now=local(monday, 19, 59)) == 1  # Sunday's slot, never run
        assert worker.run_due(now=local(monday, 20, 1)) == 1
        assert worker.run_due(now=local(monday, 20, 2)) == 0
        assert worker.run_due(now=local(monday, 23, 0)) == 0
        assert worker.run_due(now=local(monday + timedelta(days=1), 20, 0)) == 1
        assert days == [monday - timedelta(days=1), monday, monday + timedelta(days=1)]
        keys = [run.key for run in runs(session, "test.nightly")]
        assert sorted(keys) == [
            "2026-11-29T20:00-05:00",
            "2026-11-30T20:00-05:00",
            "2026-12-01T20:00-05:00",
        ]
        assert all(run.status == RunStatus.SUCCEEDED for run in runs(session, "test.nightly"))

    def test_weekdays_and_only_the_latest_missed_slot(
        self, session: Session, registry: Registry, worker: Worker
    ) -> None:
        days: list[date] = []

        @registry.periodic("test.mornings", at=time(6, 0), weekdays=frozenset(range(5)))
        def mornings(session: Session, *, actor: Actor, settings: Settings, day: date) -> None:
            days.append(day)

        sunday = date(2026, 12, 6)
        # Down since Wednesday: Friday's slot runs, not Thursday's, and not on the weekend.
        assert worker.run_due(now=local(sunday, 12)) == 1
        assert days == [date(2026, 12, 4)]
        job = registry.get("test.mornings")
        assert job is not None
        assert job.next_slot(local(sunday, 12), ZONE) == local(date(2026, 12, 7), 6)


class TestFailures:
    def test_an_error_is_kept_retried_then_the_run_is_failed(
        self, session: Session, registry: Registry, worker: Worker
    ) -> None:
        @registry.task("test.flaky", attempts=3)
        def flaky(session: Session, *, actor: Actor, settings: Settings, n: int) -> None:
            service.enqueue(session, "test.side_effect", n=n)
            raise RuntimeError(f"boom {n}")

        service.enqueue(session, "test.flaky", n=7)
        session.commit()
        start = utc_now()
        assert worker.run_due(now=start) == 1
        [run] = runs(session, "test.flaky")
        assert (run.status, run.attempts, run.last_error) == (
            RunStatus.QUEUED,
            1,
            "RuntimeError: boom 7",
        )
        assert run.run_after > start  # backs off: not again in the same pass
        assert worker.run_due(now=start) == 0
        assert worker.run_due(now=start + timedelta(hours=1)) == 1
        assert worker.run_due(now=start + timedelta(hours=2)) == 1
        assert worker.run_due(now=start + timedelta(hours=3)) == 0
        [run] = runs(session, "test.flaky")
        assert (run.status, run.attempts) == (RunStatus.FAILED, 3)
        assert run.finished_at is not None
        assert runs(session, "test.side_effect") == []  # each failed run was rolled back

    def test_a_run_that_succeeds_on_retry_clears_its_error(
        self, session: Session, registry: Registry, worker: Worker
    ) -> None:
        calls: list[int] = []

        @registry.task("test.second_time")
        def second_time(session: Session, *, actor: Actor, settings: Settings) -> None:
            calls.append(1)
            if len(calls) == 1:
                raise ValueError("not yet")

        service.enqueue(session, "test.second_time")
        session.commit()
        start = utc_now()
        worker.run_due(now=start)
        worker.run_due(now=start + timedelta(hours=1))
        [run] = runs(session, "test.second_time")
        assert (run.status, run.attempts, run.last_error) == (RunStatus.SUCCEEDED, 2, None)

    def test_a_run_whose_worker_died_is_taken_up_again(
        self, session: Session, registry: Registry, worker: Worker
    ) -> None:
        calls: list[str] = []

        @registry.task("test.orphan")
        def orphan(session: Session, *, actor: Actor, settings: Settings) -> None:
            calls.append("ran")

        service.enqueue(session, "test.orphan")
        session.execute(
            update(JobRun)
            .where(JobRun.name == "test.orphan")
            .values(status=RunStatus.RUNNING, attempts=1, started_at=utc_now())
        )
        session.commit()
        assert worker.run_due() == 0  # another worker may still be on it
        assert worker.run_due(now=utc_now() + service.STALE_AFTER + timedelta(minutes=1)) == 1
        assert calls == ["ran"]
        [run] = runs(session, "test.orphan")
        assert (run.status, run.attempts, run.worker) == (RunStatus.SUCCEEDED, 2, "test-worker")


def test_a_stopped_worker_finishes_the_job_in_hand_and_leaves_the_rest(
    session: Session, registry: Registry, worker: Worker
) -> None:
    @registry.task("test.stops")
    def stops(session: Session, *, actor: Actor, settings: Settings, n: int) -> None:
        worker.stop()  # as SIGTERM does while a job runs

    for n in range(3):
        service.enqueue(session, "test.stops", n=n)
    session.commit()
    assert worker.run_due() == 1
    statuses = sorted(run.status for run in runs(session, "test.stops"))
    assert statuses == [RunStatus.QUEUED, RunStatus.QUEUED, RunStatus.SUCCEEDED]


def test_a_name_is_declared_once(registry: Registry) -> None:
    @registry.task("test.once")
    def first(session: Session, *, actor: Actor, settings: Settings) -> None:
        """Declared first."""

    with pytest.raises(ValueError, match="already registered"):

        @registry.periodic("test.once", at=time(1, 0))
        def second(session: Session, *, actor: Actor, settings: Settings, day: date) -> None:
            """Declared again under the same name."""


class TestEnqueue:
    def test_a_key_is_queued_once(self, session: Session) -> None:
        assert service.enqueue(session, "test.keyed", key="site-1:2026-12-01", n=1) is True
        assert service.enqueue(session, "test.keyed", key="site-1:2026-12-01", n=2) is False
        assert service.enqueue(session, "test.keyed", key="site-2:2026-12-01", n=1) is True
        assert service.enqueue(session, "test.keyed", n=3) is True
        assert service.enqueue(session, "test.keyed", n=3) is True  # no key: no dedupe
        assert len(runs(session, "test.keyed")) == 4

    def test_a_rolled_back_caller_queues_nothing(self, session: Session) -> None:
        savepoint = session.begin_nested()
        service.enqueue(session, "test.undone", n=1)
        savepoint.rollback()
        assert runs(session, "test.undone") == []

    def test_a_worker_leaves_jobs_it_does_not_know(
        self, session: Session, registry: Registry, worker: Worker
    ) -> None:
        service.enqueue(session, "test.from_newer_code")
        session.commit()
        assert worker.run_due() == 0
        [run] = runs(session, "test.from_newer_code")
        assert (run.status, run.attempts) == (RunStatus.QUEUED, 0)


def test_status_lists_recent_runs_newest_first(session: Session) -> None:
    service.enqueue(session, "test.first")
    session.execute(
        update(JobRun)
        .where(JobRun.name == "test.first")
        .values(enqueued_at=utc_now() - timedelta(minutes=5))
    )
    service.enqueue(session, "test.second")
    names = [run.name for run in service.recent_runs(session, limit=2)]
    assert names == ["test.second", "test.first"]
    assert session.scalar(select(func.count()).select_from(JobRun)) >= 2
