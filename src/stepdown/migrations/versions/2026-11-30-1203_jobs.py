"""background job runs

Revision ID: d0e1f2a3b4c6
Revises: c9d0e1f2a3b5
Create Date: 2026-11-30 12:03:00
"""

from collections.abc import Sequence

revision: str = "d0e1f2a3b4c6"
down_revision: str | None = "c9d0e1f2a3b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
