"""care team: a client's case manager beside the primary clinician

A table of (client, role) -> staff member rather than a column per role on ``client``:
SQLite cannot add a named reference to an existing table without copying it.

Revision ID: 6e1a9c4d2f83
Revises: 3b7d2e9a4c10
Create Date: 2026-12-06 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6e1a9c4d2f83"
down_revision: str | None = "3b7d2e9a4c10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "care_team_member",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("case_manager", name="care_team_role", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_care_team_member_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_care_team_member_user_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("client_id", "role", name=op.f("pk_care_team_member")),
    )
    op.create_index(
        op.f("ix_care_team_member_user_id"), "care_team_member", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_care_team_member_user_id"), table_name="care_team_member")
    op.drop_table("care_team_member")
