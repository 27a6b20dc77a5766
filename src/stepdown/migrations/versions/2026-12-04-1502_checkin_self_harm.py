"""check-ins ask about thoughts of self-harm (null: not answered, e.g. an older API client)

Revision ID: 5d1f01ff3879
Revises: 8e1c39f2477f
Create Date: 2026-12-04 15:02:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1f01ff3879"
down_revision: str | None = "8e1c39f2477f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable with no default: check-ins given before the question stay "not answered",
    # never "no".
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("self_harm_thoughts", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_column("self_harm_thoughts")
