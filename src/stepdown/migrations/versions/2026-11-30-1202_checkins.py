"""client daily check-ins

``checkin`` holds each check-in as given (craving and mood 0-10, sleep, risky situations,
use since the last one, a note) with its program-local day and who entered it. Check-in
alerts use the ``alert`` table with two new kinds (``checkin_use``, ``checkin_craving``);
``alert.kind`` has no CHECK constraint, so they need no change there.

Revision ID: c9d0e1f2a3b5
Revises: b8c9d0e1f2a4
Create Date: 2026-11-30 12:02:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "c9d0e1f2a3b5"
down_revision: str | None = "b8c9d0e1f2a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkin",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("submitted_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("craving", sa.Integer(), nullable=False),
        sa.Column("mood", sa.Integer(), nullable=False),
        sa.Column("sleep_hours", sa.Numeric(precision=3, scale=1), nullable=True),
        sa.Column("sleep_quality", sa.Integer(), nullable=True),
        sa.Column("risky_situations", sa.JSON(), nullable=False),
        sa.Column("risky_other", sa.String(length=300), nullable=False),
        sa.Column("used_since_last", sa.Boolean(), nullable=False),
        sa.Column("substance", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("entered_by", sa.Uuid(), nullable=True),
        sa.Column(
            "entry_mode",
            sa.Enum("self", "staff", name="checkin_entry_mode", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_checkin_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by"],
            ["user_account.id"],
            name=op.f("fk_checkin_entered_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin")),
    )
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.create_index("ix_checkin_client_day", ["client_id", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_client_day")
    op.drop_table("checkin")
