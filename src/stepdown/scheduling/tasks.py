"""The schedule build job: runs the optimizer for a build the director asked for.

The runner hands the job a session already in a transaction (it loaded the run), which on
SQLite holds the write lock. The job uses it for one short transaction that reads the week
and marks the build solving, commits, and then solves with no transaction open, so the
pages and every other writer carry on while CP-SAT thinks. Progress goes to the build in
short transactions of its own (``_ProgressWriter``); the result is stored in a last one,
which writes nothing if the build was discarded meanwhile.

One attempt only: a director is watching the page, and a failure (with its reason) is more
use to them than a silent retry minutes later.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from stepdown.jobs.registry import task
from stepdown.kit.db import session_scope
from stepdown.kit.errors import StepdownError
from stepdown.scheduling import service
from stepdown.scheduling.exchange import Instance, Solution
from stepdown.security.actor import Actor
from stepdown.settings import Settings

if TYPE_CHECKING:  # CP-SAT loads only in the process that solves (a second off start-up)
    from stepdown.scheduling.solver import Progress

log = logging.getLogger("stepdown.scheduling")

# Seconds between progress writes: the page polls every 2 s, and each write is a transaction
# that, on SQLite, takes the write lock for a moment.
PROGRESS_EVERY = 3.0


class Solver(Protocol):
    """What the job needs of the optimizer (``solver.solve``)."""

    def __call__(
        self,
        instance: Instance,
        *,
        time_limit: float,
        on_progress: Callable[[Progress], None],
    ) -> Solution: ...


class _ProgressWriter:
    """Writes the optimizer's latest progress from a thread of its own, at most every
    ``every`` seconds, each time in its own short transaction.

    CP-SAT reports from its search threads, many times a second; they only hand the latest
    figures over, so the search never waits on the database. A write that fails (SQLite busy
    for longer than its timeout) is logged and skipped: the next one, or the result,
    replaces it.
    """

    def __init__(
        self, factory: sessionmaker[Session], build_id: uuid.UUID, clients: int, every: float
    ) -> None:
        self._factory = factory
        self._build_id = build_id
        self._clients = clients
        self._every = every
        self._lock = threading.Lock()
        self._latest: Progress | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stepdown-build-progress")

    def __call__(self, progress: Progress) -> None:
        with self._lock:
            self._latest = progress
        self._wake.set()

    def __enter__(self) -> _ProgressWriter:
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self._stop.is_set():
                return
            self._wake.clear()
            with self._lock:
                progress = self._latest
            if progress is not None:
                self._write(progress)
            if self._stop.wait(self._every):
                return

    def _write(self, progress: Progress) -> None:
        figures: dict[str, float | int] = {
            "clients": self._clients,
            "seconds": round(progress.seconds, 1),
            "compliant": progress.compliant,
            "compliant_bound": progress.compliant_bound,
            "objective": progress.objective,
            "bound": progress.bound,
        }
        try:
            with session_scope(self._factory) as session:
                service.record_progress(session, build_id=self._build_id, progress=figures)
        except SQLAlchemyError as exc:
            log.warning("build progress not written build=%s %s", self._build_id, _first_line(exc))


def _first_line(exc: Exception) -> str:
    """The error's type and first line: database errors go on to quote a statement's values,
    and logs and the page carry ids, never a client's details."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _optimizer() -> Solver:
    """CP-SAT, loaded only in the process that runs a build (a second off start-up)."""
    from stepdown.scheduling.solver import solve

    return solve


@task(service.BUILD_JOB, attempts=1)
def solve_build(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    build_id: str,
    solver: Solver | None = None,
) -> None:
    """Solve a queued build and store it as a draft, or as failed with the reason.

    ``solver`` is for tests, which register this function with a stub that waits or fails
    on cue; a queued run's payload holds only the build's id.
    """
    build = uuid.UUID(build_id)
    try:
        work = service.start_build(session, actor=actor, build_id=build)
        session.commit()  # nothing stays open, on SQLite not the write lock, while CP-SAT runs
        if work is None:
            return
        instance = work.export.instance
        progress = _ProgressWriter(
            sessionmaker(bind=session.get_bind(), expire_on_commit=False),
            build,
            clients=len(instance.clients),
            every=PROGRESS_EVERY,
        )
        run = solver if solver is not None else _optimizer()
        with progress:
            solution = run(instance, time_limit=work.time_limit, on_progress=progress)
        # The validator and the unmet diagnosis take a while on a large week: before the
        # transaction that stores the result, not inside it.
        summary = service.summarize(
            instance, solution, skipped=work.export.skipped, method="optimizer"
        )
        service.finish_build(
            session,
            actor=actor,
            build_id=build,
            export=work.export,
            solution=solution,
            summary=summary,
        )
        session.commit()
    except StepdownError as exc:  # e.g. nobody to schedule: the build's outcome, not a fault
        session.rollback()
        service.fail_build(session, actor=actor, build_id=build, reason=exc.message)
    except Exception as exc:
        session.rollback()
        service.fail_build(session, actor=actor, build_id=build, reason=_first_line(exc))
        session.commit()
        raise  # the run is marked failed too, for `stepdown worker status`
