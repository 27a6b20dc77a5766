"""Declaring background jobs: ``@task`` for work enqueued on demand, ``@periodic`` for work
due at a wall-clock time in the program's time zone.

A job function has the shape of a service and is called by the runner in its own
transaction::

    @task("reviews.run_site")
    def run_site(session: Session, *, actor: Actor, settings: Settings, site_id: str) -> None:
        ...

Tasks receive their payload as it was enqueued (JSON values: pass ids and ISO dates, not
objects). Periodic jobs receive ``day``, the program-calendar date of the slot they run
for. Both must be idempotent: a run that failed half-way, or whose worker died, runs again.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

JobFunction = Callable[..., None]

DEFAULT_ATTEMPTS = 3
EVERY_DAY = frozenset(range(7))
# Modules whose import registers jobs; a domain with a tasks.py adds itself here.
JOB_MODULES = (
    "stepdown.drug_testing.tasks",
    "stepdown.aftercare.tasks",
    "stepdown.transitions.tasks",
    "stepdown.audit.tasks",
    "stepdown.scheduling.tasks",
    "stepdown.alerts.tasks",
    "stepdown.calendar.notices",
    "stepdown.coverage.tasks",
)


@dataclass(frozen=True)
class Job:
    name: str
    fn: JobFunction
    max_attempts: int
    at: time | None = None  # periodic jobs only: wall-clock time in the program's zone
    weekdays: frozenset[int] = EVERY_DAY  # periodic jobs only: Monday is 0

    @property
    def periodic(self) -> bool:
        return self.at is not None

    def _slot_on(self, day: date, zone: ZoneInfo) -> datetime | None:
        if self.at is None or day.weekday() not in self.weekdays:
            return None
        return datetime.combine(day, self.at, tzinfo=zone)

    def latest_slot(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """The most recent slot at or before ``now``: the one a worker should make sure ran.

        Only the latest: a worker that was down for three nights runs last night's job
        once, not three stale ones.
        """
        local_today = now.astimezone(zone).date()
        for back in range(8):
            slot = self._slot_on(local_today - timedelta(days=back), zone)
            if slot is not None and slot <= now:
                return slot
        return None

    def next_slot(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        local_today = now.astimezone(zone).date()
        for ahead in range(8):
            slot = self._slot_on(local_today + timedelta(days=ahead), zone)
            if slot is not None and slot > now:
                return slot
        return None


class Registry:
    """Jobs by name. The application uses one (``default_registry``); tests build their own."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def _add(self, job: Job) -> None:
        if job.name in self._jobs:
            raise ValueError(f"a job named {job.name!r} is already registered")
        self._jobs[job.name] = job

    def task(
        self, name: str, *, attempts: int = DEFAULT_ATTEMPTS
    ) -> Callable[[JobFunction], JobFunction]:
        """Register a job that runs when enqueued (``service.enqueue``)."""

        def register(fn: JobFunction) -> JobFunction:
            self._add(Job(name=name, fn=fn, max_attempts=attempts))
            return fn

        return register

    def periodic(
        self,
        name: str,
        *,
        at: time,
        weekdays: frozenset[int] = EVERY_DAY,
        attempts: int = DEFAULT_ATTEMPTS,
    ) -> Callable[[JobFunction], JobFunction]:
        """Register a job due every day (or on ``weekdays``) at ``at``, program time."""

        def register(fn: JobFunction) -> JobFunction:
            self._add(Job(name=name, fn=fn, max_attempts=attempts, at=at, weekdays=weekdays))
            return fn

        return register

    def get(self, name: str) -> Job | None:
        return self._jobs.get(name)

    def jobs(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda job: job.name)

    def names(self) -> list[str]:
        return sorted(self._jobs)


REGISTRY = Registry()
task = REGISTRY.task
periodic = REGISTRY.periodic


def default_registry() -> Registry:
    """The application's jobs, after importing every module that declares some."""
    for module in JOB_MODULES:
        importlib.import_module(module)
    return REGISTRY
