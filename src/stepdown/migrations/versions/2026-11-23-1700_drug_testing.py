"""drug testing: random test draws (commitment, revealed seed, inputs, hash) and test orders

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "e5f6a7b8c9d0"
down_revision: str | None = "d4e5f6a7b8c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "random_test_draw",
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rate_per_week", sa.Double(), nullable=False),
        sa.Column("program_days", sa.Integer(), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("committed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sealed_seed", sa.LargeBinary(length=32), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=True),
        sa.Column("revealed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("probability", sa.Double(), nullable=True),
        sa.Column("eligible", sa.JSON(), nullable=True),
        sa.Column("selected", sa.JSON(), nullable=True),
        sa.Column("draw_hash", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
            name=op.f("fk_random_test_draw_site_id_site"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_random_test_draw")),
        sa.UniqueConstraint("site_id", "day", name=op.f("uq_random_test_draw_site_id")),
    )
    op.create_table(
        "test_order",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "admission",
                "scheduled",
                "for_cause",
                "random",
                name="test_order_reason",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("draw_id", sa.Uuid(), nullable=True),
        sa.Column("ordered_by", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "ordered",
                "collected",
                "refused",
                "missed",
                name="test_order_status",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_test_order_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["random_test_draw.id"],
            name=op.f("fk_test_order_draw_id_random_test_draw"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ordered_by"],
            ["user_account.id"],
            name=op.f("fk_test_order_ordered_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_order")),
        sa.UniqueConstraint("draw_id", "client_id", name=op.f("uq_test_order_draw_id")),
    )
    with op.batch_alter_table("test_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_test_order_client_id"), ["client_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("test_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_order_client_id"))

    op.drop_table("test_order")
    op.drop_table("random_test_draw")
