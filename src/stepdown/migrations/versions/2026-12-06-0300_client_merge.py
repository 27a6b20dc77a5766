"""client merge: two records of one person folded together, reversibly

Revision ID: 4f1c2a7e9b30
Revises: 2c8e6a1f9d47
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4f1c2a7e9b30"
down_revision: str | None = "2c8e6a1f9d47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_merge",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_client_id", sa.Uuid(), nullable=False),
        sa.Column("target_client_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_by_id", sa.Uuid(), nullable=True),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("filled", sa.JSON(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_client_id"],
            ["client.id"],
            name=op.f("fk_client_merge_source_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["target_client_id"],
            ["client.id"],
            name=op.f("fk_client_merge_target_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["merged_by_id"],
            ["user_account.id"],
            name=op.f("fk_client_merge_merged_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"],
            ["user_account.id"],
            name=op.f("fk_client_merge_undone_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_merge")),
    )
    op.create_index(op.f("ix_client_merge_source_client_id"), "client_merge", ["source_client_id"])
    op.create_index(op.f("ix_client_merge_target_client_id"), "client_merge", ["target_client_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_client_merge_target_client_id"), table_name="client_merge")
    op.drop_index(op.f("ix_client_merge_source_client_id"), table_name="client_merge")
    op.drop_table("client_merge")
