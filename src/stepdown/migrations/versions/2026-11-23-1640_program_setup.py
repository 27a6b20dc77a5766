"""program set-up: staff profiles, time blocks, candidate group sessions, client schedule
profiles, keep-apart pairs

Revision ID: d4e5f6a7b8c9
Revises: c3d4e5f6a7b8
Create Date: 2026-11-23 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "d4e5f6a7b8c9"
down_revision: str | None = "c3d4e5f6a7b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "time_block",
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "php_day",
                "iop_day",
                "iop_evening",
                "op_evening",
                "saturday",
                name="block_kind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("day", sa.String(length=3), nullable=False),
        sa.Column("start", sa.String(length=5), nullable=False),
        sa.Column("end", sa.String(length=5), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_time_block_site_id_site"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_block")),
    )
    with op.batch_alter_table("time_block", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_block_site_id"), ["site_id"], unique=False)

    op.create_table(
        "group_session",
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("day", sa.String(length=3), nullable=False),
        sa.Column("start", sa.String(length=5), nullable=False),
        sa.Column("end", sa.String(length=5), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum("adult", "adolescent", name="audience", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column(
            "gender",
            sa.Enum("any", "F", "M", name="session_gender", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("min_size", sa.Integer(), nullable=False),
        sa.Column("max_size", sa.Integer(), nullable=False),
        sa.Column("telehealth", sa.Boolean(), nullable=False),
        sa.Column("time_block_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "min_size >= 0 AND max_size >= 1 AND max_size >= min_size",
            name=op.f("ck_group_session_sizes"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
            name=op.f("fk_group_session_site_id_site"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["time_block_id"],
            ["time_block.id"],
            name=op.f("fk_group_session_time_block_id_time_block"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_session")),
        sa.UniqueConstraint("site_id", "code", name=op.f("uq_group_session_site_id")),
    )
    op.create_table(
        "staff_profile",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("max_hours", sa.Double(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
            name=op.f("fk_staff_profile_site_id_site"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_staff_profile_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_profile")),
        sa.UniqueConstraint("user_id", name=op.f("uq_staff_profile_user_id")),
    )
    op.create_table(
        "client_schedule_profile",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("primary_therapist_id", sa.Uuid(), nullable=False),
        sa.Column("individual_sessions", sa.Integer(), nullable=False),
        sa.Column("family_sessions", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_client_schedule_profile_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["primary_therapist_id"],
            ["user_account.id"],
            name=op.f("fk_client_schedule_profile_primary_therapist_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["user_account.id"],
            name=op.f("fk_client_schedule_profile_updated_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_schedule_profile")),
        sa.UniqueConstraint("client_id", name=op.f("uq_client_schedule_profile_client_id")),
    )
    op.create_table(
        "keep_apart",
        sa.Column("client_a_id", sa.Uuid(), nullable=False),
        sa.Column("client_b_id", sa.Uuid(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "relative",
                "co_worker",
                "other",
                name="keep_apart_reason",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_a_id"],
            ["client.id"],
            name=op.f("fk_keep_apart_client_a_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_b_id"],
            ["client.id"],
            name=op.f("fk_keep_apart_client_b_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_keep_apart_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keep_apart")),
        sa.UniqueConstraint("client_a_id", "client_b_id", name=op.f("uq_keep_apart_client_a_id")),
    )
    with op.batch_alter_table("keep_apart", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_keep_apart_client_a_id"), ["client_a_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_keep_apart_client_b_id"), ["client_b_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("keep_apart", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_keep_apart_client_b_id"))
        batch_op.drop_index(batch_op.f("ix_keep_apart_client_a_id"))

    op.drop_table("keep_apart")
    op.drop_table("client_schedule_profile")
    op.drop_table("staff_profile")
    op.drop_table("group_session")
    with op.batch_alter_table("time_block", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_block_site_id"))

    op.drop_table("time_block")
