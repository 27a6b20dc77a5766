"""inquiries: the admissions pipeline and each inquiry's status history

Revision ID: 3f1a2b4c5d6e
Revises: be0bd1bd036b
Create Date: 2026-11-23 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "3f1a2b4c5d6e"
down_revision: str | None = "be0bd1bd036b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = (
    "new",
    "contacted",
    "assessment_scheduled",
    "admitted",
    "referred_out",
    "declined",
    "lost",
)


def _status() -> sa.Enum:
    return sa.Enum(*STATUSES, name="inquiry_status", native_enum=False, length=30)


def upgrade() -> None:
    op.create_table(
        "inquiry",
        sa.Column(
            "source",
            sa.Enum(
                "phone",
                "walk_in",
                "referral",
                "web_form",
                name="inquiry_source",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "caller_type",
            sa.Enum(
                "self", "family", "professional", name="caller_type", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("caller_name", sa.String(length=120), nullable=False),
        sa.Column("caller_relationship", sa.String(length=60), nullable=False),
        sa.Column("first_name", sa.String(length=80), nullable=False),
        sa.Column("last_name", sa.String(length=80), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("preferred_contact_time", sa.String(length=80), nullable=False),
        sa.Column("contact_instructions", sa.String(length=200), nullable=False),
        sa.Column("consent_to_contact", sa.Boolean(), nullable=False),
        sa.Column("substances", sa.JSON(), nullable=False),
        sa.Column("payer_name", sa.String(length=120), nullable=False),
        sa.Column("member_id", sa.String(length=60), nullable=False),
        sa.Column(
            "urgency",
            sa.Enum(
                "routine", "soon", "urgent", name="inquiry_urgency", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("referral_source", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("assigned_to_id", sa.Uuid(), nullable=True),
        sa.Column("status", _status(), nullable=False),
        sa.Column("status_changed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assessment_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("external_ref", sa.String(length=64), nullable=True),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"],
            ["user_account.id"],
            name=op.f("fk_inquiry_assigned_to_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_inquiry_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_inquiry_site_id_site"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry")),
        sa.UniqueConstraint("external_ref", name=op.f("uq_inquiry_external_ref")),
    )
    with op.batch_alter_table("inquiry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inquiry_assigned_to_id"), ["assigned_to_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inquiry_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inquiry_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inquiry_status"), ["status"], unique=False)

    op.create_table(
        "inquiry_status_change",
        sa.Column("inquiry_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("from_status", _status(), nullable=True),
        sa.Column("to_status", _status(), nullable=False),
        sa.Column("changed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Uuid(), nullable=True),
        sa.Column("changed_by_label", sa.String(length=120), nullable=False),
        sa.Column("assessment_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("partner", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["user_account.id"],
            name=op.f("fk_inquiry_status_change_changed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiry.id"],
            name=op.f("fk_inquiry_status_change_inquiry_id_inquiry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_status_change")),
        sa.UniqueConstraint("inquiry_id", "seq", name=op.f("uq_inquiry_status_change_inquiry_id")),
    )
    with op.batch_alter_table("inquiry_status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inquiry_status_change_inquiry_id"), ["inquiry_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inquiry_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inquiry_status_change_inquiry_id"))

    op.drop_table("inquiry_status_change")
    with op.batch_alter_table("inquiry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inquiry_status"))
        batch_op.drop_index(batch_op.f("ix_inquiry_site_id"))
        batch_op.drop_index(batch_op.f("ix_inquiry_client_id"))
        batch_op.drop_index(batch_op.f("ix_inquiry_assigned_to_id"))

    op.drop_table("inquiry")
