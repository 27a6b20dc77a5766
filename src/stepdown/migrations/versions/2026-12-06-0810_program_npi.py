"""the program's organization NPI, which payers know it by (eligibility inquiries, claims)

Revision ID: d9e8f3a0b5c2
Revises: c8d7e2f9a4b1
Create Date: 2026-12-06 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d9e8f3a0b5c2"
down_revision: str | None = "c8d7e2f9a4b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("program", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("npi", sa.String(length=10), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("program", schema=None) as batch_op:
        batch_op.drop_column("npi")
