"""schedule builds run as background jobs: the requested time limit, progress, the error

A build is now a row from the moment it is asked for (queued, solving, then draft or
failed), so the page can poll it while a job runs the optimizer outside the request. The
statuses are plain strings (no CHECK constraint), so the new ones need no change here.
Existing builds get empty progress and no time limit. Columns are added and dropped with
plain ALTER TABLE: SQLite's batch copy would drop and recreate schedule_build, which
published occurrences and appointments reference.

Downgrading deletes the builds that never reached a draft, and their queued jobs: code from
before this revision knows neither their statuses nor the job.

Revision ID: 5da5682f9eed
Revises: 276902505b1b
Create Date: 2026-12-04 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5da5682f9eed"
down_revision: str | None = "276902505b1b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("schedule_build", sa.Column("time_limit", sa.Double(), nullable=True))
    op.add_column(
        "schedule_build",
        sa.Column("progress", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )
    op.add_column("schedule_build", sa.Column("error", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute(
        "DELETE FROM job_run WHERE name = 'schedule.build' AND status IN ('queued', 'running')"
    )
    op.execute("DELETE FROM schedule_build WHERE status IN ('queued', 'solving', 'failed')")
    op.drop_column("schedule_build", "error")
    op.drop_column("schedule_build", "progress")
    op.drop_column("schedule_build", "time_limit")
