"""fhir: system clients of the FHIR API (OAuth 2.0 client credentials) and their tokens

Revision ID: a2b3c4d5e6f7
Revises: f1a2b3c4d5e6
Create Date: 2026-12-06 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "a2b3c4d5e6f7"
down_revision: str | None = "f1a2b3c4d5e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fhir_client",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "treatment",
                "payment",
                "operations",
                "patient_request",
                "court_supervision",
                "family_involvement",
                "other",
                name="fhir_client_purpose",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("disabled_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_fhir_client_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["disabled_by"],
            ["user_account.id"],
            name=op.f("fk_fhir_client_disabled_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["disclosure_recipient.id"],
            name=op.f("fk_fhir_client_recipient_id_disclosure_recipient"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_client")),
        sa.UniqueConstraint("client_id", name=op.f("uq_fhir_client_client_id")),
    )
    with op.batch_alter_table("fhir_client", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fhir_client_recipient_id"), ["recipient_id"], unique=False
        )

    op.create_table(
        "fhir_access_token",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("fhir_client_id", sa.Uuid(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("issued_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fhir_client_id"],
            ["fhir_client.id"],
            name=op.f("fk_fhir_access_token_fhir_client_id_fhir_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_access_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_fhir_access_token_token_hash")),
    )
    with op.batch_alter_table("fhir_access_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fhir_access_token_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fhir_access_token_fhir_client_id"), ["fhir_client_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("fhir_access_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fhir_access_token_fhir_client_id"))
        batch_op.drop_index(batch_op.f("ix_fhir_access_token_expires_at"))

    op.drop_table("fhir_access_token")
    with op.batch_alter_table("fhir_client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fhir_client_recipient_id"))

    op.drop_table("fhir_client")
