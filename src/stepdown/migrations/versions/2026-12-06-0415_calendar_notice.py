"""calendar notices: "your schedule for the week has changed", per client or staff member

Revision ID: 6b3e4c9a1d52
Revises: 5a2d3b8f0c41
Create Date: 2026-12-06 04:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "6b3e4c9a1d52"
down_revision: str | None = "5a2d3b8f0c41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_notice",
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("build_id", sa.Uuid(), nullable=True),
        sa.Column("week_of", sa.Date(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("read_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_due", sa.Boolean(), nullable=False),
        sa.Column("emailed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(client_id IS NULL) <> (user_id IS NULL)",
            name=op.f("ck_calendar_notice_one_recipient"),
        ),
        sa.ForeignKeyConstraint(
            ["build_id"],
            ["schedule_build.id"],
            name=op.f("fk_calendar_notice_build_id_schedule_build"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_calendar_notice_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_calendar_notice_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_notice")),
    )
    op.create_index(
        op.f("ix_calendar_notice_client_id"), "calendar_notice", ["client_id"], unique=False
    )
    op.create_index(
        op.f("ix_calendar_notice_user_id"), "calendar_notice", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_calendar_notice_user_id"), table_name="calendar_notice")
    op.drop_index(op.f("ix_calendar_notice_client_id"), table_name="calendar_notice")
    op.drop_table("calendar_notice")
