"""aftercare plans, relapse-prevention check-ins, reminders and follow-ups

Revision ID: a3b4c5d6e7f9
Revises: f2a3b4c5d6e8
Create Date: 2026-11-30 12:06:00
"""

from collections.abc import Sequence

revision: str = "a3b4c5d6e7f9"
down_revision: str | None = "f2a3b4c5d6e8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
