"""portal invitations: one-time, expiring links for a client to make their portal account

Revision ID: 2c8e6a1f9d47
Revises: 8d2f5b7e1a94
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2c8e6a1f9d47"
down_revision: str | None = "8d2f5b7e1a94"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_invitation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_portal_invitation_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_portal_invitation_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_invitation_token_hash")),
    )
    op.create_index(
        op.f("ix_portal_invitation_client_id"), "portal_invitation", ["client_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_portal_invitation_client_id"), table_name="portal_invitation")
    op.drop_table("portal_invitation")
