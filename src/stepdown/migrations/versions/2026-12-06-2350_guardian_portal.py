"""guardian portal: a guardian contact's own portal account, and invitations made for one

Revision ID: b3c4d5e6f7a8
Revises: a2b3c4d5e6f7
Create Date: 2026-12-06 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3c4d5e6f7a8"
down_revision: str | None = "a2b3c4d5e6f7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("client_contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("portal_user_id", sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_client_contact_portal_user_id"), ["portal_user_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_client_contact_portal_user_id_user_account"),
            "user_account",
            ["portal_user_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("portal_invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_portal_invitation_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_portal_invitation_contact_id_client_contact"),
            "client_contact",
            ["contact_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("portal_invitation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_portal_invitation_contact_id_client_contact"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_portal_invitation_contact_id"))
        batch_op.drop_column("contact_id")

    with op.batch_alter_table("client_contact", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_client_contact_portal_user_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_client_contact_portal_user_id"), type_="unique")
        batch_op.drop_column("portal_user_id")
