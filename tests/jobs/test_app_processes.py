"""Two served app processes on one PostgreSQL database, each with its in-process job runner
(``STEPDOWN_JOBS_BACKEND=inprocess``, as every worker of `stepdown serve --workers N`
would have): each due job runs exactly once, and the periodic slots are queued and
claimed once between them.

``test_two_workers.py`` shows the claim with two runners in one process; here they are
real `stepdown serve` processes. Each runs a test job that appends its process id to a
file outside the database, so a job run twice would show even if its database effects
were rolled back. The runners poll every half second (the script below shortens the
30 s default) so that both are taking runs while the jobs are due.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.jobs import service
from stepdown.jobs.models import JobRun, RunStatus
from stepdown.jobs.registry import Job, default_registry
from stepdown.kit.clock import utc_now
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.settings import Settings
from tests import databases
from tests.served import served, server_env

JOBS = 40
SERVER = """
import os, sys, time
from stepdown.jobs import runner
from stepdown.jobs.registry import task

runner.DEFAULT_INTERVAL_SECONDS = 0.5

@task("apps.count")
def count(session, *, actor, settings, n):
    time.sleep(0.02)  # long enough for the other process to be claiming meanwhile
    fd = os.open(os.environ["APPS_EFFECTS"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{os.getpid()} {n}\\n".encode())
    finally:
        os.close(fd)

from stepdown.cli import main
main(sys.argv[1:])
"""


def _latest_slots(jobs: list[Job], start: datetime, end: datetime) -> list[str]:
    """Each periodic job's name once for every distinct latest slot between the two
    instants, in the servers' time zone (the default: the test gives them none)."""
    zone = ZoneInfo(Settings(_env_file=None).timezone)  # type: ignore[call-arg]
    return sorted(
        job.name
        for job in jobs
        for slot in {job.latest_slot(start, zone), job.latest_slot(end, zone)}
        if slot is not None
    )


@pytest.mark.postgres
def test_two_served_processes_run_each_due_job_once(tmp_path: Path) -> None:
    base = databases.pg_base_url()
    if base is None:
        pytest.skip(databases.PG_SKIP_REASON)
    effects = tmp_path / "effects"
    jobs = [job for job in default_registry().jobs() if job.periodic]
    periodic = {job.name for job in jobs}
    started = utc_now()
    with databases.fresh_pg_database(base) as url:
        databases.migrated(url)
        env = server_env(
            tmp_path, url, STEPDOWN_JOBS_BACKEND="inprocess", APPS_EFFECTS=str(effects)
        )
        # One worker each: a spawned worker would import the app afresh, without the job.
        command, one = [sys.executable, "-c", SERVER], ["--workers", "1"]
        engine = make_engine(url)
        try:
            with (
                served(tmp_path, env, one, command=command, name="a") as first,
                served(tmp_path, env, one, command=command, name="b") as second,
            ):
                with session_scope(make_sessionmaker(engine)) as session:
                    for n in range(JOBS):
                        service.enqueue(session, "apps.count", n=n)
                deadline = time.monotonic() + 60
                while True:
                    with Session(engine) as session:
                        rows = list(session.scalars(select(JobRun)))
                    done = [r for r in rows if r.name == "apps.count"]
                    if all(r.status is RunStatus.SUCCEEDED for r in done):
                        break
                    assert time.monotonic() < deadline, Counter(r.status for r in done)
                    time.sleep(0.2)
                # A periodic slot that falls due while the test runs (20:00 program time,
                # say) is queued too: expect the latest slot of each job at the start and
                # now, and give the runners until the deadline to queue and claim them.
                while True:
                    expected = _latest_slots(jobs, started, utc_now())
                    slots = [r for r in rows if r.name in periodic]
                    claimed = all(r.attempts >= 1 for r in slots)
                    if sorted(r.name for r in slots) == expected and claimed:
                        break
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(0.2)
                    with Session(engine) as session:
                        rows = list(session.scalars(select(JobRun)))
                pids = {first.process.pid, second.process.pid}
        finally:
            engine.dispose()

    lines = [line.split() for line in effects.read_text().splitlines()]
    assert sorted(int(n) for _, n in lines) == list(range(JOBS))
    ran_by = Counter(int(pid) for pid, _ in lines)
    assert set(ran_by) == pids, f"both processes should have taken runs: {ran_by}"
    assert {(r.status, r.attempts) for r in done} == {(RunStatus.SUCCEEDED, 1)}
    # Both runners queued each periodic job's latest slot at start; one row each, claimed
    # by one of them, once.
    assert sorted(r.name for r in slots) == expected
    assert set(expected) == periodic
    assert {r.attempts for r in slots} == {1}
