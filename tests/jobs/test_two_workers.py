"""Two workers, each with its own engine, on one database: every job and the periodic
slot run exactly once. On PostgreSQL this is two servers' workers meeting at
``FOR UPDATE SKIP LOCKED`` and the (name, key) unique constraint; on SQLite, two workers
in one install meeting at ``BEGIN IMMEDIATE``."""

from __future__ import annotations

import threading
import time as clock
from collections import Counter
from collections.abc import Iterator
from datetime import date, time

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stepdown.jobs import service
from stepdown.jobs.models import JobRun, RunStatus
from stepdown.jobs.registry import Registry
from stepdown.jobs.runner import Worker
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.security.actor import Actor
from stepdown.settings import Settings

JOBS = 40


@pytest.fixture
def committed(database_url: str) -> Iterator[str]:
    """These workers commit for real, so the rows they leave are removed afterwards."""
    yield database_url
    engine = make_engine(database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        session.execute(delete(JobRun).where(JobRun.name.like("two.%")))
    engine.dispose()


def test_each_job_and_the_nightly_slot_run_exactly_once(committed: str, settings: Settings) -> None:
    registry = Registry()
    effects: Counter[tuple[str, str]] = Counter()
    ran_by: Counter[str] = Counter()
    lock = threading.Lock()

    @registry.task("two.work")
    def work(session: Session, *, actor: Actor, settings: Settings, n: int) -> None:
        clock.sleep(0.005)  # long enough for the other worker to be claiming meanwhile
        with lock:
            effects["work", str(n)] += 1

    @registry.periodic("two.nightly", at=time(0, 0))
    def nightly(session: Session, *, actor: Actor, settings: Settings, day: date) -> None:
        with lock:
            effects["nightly", day.isoformat()] += 1

    engines = [make_engine(committed) for _ in range(2)]
    with session_scope(make_sessionmaker(engines[0])) as session:
        for n in range(JOBS):
            service.enqueue(session, "two.work", n=n)
    workers = [
        Worker(make_sessionmaker(engine), settings, registry, name=f"worker-{i}")
        for i, engine in enumerate(engines)
    ]
    start = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(worker: Worker) -> None:
        start.wait()
        try:
            ran = worker.run_due()
            with lock:
                ran_by[worker.name] += ran
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []

    assert sorted(int(n) for kind, n in effects if kind == "work") == list(range(JOBS))
    assert [count for (kind, _), count in effects.items() if kind == "nightly"] == [1]
    assert set(effects.values()) == {1}
    assert sum(ran_by.values()) == JOBS + 1
    if committed.startswith("postgresql"):  # SQLite's lock may let one worker take all
        assert min(ran_by.values()) > 0, f"the workers did not overlap: {ran_by}"
    with Session(engines[0]) as session:
        rows = list(session.scalars(select(JobRun).where(JobRun.name.like("two.%"))))
    assert len(rows) == JOBS + 1
    assert {(row.status, row.attempts) for row in rows} == {(RunStatus.SUCCEEDED, 1)}
    for engine in engines:
        engine.dispose()
