"""coverage: payers and their plans, coverages of an inquiry or a client in the order they pay, and eligibility checks with the X12 sent and received

Revision ID: c8d7e2f9a4b1
Revises: a7c6e1f8b3d9
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "c8d7e2f9a4b1"
down_revision: str | None = "a7c6e1f8b3d9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payer",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("payer_code", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("portal_url", sa.String(length=300), nullable=False),
        sa.Column("carve_out_payer_id", sa.Uuid(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["carve_out_payer_id"],
            ["payer.id"],
            name=op.f("fk_payer_carve_out_payer_id_payer"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payer")),
        sa.UniqueConstraint("name", name=op.f("uq_payer_name")),
    )
    op.create_table(
        "payer_plan",
        sa.Column("payer_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "commercial",
                "medicaid",
                "medicaid_managed",
                "medicare",
                "medicare_advantage",
                "tricare",
                "other",
                name="plan_kind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payer_id"],
            ["payer.id"],
            name=op.f("fk_payer_plan_payer_id_payer"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payer_plan")),
    )
    with op.batch_alter_table("payer_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payer_plan_payer_id"), ["payer_id"], unique=False)
        batch_op.create_index("uq_payer_plan_name", ["payer_id", "name"], unique=True)

    op.create_table(
        "coverage",
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("inquiry_id", sa.Uuid(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("self_pay", sa.Boolean(), nullable=False),
        sa.Column("payer_id", sa.Uuid(), nullable=True),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("member_id", sa.String(length=80), nullable=False),
        sa.Column("group_number", sa.String(length=50), nullable=False),
        sa.Column(
            "relationship",
            sa.Enum(
                "18",
                "01",
                "19",
                "20",
                "G8",
                name="coverage_relationship",
                native_enum=False,
                length=4,
            ),
            nullable=False,
        ),
        sa.Column("subscriber_first_name", sa.String(length=35), nullable=False),
        sa.Column("subscriber_last_name", sa.String(length=60), nullable=False),
        sa.Column("subscriber_date_of_birth", sa.Date(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("ended_reason", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "self_pay OR (payer_id IS NOT NULL AND member_id <> '')",
            name=op.f("ck_coverage_payer_or_self_pay"),
        ),
        sa.CheckConstraint(
            "(client_id IS NOT NULL) OR (inquiry_id IS NOT NULL)", name=op.f("ck_coverage_owner")
        ),
        sa.CheckConstraint("rank BETWEEN 1 AND 9", name=op.f("ck_coverage_rank")),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_coverage_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiry.id"],
            name=op.f("fk_coverage_inquiry_id_inquiry"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payer.id"], name=op.f("fk_coverage_payer_id_payer"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["payer_plan.id"],
            name=op.f("fk_coverage_plan_id_payer_plan"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_coverage_recorded_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage")),
    )
    with op.batch_alter_table("coverage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coverage_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coverage_inquiry_id"), ["inquiry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coverage_payer_id"), ["payer_id"], unique=False)

    op.create_table(
        "eligibility_check",
        sa.Column("coverage_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("inquiry_id", sa.Uuid(), nullable=True),
        sa.Column(
            "method",
            sa.Enum(
                "simulator",
                "http",
                "jsonapi",
                "phone",
                name="eligibility_method",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("service_types", sa.JSON(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("trace", sa.String(length=50), nullable=False),
        sa.Column("request_x12", sa.Text(), nullable=False),
        sa.Column("response_x12", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "active",
                "inactive",
                "rejected",
                "mismatch",
                "failed",
                name="eligibility_outcome",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("representative", sa.String(length=120), nullable=False),
        sa.Column("call_reference", sa.String(length=80), nullable=False),
        sa.Column("checked_by", sa.Uuid(), nullable=True),
        sa.Column("checked_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checked_by"],
            ["user_account.id"],
            name=op.f("fk_eligibility_check_checked_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_eligibility_check_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["coverage_id"],
            ["coverage.id"],
            name=op.f("fk_eligibility_check_coverage_id_coverage"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiry.id"],
            name=op.f("fk_eligibility_check_inquiry_id_inquiry"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_check")),
    )
    with op.batch_alter_table("eligibility_check", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_eligibility_check_checked_at"), ["checked_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_eligibility_check_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            "ix_eligibility_check_coverage_at", ["coverage_id", "checked_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_eligibility_check_inquiry_id"), ["inquiry_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("eligibility_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eligibility_check_inquiry_id"))
        batch_op.drop_index("ix_eligibility_check_coverage_at")
        batch_op.drop_index(batch_op.f("ix_eligibility_check_client_id"))
        batch_op.drop_index(batch_op.f("ix_eligibility_check_checked_at"))

    op.drop_table("eligibility_check")
    with op.batch_alter_table("coverage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coverage_payer_id"))
        batch_op.drop_index(batch_op.f("ix_coverage_inquiry_id"))
        batch_op.drop_index(batch_op.f("ix_coverage_client_id"))

    op.drop_table("coverage")
    with op.batch_alter_table("payer_plan", schema=None) as batch_op:
        batch_op.drop_index("uq_payer_plan_name")
        batch_op.drop_index(batch_op.f("ix_payer_plan_payer_id"))

    op.drop_table("payer_plan")
    op.drop_table("payer")
