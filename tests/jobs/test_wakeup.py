"""A run enqueued in this process wakes its runner when the enqueuing transaction commits,
so it starts at once rather than at the next 30-second poll; a rolled-back enqueue and a
periodic slot some pass already queued wake nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from stepdown.app import create_app
from stepdown.jobs import service
from stepdown.jobs.models import JobRun, RunStatus
from stepdown.jobs.registry import Registry
from stepdown.jobs.runner import Worker
from stepdown.kit import migrate
from stepdown.kit.clock import today, utc_now
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.scheduling.service import BUILD_JOB
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from stepdown.settings import Settings
from tests.factories import SYSTEM, make_user

# The poll these tests must not wait for: far longer than any wake-up they allow.
LONG_POLL = 120.0
PROMPT = 5.0  # seconds; typically well under one


@pytest.fixture
def committed(database_url: str) -> Iterator[Engine]:
    """The runner commits for real, so the rows left are removed afterwards."""
    engine = make_engine(database_url)
    yield engine
    with session_scope(make_sessionmaker(engine)) as session:
        session.execute(delete(JobRun).where(JobRun.name.like("wake.%")))
    engine.dispose()


def wait_for(condition: threading.Event, seconds: float) -> float:
    started = time.monotonic()
    assert condition.wait(seconds), f"not within {seconds} s"
    return time.monotonic() - started


def test_a_committed_enqueue_wakes_the_runner(committed: Engine, settings: Settings) -> None:
    registry = Registry()
    ran = threading.Event()

    @registry.task("wake.now")
    def now(session: Session, *, actor: Actor, settings: Settings) -> None:
        ran.set()

    worker = Worker(make_sessionmaker(committed), settings, registry, name="wake-test")
    worker.start(interval=LONG_POLL)
    try:
        time.sleep(0.3)  # let its first pass find nothing and go to sleep
        with session_scope(make_sessionmaker(committed)) as session:
            service.enqueue(session, "wake.now")
        wait_for(ran, PROMPT)
    finally:
        worker.stop()


def test_a_rolled_back_enqueue_queues_nothing_to_wake_for(
    committed: Engine, settings: Settings
) -> None:
    registry = Registry()
    ran = threading.Event()

    @registry.task("wake.rolled_back")
    def rolled_back(session: Session, *, actor: Actor, settings: Settings) -> None:
        ran.set()

    wake = threading.Event()
    service.subscribe(wake)
    try:
        with make_sessionmaker(committed)() as session:
            service.enqueue(session, "wake.rolled_back")
            session.rollback()
        assert not wake.is_set()
    finally:
        service.unsubscribe(wake)
    with Session(committed) as session:
        assert session.scalars(select(JobRun).where(JobRun.name == "wake.rolled_back")).all() == []


def test_only_a_new_periodic_slot_wakes(committed: Engine) -> None:
    """Every pass re-enqueues each periodic slot; a no-op must not wake the runner, or its
    own pass would wake it again at once, for ever."""
    wake = threading.Event()
    service.subscribe(wake)
    factory = make_sessionmaker(committed)
    try:
        with session_scope(factory) as session:
            assert service.enqueue(session, "wake.slot", key="2026-12-01T01:00")
        assert wake.is_set()
        wake.clear()
        with session_scope(factory) as session:
            assert not service.enqueue(session, "wake.slot", key="2026-12-01T01:00")
        assert not wake.is_set()
    finally:
        service.unsubscribe(wake)


def _settled(engine: Engine) -> bool:
    """The runner's first pass is over: nothing due is left queued or running."""
    with Session(engine) as session:
        busy = session.scalars(
            select(JobRun.id).where(
                (JobRun.status == RunStatus.RUNNING)
                | ((JobRun.status == RunStatus.QUEUED) & (JobRun.run_after <= utc_now()))
            )
        ).first()
    return busy is None


def _next_monday() -> date:
    day = today()
    return day + timedelta(days=7 - day.weekday())


def test_a_build_asked_for_through_the_api_starts_within_seconds(tmp_path: Path) -> None:
    """The embedded install: the app's own runner, asleep for its 30 s poll, takes the
    schedule build a request queued at once."""
    settings = Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/app.db",
        secret_key="wake-test-key",  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )
    assert settings.effective_jobs_backend == "inprocess"
    engine = make_engine(settings.effective_database_url)
    migrate.upgrade(engine)
    with session_scope(make_sessionmaker(engine)) as session:
        director = make_user(session, role=Role.DIRECTOR)
        secret, _ = security_service.create_api_token(
            session, actor=SYSTEM, username=director.username, name="wake"
        )
    headers = {"Authorization": f"Bearer {secret}"}
    with TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 60
        time.sleep(0.5)  # the runner's first pass starts with the app
        while not _settled(engine):
            assert time.monotonic() < deadline, "the runner's first pass did not end"
            time.sleep(0.1)
        asked = time.monotonic()
        response = client.post(
            "/api/v1/schedule/builds",
            json={"week_of": _next_monday().isoformat(), "time_limit": 1},
            headers=headers,
        )
        assert response.status_code == 202, response.text
        while True:
            with Session(engine) as session:
                run = session.scalars(select(JobRun).where(JobRun.name == BUILD_JOB)).one()
            if run.status is not RunStatus.QUEUED:
                break
            assert time.monotonic() - asked < PROMPT, "the build waited for the next poll"
            time.sleep(0.05)
        assert run.started_at is not None
        assert run.started_at - run.enqueued_at < timedelta(seconds=PROMPT)
    engine.dispose()
