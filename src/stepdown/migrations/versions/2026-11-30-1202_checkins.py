"""client daily check-ins

Revision ID: c9d0e1f2a3b5
Revises: b8c9d0e1f2a4
Create Date: 2026-11-30 12:02:00
"""

from collections.abc import Sequence

revision: str = "c9d0e1f2a3b5"
down_revision: str | None = "b8c9d0e1f2a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
