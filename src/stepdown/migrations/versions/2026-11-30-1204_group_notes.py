"""group notes and per-member lines

Revision ID: e1f2a3b4c5d7
Revises: d0e1f2a3b4c6
Create Date: 2026-11-30 12:04:00
"""

from collections.abc import Sequence

revision: str = "e1f2a3b4c5d7"
down_revision: str | None = "d0e1f2a3b4c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
