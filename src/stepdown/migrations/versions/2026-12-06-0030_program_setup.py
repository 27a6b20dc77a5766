"""program details, site closing and staff supervision: set-up without code

``program`` holds the one program's name, contact details and time zone (made by
``stepdown init``); ``site.closed_on`` closes a site without deleting its history;
``supervision`` names who reviews a staff member's work (a table, not a column on
user_account: SQLite cannot add a named reference to an existing table without copying
it, and user_account is referenced by most tables).

Revision ID: 3b7d2e9a4c10
Revises: 9c3e1f7a2b64
Create Date: 2026-12-06 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b7d2e9a4c10"
down_revision: str | None = "9c3e1f7a2b64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "program",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("time_zone", sa.String(length=60), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_program_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program")),
    )
    op.add_column("site", sa.Column("closed_on", sa.Date(), nullable=True))
    op.create_table(
        "supervision",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("supervisor_id", sa.Uuid(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("user_id <> supervisor_id", name=op.f("ck_supervision_not_self")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_supervision_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["user_account.id"],
            name=op.f("fk_supervision_supervisor_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_supervision")),
    )
    op.create_index(
        op.f("ix_supervision_supervisor_id"), "supervision", ["supervisor_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_supervision_supervisor_id"), table_name="supervision")
    op.drop_table("supervision")
    op.drop_column("site", "closed_on")
    op.drop_table("program")
