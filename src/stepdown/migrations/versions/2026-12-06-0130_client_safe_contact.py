"""client.safe_contact_instructions: how staff may reach a client safely

Revision ID: 8d2f5b7e1a94
Revises: 6e1a9c4d2f83
Create Date: 2026-12-06 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d2f5b7e1a94"
down_revision: str | None = "6e1a9c4d2f83"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "client",
        sa.Column("safe_contact_instructions", sa.Text(), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("client", "safe_contact_instructions")
