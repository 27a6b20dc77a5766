"""The job table: the queue and, since rows are kept, the record of every run."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.clock import utc_now
from stepdown.kit.orm import Base, IdMixin, UTCDateTime


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class JobRun(IdMixin, Base):
    """One job to run, or one that ran: what, for which slot, when, how it ended.

    ``key`` makes a run unique per job name: a periodic job's key is its scheduled slot,
    so every server and every restart that schedules the same slot inserts the same row
    and the slot runs once. Tasks enqueued without a key may repeat (NULLs never clash).
    """

    __tablename__ = "job_run"
    __table_args__ = (
        UniqueConstraint("name", "key"),
        Index("ix_job_run_status_run_after", "status", "run_after"),
    )

    name: Mapped[str] = mapped_column(String(100))
    key: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[RunStatus] = mapped_column(
        Enum(
            RunStatus,
            name="run_status",
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=RunStatus.QUEUED,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
