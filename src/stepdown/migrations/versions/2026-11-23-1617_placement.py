"""placement: multidimensional assessments (versioned), their evidence, placement decisions

Revision ID: 05e6b207aaa5
Revises: a1b2c3d4e5f6
Create Date: 2026-11-23 16:17:44.470033
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "b2c3d4e5f6a7"
down_revision: str | None = "a1b2c3d4e5f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dimensional_assessment",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("draft", "signed", name="assessment_status", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("d1_rating", sa.Integer(), nullable=False),
        sa.Column("d2_rating", sa.Integer(), nullable=False),
        sa.Column("d3_rating", sa.Integer(), nullable=False),
        sa.Column("d4_rating", sa.Integer(), nullable=False),
        sa.Column("d5_rating", sa.Integer(), nullable=False),
        sa.Column("d6_rating", sa.Integer(), nullable=False),
        sa.Column("d1_notes", sa.Text(), nullable=False),
        sa.Column("d2_notes", sa.Text(), nullable=False),
        sa.Column("d3_notes", sa.Text(), nullable=False),
        sa.Column("d4_notes", sa.Text(), nullable=False),
        sa.Column("d5_notes", sa.Text(), nullable=False),
        sa.Column("d6_notes", sa.Text(), nullable=False),
        sa.Column("withdrawal_risk", sa.String(length=20), nullable=False),
        sa.Column("environment_stable", sa.Boolean(), nullable=False),
        sa.Column("recent_level", sa.String(length=20), nullable=False),
        sa.Column("co_occurring", sa.Boolean(), nullable=False),
        sa.Column("day_available", sa.Boolean(), nullable=False),
        sa.Column("evening_available", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("signed_by", sa.Uuid(), nullable=True),
        sa.Column("signed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recommendation", sa.JSON(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_dimensional_assessment_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_dimensional_assessment_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["signed_by"],
            ["user_account.id"],
            name=op.f("fk_dimensional_assessment_signed_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["dimensional_assessment.id"],
            name=op.f("fk_dimensional_assessment_supersedes_id_dimensional_assessment"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dimensional_assessment")),
        sa.UniqueConstraint(
            "client_id", "version", name=op.f("uq_dimensional_assessment_client_id")
        ),
    )
    with op.batch_alter_table("dimensional_assessment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dimensional_assessment_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "placement_decision",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("recommended_level", sa.String(length=20), nullable=False),
        sa.Column("recommended_track", sa.String(length=20), nullable=False),
        sa.Column("placed_level", sa.String(length=20), nullable=False),
        sa.Column("placed_track", sa.String(length=20), nullable=False),
        sa.Column(
            "discrepancy",
            sa.Enum(
                "level_not_available",
                "client_preference",
                "clinical_judgment",
                "payer_decision",
                "geographic_access",
                "waiting_list",
                "other",
                name="discrepancy",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("discrepancy_text", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("episode_id", sa.Uuid(), nullable=True),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["dimensional_assessment.id"],
            name=op.f("fk_placement_decision_assessment_id_dimensional_assessment"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_placement_decision_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user_account.id"],
            name=op.f("fk_placement_decision_decided_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_placement_decision_episode_id_episode"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner_provider.id"],
            name=op.f("fk_placement_decision_partner_id_partner_provider"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_decision")),
        sa.UniqueConstraint("assessment_id", name=op.f("uq_placement_decision_assessment_id")),
    )
    with op.batch_alter_table("placement_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_placement_decision_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "assessment_evidence",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["dimensional_assessment.id"],
            name=op.f("fk_assessment_evidence_assessment_id_dimensional_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["instrument_response.id"],
            name=op.f("fk_assessment_evidence_response_id_instrument_response"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_evidence")),
        sa.UniqueConstraint(
            "assessment_id", "response_id", name=op.f("uq_assessment_evidence_assessment_id")
        ),
    )
    with op.batch_alter_table("assessment_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_evidence_assessment_id"), ["assessment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assessment_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_evidence_assessment_id"))

    op.drop_table("assessment_evidence")
    with op.batch_alter_table("placement_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_decision_client_id"))

    op.drop_table("placement_decision")
    with op.batch_alter_table("dimensional_assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dimensional_assessment_client_id"))

    op.drop_table("dimensional_assessment")
