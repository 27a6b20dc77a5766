"""alumni events with RSVPs, and mentorship between alumni volunteers and clients stepping down

Revision ID: b4c5d6e7f8a0
Revises: a3b4c5d6e7f9
Create Date: 2026-11-30 12:07:00
"""

from collections.abc import Sequence

revision: str = "b4c5d6e7f8a0"
down_revision: str | None = "a3b4c5d6e7f9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
