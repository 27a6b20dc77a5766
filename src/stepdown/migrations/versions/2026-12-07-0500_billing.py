"""billing: the billing profile, payer set-up and contracts, charge lines, claims and their
files, remittances and what they paid

Revision ID: c4d5e6f7a8b9
Revises: b3c4d5e6f7a8
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "c4d5e6f7a8b9"
down_revision: str | None = "b3c4d5e6f7a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "billing_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_name", sa.String(length=60), nullable=False),
        sa.Column("npi", sa.String(length=10), nullable=False),
        sa.Column("tax_id", sa.String(length=9), nullable=False),
        sa.Column("taxonomy", sa.String(length=10), nullable=False),
        sa.Column("address_line1", sa.String(length=55), nullable=False),
        sa.Column("address_line2", sa.String(length=55), nullable=False),
        sa.Column("city", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("zip", sa.String(length=9), nullable=False),
        sa.Column("submitter_name", sa.String(length=60), nullable=False),
        sa.Column("submitter_id", sa.String(length=15), nullable=False),
        sa.Column("contact_name", sa.String(length=60), nullable=False),
        sa.Column("contact_phone", sa.String(length=10), nullable=False),
        sa.Column("attending_last_name", sa.String(length=60), nullable=False),
        sa.Column("attending_first_name", sa.String(length=35), nullable=False),
        sa.Column("attending_npi", sa.String(length=10), nullable=False),
        sa.Column("sender_qualifier", sa.String(length=2), nullable=False),
        sa.Column("production", sa.Boolean(), nullable=False),
        sa.Column("next_interchange", sa.Integer(), nullable=False),
        sa.Column("next_claim", sa.Integer(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_profile")),
    )
    op.create_table(
        "payer_contract",
        sa.Column("payer_id", sa.Uuid(), nullable=False),
        sa.Column("level_code", sa.String(length=20), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column(
            "claim_type",
            sa.Enum("837P", "837I", name="claim_type", native_enum=False),
            nullable=False,
        ),
        sa.Column(
            "mode",
            sa.Enum("per_diem", "per_service", name="billing_mode", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("per_diem_code", sa.String(length=5), nullable=False),
        sa.Column("per_diem_min_minutes", sa.Integer(), nullable=False),
        sa.Column("per_diem_min_services", sa.Integer(), nullable=False),
        sa.Column("revenue_code", sa.String(length=4), nullable=False),
        sa.Column("revenue_codes", sa.JSON(), nullable=False),
        sa.Column("modifiers", sa.JSON(), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("separately_billable", sa.JSON(), nullable=False),
        sa.Column(
            "rounding",
            sa.Enum("midpoint", "whole", name="unit_rounding", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("fees", sa.JSON(), nullable=False),
        sa.Column("place_of_service", sa.String(length=2), nullable=False),
        sa.Column("type_of_bill", sa.String(length=2), nullable=False),
        sa.Column("condition_codes", sa.JSON(), nullable=False),
        sa.Column("medicare", sa.Boolean(), nullable=False),
        sa.Column("requires_authorization", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "per_diem_min_minutes >= 0 AND per_diem_min_services >= 0",
            name=op.f("ck_payer_contract_mins"),
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"],
            ["payer.id"],
            name=op.f("fk_payer_contract_payer_id_payer"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payer_contract")),
    )
    with op.batch_alter_table("payer_contract", schema=None) as batch_op:
        batch_op.create_index(
            "uq_payer_contract_from", ["payer_id", "level_code", "effective_from"], unique=True
        )

    op.create_table(
        "claim_batch",
        sa.Column("payer_id", sa.Uuid(), nullable=False),
        sa.Column(
            "claim_type",
            sa.Enum("837P", "837I", name="claim_type", native_enum=False),
            nullable=False,
        ),
        sa.Column("week_of", sa.Date(), nullable=True),
        sa.Column("interchange_control", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("claim_count", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_claim_batch_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"],
            ["payer.id"],
            name=op.f("fk_claim_batch_payer_id_payer"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_batch")),
        sa.UniqueConstraint("interchange_control", name=op.f("uq_claim_batch_interchange_control")),
    )
    op.create_table(
        "remittance",
        sa.Column("payer_id", sa.Uuid(), nullable=True),
        sa.Column("payer_name", sa.String(length=60), nullable=False),
        sa.Column("trace_number", sa.String(length=50), nullable=False),
        sa.Column("paid_cents", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=3), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("posted_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("posted_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payer_id"],
            ["payer.id"],
            name=op.f("fk_remittance_payer_id_payer"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["posted_by"],
            ["user_account.id"],
            name=op.f("fk_remittance_posted_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remittance")),
    )
    with op.batch_alter_table("remittance", schema=None) as batch_op:
        batch_op.create_index("uq_remittance_trace", ["payer_name", "trace_number"], unique=True)

    op.create_table(
        "payer_billing",
        sa.Column("payer_id", sa.Uuid(), nullable=False),
        sa.Column("electronic_id", sa.String(length=80), nullable=False),
        sa.Column("receiver_name", sa.String(length=60), nullable=False),
        sa.Column("receiver_id", sa.String(length=15), nullable=False),
        sa.Column("receiver_qualifier", sa.String(length=2), nullable=False),
        sa.Column("filing_indicator", sa.String(length=2), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("appeal_days", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "appeal_days BETWEEN 1 AND 730", name=op.f("ck_payer_billing_appeal_days")
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"],
            ["payer.id"],
            name=op.f("fk_payer_billing_payer_id_payer"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["disclosure_recipient.id"],
            name=op.f("fk_payer_billing_recipient_id_disclosure_recipient"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payer_billing")),
        sa.UniqueConstraint("payer_id", name=op.f("uq_payer_billing_payer_id")),
    )
    op.create_table(
        "claim",
        sa.Column("claim_number", sa.String(length=20), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum("1", "7", "8", name="claim_frequency", native_enum=False),
            nullable=False,
        ),
        sa.Column("corrects_id", sa.Uuid(), nullable=True),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("payer_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("coverage_id", sa.Uuid(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column(
            "claim_type",
            sa.Enum("837P", "837I", name="claim_type", native_enum=False),
            nullable=False,
        ),
        sa.Column("week_of", sa.Date(), nullable=False),
        sa.Column("prior_authorization", sa.String(length=50), nullable=False),
        sa.Column("diagnoses", sa.JSON(), nullable=False),
        sa.Column("charge_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("payer_claim_number", sa.String(length=50), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["claim_batch.id"],
            name=op.f("fk_claim_batch_id_claim_batch"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_claim_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["payer_contract.id"],
            name=op.f("fk_claim_contract_id_payer_contract"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["claim.id"],
            name=op.f("fk_claim_corrects_id_claim"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["coverage_id"],
            ["coverage.id"],
            name=op.f("fk_claim_coverage_id_coverage"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_claim_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payer.id"], name=op.f("fk_claim_payer_id_payer"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim")),
    )
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_claim_number"), ["claim_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_client_id"), ["client_id"], unique=False)

    op.create_table(
        "charge_line",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("episode_id", sa.Uuid(), nullable=False),
        sa.Column("week_of", sa.Date(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("level_code", sa.String(length=20), nullable=False),
        sa.Column("payer_id", sa.Uuid(), nullable=True),
        sa.Column("coverage_id", sa.Uuid(), nullable=True),
        sa.Column("contract_id", sa.Uuid(), nullable=True),
        sa.Column("authorization_id", sa.Uuid(), nullable=True),
        sa.Column("authorization_number", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("modifiers", sa.JSON(), nullable=False),
        sa.Column("revenue_code", sa.String(length=4), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("charge_cents", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "held",
                "ready",
                "released",
                "billed",
                "not_billable",
                "self_pay",
                name="charge_status",
                native_enum=False,
                length=15,
            ),
            nullable=False,
        ),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("computed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_by", sa.Uuid(), nullable=True),
        sa.Column("released_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("units >= 0 AND charge_cents >= 0", name=op.f("ck_charge_line_amounts")),
        sa.ForeignKeyConstraint(
            ["authorization_id"],
            ["payer_authorization.id"],
            name=op.f("fk_charge_line_authorization_id_payer_authorization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_charge_line_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["payer_contract.id"],
            name=op.f("fk_charge_line_contract_id_payer_contract"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["coverage_id"],
            ["coverage.id"],
            name=op.f("fk_charge_line_coverage_id_coverage"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_charge_line_episode_id_episode"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"],
            ["payer.id"],
            name=op.f("fk_charge_line_payer_id_payer"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["released_by"],
            ["user_account.id"],
            name=op.f("fk_charge_line_released_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charge_line")),
    )
    with op.batch_alter_table("charge_line", schema=None) as batch_op:
        batch_op.create_index(
            "ix_charge_line_client_day", ["client_id", "service_date"], unique=False
        )
        batch_op.create_index("ix_charge_line_week_status", ["week_of", "status"], unique=False)

    op.create_table(
        "claim_payment",
        sa.Column("remittance_id", sa.Uuid(), nullable=False),
        sa.Column("claim_id", sa.Uuid(), nullable=True),
        sa.Column("claim_number", sa.String(length=38), nullable=False),
        sa.Column("status_code", sa.String(length=2), nullable=False),
        sa.Column("charge_cents", sa.Integer(), nullable=False),
        sa.Column("paid_cents", sa.Integer(), nullable=False),
        sa.Column("patient_cents", sa.Integer(), nullable=False),
        sa.Column("payer_claim_number", sa.String(length=50), nullable=False),
        sa.Column("adjustments", sa.JSON(), nullable=False),
        sa.Column("remarks", sa.JSON(), nullable=False),
        sa.Column("denied", sa.Boolean(), nullable=False),
        sa.Column("appeal_deadline", sa.Date(), nullable=True),
        sa.Column("worked_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("worked_by", sa.Uuid(), nullable=True),
        sa.Column("work_note", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_claim_payment_claim_id_claim"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["remittance.id"],
            name=op.f("fk_claim_payment_remittance_id_remittance"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["worked_by"],
            ["user_account.id"],
            name=op.f("fk_claim_payment_worked_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_payment")),
    )
    with op.batch_alter_table("claim_payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_payment_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_claim_payment_remittance_id"), ["remittance_id"], unique=False
        )

    op.create_table(
        "claim_line",
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("charge_line_id", sa.Uuid(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("control", sa.String(length=50), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("modifiers", sa.JSON(), nullable=False),
        sa.Column("revenue_code", sa.String(length=4), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("charge_cents", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["charge_line_id"],
            ["charge_line.id"],
            name=op.f("fk_claim_line_charge_line_id_charge_line"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_claim_line_claim_id_claim"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_line")),
    )
    with op.batch_alter_table("claim_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_line_charge_line_id"), ["charge_line_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_claim_line_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "line_payment",
        sa.Column("claim_payment_id", sa.Uuid(), nullable=False),
        sa.Column("claim_line_id", sa.Uuid(), nullable=True),
        sa.Column("control", sa.String(length=50), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("charge_cents", sa.Integer(), nullable=False),
        sa.Column("paid_cents", sa.Integer(), nullable=False),
        sa.Column("adjustments", sa.JSON(), nullable=False),
        sa.Column("remarks", sa.JSON(), nullable=False),
        sa.Column("denied", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_line_id"],
            ["claim_line.id"],
            name=op.f("fk_line_payment_claim_line_id_claim_line"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["claim_payment_id"],
            ["claim_payment.id"],
            name=op.f("fk_line_payment_claim_payment_id_claim_payment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_payment")),
    )
    with op.batch_alter_table("line_payment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_line_payment_claim_line_id"), ["claim_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_line_payment_claim_payment_id"), ["claim_payment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("line_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_payment_claim_payment_id"))
        batch_op.drop_index(batch_op.f("ix_line_payment_claim_line_id"))

    op.drop_table("line_payment")
    with op.batch_alter_table("claim_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_line_claim_id"))
        batch_op.drop_index(batch_op.f("ix_claim_line_charge_line_id"))

    op.drop_table("claim_line")
    with op.batch_alter_table("claim_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_payment_remittance_id"))
        batch_op.drop_index(batch_op.f("ix_claim_payment_claim_id"))

    op.drop_table("claim_payment")
    with op.batch_alter_table("charge_line", schema=None) as batch_op:
        batch_op.drop_index("ix_charge_line_week_status")
        batch_op.drop_index("ix_charge_line_client_day")

    op.drop_table("charge_line")
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_client_id"))
        batch_op.drop_index(batch_op.f("ix_claim_claim_number"))
        batch_op.drop_index(batch_op.f("ix_claim_batch_id"))

    op.drop_table("claim")
    op.drop_table("payer_billing")
    with op.batch_alter_table("remittance", schema=None) as batch_op:
        batch_op.drop_index("uq_remittance_trace")

    op.drop_table("remittance")
    op.drop_table("claim_batch")
    with op.batch_alter_table("payer_contract", schema=None) as batch_op:
        batch_op.drop_index("uq_payer_contract_from")

    op.drop_table("payer_contract")
    op.drop_table("billing_profile")
