"""authorizations: a payer's authorization of units for an episode, and each change of its status

Revision ID: e0f9a4b1c6d3
Revises: d9e8f3a0b5c2
Create Date: 2026-12-06 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "e0f9a4b1c6d3"
down_revision: str | None = "d9e8f3a0b5c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payer_authorization",
        sa.Column("episode_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("coverage_id", sa.Uuid(), nullable=False),
        sa.Column("level_code", sa.String(length=20), nullable=False),
        sa.Column(
            "unit_type",
            sa.Enum(
                "day",
                "session",
                "visit",
                "unit_15",
                name="authorization_unit",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("requested_units", sa.Integer(), nullable=False),
        sa.Column("approved_units", sa.Integer(), nullable=True),
        sa.Column("per_week_cap", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "partial",
                "denied",
                "in_appeal",
                "cancelled",
                name="authorization_status",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("auth_number", sa.String(length=50), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("appeal_deadline", sa.Date(), nullable=True),
        sa.Column("reviewer_name", sa.String(length=120), nullable=False),
        sa.Column("reviewer_contact", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_payer_authorization_dates")),
        sa.CheckConstraint("requested_units > 0", name=op.f("ck_payer_authorization_requested")),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_payer_authorization_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["coverage_id"],
            ["coverage.id"],
            name=op.f("fk_payer_authorization_coverage_id_coverage"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_payer_authorization_episode_id_episode"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["user_account.id"],
            name=op.f("fk_payer_authorization_requested_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payer_authorization")),
    )
    with op.batch_alter_table("payer_authorization", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payer_authorization_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            "ix_payer_authorization_episode", ["episode_id", "starts_on"], unique=False
        )
        batch_op.create_index(
            "ix_payer_authorization_status_review", ["status", "next_review_on"], unique=False
        )

    op.create_table(
        "payer_authorization_event",
        sa.Column("authorization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "pending",
                "approved",
                "partial",
                "denied",
                "in_appeal",
                "cancelled",
                name="authorization_status",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "pending",
                "approved",
                "partial",
                "denied",
                "in_appeal",
                "cancelled",
                name="authorization_status",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("approved_units", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["authorization_id"],
            ["payer_authorization.id"],
            name=op.f("fk_payer_authorization_event_authorization_id_payer_authorization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_payer_authorization_event_recorded_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payer_authorization_event")),
    )
    with op.batch_alter_table("payer_authorization_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payer_authorization_event_authorization_id"),
            ["authorization_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("payer_authorization_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payer_authorization_event_authorization_id"))

    op.drop_table("payer_authorization_event")
    with op.batch_alter_table("payer_authorization", schema=None) as batch_op:
        batch_op.drop_index("ix_payer_authorization_status_review")
        batch_op.drop_index("ix_payer_authorization_episode")
        batch_op.drop_index(batch_op.f("ix_payer_authorization_client_id"))

    op.drop_table("payer_authorization")
