"""Run due jobs: once (``stepdown worker run --once``), in a loop, or in a daemon thread.

Each run gets a fresh session and the system actor named after the job, so the audit
trail says which job wrote what. The job's effects and its ``succeeded`` mark commit in
one transaction: a run is either done, with its effects, or queued again without them.

Between passes a polling runner sleeps ``interval`` seconds, or less: a transaction of
this process that enqueues a run wakes it when it commits (``service.subscribe``), so a
job a request queued starts at once. Runs queued by another process wait for the next poll.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from stepdown.jobs import service
from stepdown.jobs.models import JobRun, RunStatus
from stepdown.jobs.registry import Registry
from stepdown.kit.clock import utc_now
from stepdown.kit.db import session_scope
from stepdown.security.actor import Actor
from stepdown.settings import Settings

log = logging.getLogger("stepdown.jobs")
DEFAULT_INTERVAL_SECONDS = 30.0


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _describe(exc: Exception) -> str:
    """The error's type and first line only: a database error goes on to quote the row's
    values, and logs and the run record carry ids, never a client's details."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


@dataclass
class Worker:
    factory: sessionmaker[Session]
    settings: Settings
    registry: Registry
    name: str = field(default_factory=_worker_name)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _wake: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def run_due(self, now: datetime | None = None) -> int:
        """Queue due periodic slots, then run every job due by ``now``; how many ran.

        A run that fails is queued again for after this pass, so this always ends.
        """
        now = now or utc_now()
        with session_scope(self.factory) as session:
            service.schedule_due(session, registry=self.registry, zone=self.zone, now=now)
        ran = 0
        while not self._stop.is_set() and (run_id := self._claim(now)) is not None:
            self._execute(run_id, now)
            ran += 1
        return ran

    def _claim(self, now: datetime) -> uuid.UUID | None:
        # Tasks that jobs of this pass enqueued (a fan-out) are due after ``now``: take them too.
        at = max(now, utc_now())
        with session_scope(self.factory) as session:
            run = service.claim(session, names=self.registry.names(), worker=self.name, now=at)
            return run.id if run is not None else None

    def _execute(self, run_id: uuid.UUID, now: datetime) -> None:
        session = self.factory()
        try:
            run = session.get_one(JobRun, run_id)
            job = self.registry.get(run.name)
            assert job is not None  # claim only takes names from this registry
            payload = dict(run.payload)
            if job.periodic:
                payload["day"] = date.fromisoformat(payload["day"])
            log.info("job start name=%s run=%s attempt=%d", run.name, run.id, run.attempts)
            job.fn(
                session, actor=Actor.system(f"job:{job.name}"), settings=self.settings, **payload
            )
            run.status = RunStatus.SUCCEEDED
            run.finished_at = utc_now()
            run.last_error = None
            session.commit()
            log.info("job done name=%s run=%s", job.name, run_id)
        except Exception as exc:
            session.rollback()
            error = _describe(exc)
            log.error("job failed run=%s %s", run_id, error)
            self._fail(run_id, error, now)
        finally:
            session.close()

    def _fail(self, run_id: uuid.UUID, error: str, now: datetime) -> None:
        with session_scope(self.factory) as session:
            run = session.get_one(JobRun, run_id)
            job = self.registry.get(run.name)
            assert job is not None
            service.record_failure(run, job=job, error=error[:1000], now=max(now, utc_now()))

    def run_forever(self, interval: float | None = None) -> None:
        """Poll until ``stop()``, and at once when this process enqueues a run; a database
        that is briefly down only delays the jobs.

        ``interval`` defaults to ``DEFAULT_INTERVAL_SECONDS`` as it is at the call.
        """
        interval = DEFAULT_INTERVAL_SECONDS if interval is None else interval
        service.subscribe(self._wake)
        try:
            while not self._stop.is_set():
                # Cleared before the pass: a run enqueued during it wakes the next one.
                self._wake.clear()
                try:
                    self.run_due()
                except Exception:
                    log.exception("job worker pass failed; retrying in %.0f s", interval)
                self._wake.wait(interval)
        finally:
            service.unsubscribe(self._wake)

    def start(self, interval: float | None = None) -> None:
        """Run in a daemon thread beside the web app (the embedded, single-server install)."""
        self._thread = threading.Thread(
            target=self.run_forever, args=(interval,), name="stepdown-jobs", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
