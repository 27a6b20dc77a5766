"""Enqueue jobs in the caller's transaction, schedule periodic slots, claim due runs.

The ``job_run`` table is both the queue and the record operators read. Claiming a run
commits it as ``running`` before the job starts, so the job's own transaction stays short
and a worker that dies leaves a visible ``running`` row, taken up again after
``STALE_AFTER``. On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED``, so workers on
several servers never take the same row; on SQLite ``BEGIN IMMEDIATE`` serializes them.

A run enqueued here wakes this process's runners as soon as the enqueuing transaction
commits (``subscribe``), so a job a request asked for (a schedule build) starts at once
instead of at the next poll. Runners in other processes are not told: they take it up on
their next poll (30 s by default).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, event, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from stepdown.jobs.models import JobRun, RunStatus
from stepdown.jobs.registry import Job, Registry
from stepdown.kit.clock import utc_now

JsonValue = str | int | float | bool | None

# A run still marked running this long after it started lost its worker (a job that
# legitimately takes longer must say so by being split up).
STALE_AFTER = timedelta(hours=1)
RETRY_DELAY = timedelta(minutes=1)
# Marks a session that enqueued since its last commit (its wake-up is registered).
_WAKE_PENDING = "stepdown.jobs.wake_pending"
_subscribers: set[threading.Event] = set()
_subscribers_lock = threading.Lock()


def subscribe(wake: threading.Event) -> None:
    """Set ``wake`` whenever a transaction that enqueued a run commits in this process.

    Each runner has its own event (several may run in one process, e.g. in tests), waits
    on it between polls and clears it before each pass. ``unsubscribe`` when done.
    """
    with _subscribers_lock:
        _subscribers.add(wake)


def unsubscribe(wake: threading.Event) -> None:
    with _subscribers_lock:
        _subscribers.discard(wake)


def notify() -> None:
    """Wake every runner of this process."""
    with _subscribers_lock:
        waiting = list(_subscribers)
    for wake in waiting:
        wake.set()


def _after_commit(session: Session) -> None:
    session.info.pop(_WAKE_PENDING, None)
    notify()


def _wake_after_commit(session: Session) -> None:
    """Wake the runners once ``session`` commits: not before, when the run is invisible
    to them. A rollback leaves the hook for the session's next commit, which then wakes
    them for nothing: a pass that finds nothing due is cheap."""
    if session.info.get(_WAKE_PENDING):
        return
    session.info[_WAKE_PENDING] = True
    event.listen(session, "after_commit", _after_commit, once=True)


def enqueue(
    session: Session,
    name: str,
    *,
    key: str | None = None,
    run_after: datetime | None = None,
    **payload: JsonValue,
) -> bool:
    """Queue ``name`` with ``payload`` in the caller's transaction; False if ``key`` was taken.

    The run becomes visible to workers only when the caller commits, and vanishes if it
    rolls back, so a job never acts on a change that did not happen. With a ``key`` the
    insert is a no-op when the same (name, key) exists, whoever inserted it.
    """
    return enqueue_payload(session, name, payload, key=key, run_after=run_after)


def enqueue_payload(
    session: Session,
    name: str,
    payload: Mapping[str, JsonValue],
    *,
    key: str | None = None,
    run_after: datetime | None = None,
) -> bool:
    """``enqueue`` for a payload built at run time (``stepdown worker enqueue --param``)."""
    values = {
        "name": name,
        "key": key,
        "payload": dict(payload),
        "status": RunStatus.QUEUED,
        "attempts": 0,
        "run_after": run_after or utc_now(),
        "enqueued_at": utc_now(),
    }
    if key is None:
        session.add(JobRun(**values))
        session.flush()
        _wake_after_commit(session)
        return True
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(JobRun)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["name", "key"])
        .returning(JobRun.id)
    )
    if session.execute(statement).scalar() is None:
        return False
    # Only a new row wakes the runners: every pass re-enqueues the periodic slots, and
    # waking on those no-ops would make the runner's own pass wake it again, for ever.
    _wake_after_commit(session)
    return True


def slot_key(slot: datetime, zone: ZoneInfo) -> str:
    """A slot as program time with its offset: the same text on every server."""
    return slot.astimezone(zone).isoformat(timespec="minutes")


def schedule_due(session: Session, *, registry: Registry, zone: ZoneInfo, now: datetime) -> int:
    """Queue each periodic job's latest slot unless some worker already did; the count new."""
    added = 0
    for job in registry.jobs():
        slot = job.latest_slot(now, zone)
        if slot is None:
            continue
        day = slot.astimezone(zone).date().isoformat()
        added += enqueue(session, job.name, key=slot_key(slot, zone), run_after=slot, day=day)
    return added


def claim(session: Session, *, names: Sequence[str], worker: str, now: datetime) -> JobRun | None:
    """Mark the oldest due run of a known job as ``running`` by ``worker``; the caller commits.

    Only jobs this worker knows are taken, so a server running older code leaves newer
    jobs to the servers that have them.
    """
    due = or_(
        and_(JobRun.status == RunStatus.QUEUED, JobRun.run_after <= now),
        and_(JobRun.status == RunStatus.RUNNING, JobRun.started_at < now - STALE_AFTER),
    )
    run = session.scalar(
        select(JobRun)
        .where(JobRun.name.in_(names), due)
        .order_by(JobRun.run_after)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if run is None:
        return None
    run.status = RunStatus.RUNNING
    run.attempts += 1
    run.started_at = now
    run.finished_at = None
    run.worker = worker
    session.flush()
    return run


def record_failure(run: JobRun, *, job: Job, error: str, now: datetime) -> None:
    """Keep the error; queue the run again later, or give up after the job's attempts."""
    run.last_error = error
    run.finished_at = now
    if run.attempts >= job.max_attempts:
        run.status = RunStatus.FAILED
        return
    run.status = RunStatus.QUEUED
    run.run_after = now + RETRY_DELAY * 2 ** (run.attempts - 1)


def recent_runs(session: Session, *, limit: int = 20) -> list[JobRun]:
    statement = select(JobRun).order_by(JobRun.enqueued_at.desc()).limit(limit)
    return list(session.scalars(statement))
