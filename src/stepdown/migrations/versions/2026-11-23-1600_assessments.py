"""assessments: clinical alerts and instrument responses

``alert`` holds findings a clinician must acknowledge (kind and severity are plain strings
without a CHECK, so new kinds need no migration); ``instrument_response`` holds each
administration with the answers as given and the score it got.

Revision ID: a1b2c3d4e5f6
Revises: 5b7e0c2d9a41
Create Date: 2026-11-23 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "a1b2c3d4e5f6"
down_revision: str | None = "5b7e0c2d9a41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "phq9_item9",
                "cssrs_high",
                "cssrs_moderate",
                name="alert_kind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "severity",
            sa.Enum(
                "urgent", "high", "routine", name="alert_severity", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("acknowledged_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        sa.Column("acknowledgement_note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["user_account.id"],
            name=op.f("fk_alert_acknowledged_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_alert_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_alert_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_client_open", ["client_id", "acknowledged_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alert_created_at"), ["created_at"], unique=False)

    op.create_table(
        "instrument_response",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("episode_id", sa.Uuid(), nullable=True),
        sa.Column("instrument", sa.String(length=20), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(length=40), nullable=True),
        sa.Column("subscales", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column(
            "sex",
            sa.Enum("female", "male", name="instrument_sex", native_enum=False, length=10),
            nullable=True,
        ),
        sa.Column("administered_by", sa.Uuid(), nullable=True),
        sa.Column("administered_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("entered_in_error", sa.Boolean(), nullable=False),
        sa.Column("error_reason", sa.Text(), nullable=False),
        sa.Column("error_marked_by", sa.Uuid(), nullable=True),
        sa.Column("error_marked_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["administered_by"],
            ["user_account.id"],
            name=op.f("fk_instrument_response_administered_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_instrument_response_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_instrument_response_episode_id_episode"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["error_marked_by"],
            ["user_account.id"],
            name=op.f("fk_instrument_response_error_marked_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instrument_response")),
    )
    with op.batch_alter_table("instrument_response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_instrument_response_client_trend",
            ["client_id", "instrument", "administered_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_instrument_response_episode_id"), ["episode_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("instrument_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instrument_response_episode_id"))
        batch_op.drop_index("ix_instrument_response_client_trend")

    op.drop_table("instrument_response")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_created_at"))
        batch_op.drop_index("ix_alert_client_open")

    op.drop_table("alert")
