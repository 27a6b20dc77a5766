"""The embedded install: the web app runs its jobs in a thread for as long as it serves."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from stepdown.app import create_app
from stepdown.jobs.models import JobRun
from stepdown.kit import migrate
from stepdown.kit.db import make_engine
from stepdown.settings import Settings


def job_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "stepdown-jobs"]


def queued(engine: Engine) -> int:
    # A short session each time: an open one would hold SQLite's write lock.
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(JobRun)) or 0


def test_the_app_runs_due_jobs_while_it_serves(tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/app.db",
        secret_key="app-jobs-test-key",  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )
    assert settings.effective_jobs_backend == "inprocess"
    engine = make_engine(settings.effective_database_url)
    migrate.upgrade(engine)
    with TestClient(create_app(settings)):
        assert len(job_threads()) == 1
        deadline = time.monotonic() + 20
        # Both periodic jobs' latest slots are queued on the thread's first pass.
        while queued(engine) < 2:
            assert time.monotonic() < deadline, "the job thread queued nothing"
            time.sleep(0.05)
    assert job_threads() == []
    engine.dispose()


def test_postgresql_deployments_run_separate_workers() -> None:
    settings = Settings(
        database_url="postgresql://stepdown@db.internal/stepdown",
        _env_file=None,  # type: ignore[call-arg]
    )
    assert settings.effective_jobs_backend == "worker"
    forced = Settings(jobs_backend="off", _env_file=None)  # type: ignore[call-arg]
    assert forced.effective_jobs_backend == "off"
