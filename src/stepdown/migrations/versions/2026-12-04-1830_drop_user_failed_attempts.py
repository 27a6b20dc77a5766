"""drop user_account.failed_attempts: sign-in failures are counted from the audit trail

Failed sign-ins are counted from the audit trail (per account and per address, see
security/throttle.py), so nothing reads or writes the column any more. Dropped
with plain ALTER TABLE (SQLite 3.35+): a batch copy would drop and recreate user_account,
which most tables reference.

Revision ID: 9c3e1f7a2b64
Revises: 5da5682f9eed
Create Date: 2026-12-04 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c3e1f7a2b64"
down_revision: str | None = "5da5682f9eed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_column("user_account", "failed_attempts")


def downgrade() -> None:
    op.add_column(
        "user_account",
        sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"),
    )
