"""placement reads the chart: exclusions with reasons replace attached evidence; a hospital
level of care (ASAM level 4) for referrals out

Revision ID: 8e1c39f2477f
Revises: 00c9387fb7fd
Create Date: 2026-12-04 15:01:00
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql import column, table

import stepdown.kit.orm

revision: str = "8e1c39f2477f"
down_revision: str | None = "00c9387fb7fd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LEVEL = table(
    "level_of_care",
    column("id", sa.Uuid()),
    column("code", sa.String()),
    column("name", sa.String()),
    column("step_down_order", sa.Integer()),
    column("asam_level", sa.String()),
    column("days_per_week_min", sa.Integer()),
    column("days_per_week_max", sa.Integer()),
    column("supervision", sa.String()),
    column("medical_monitoring", sa.String()),
    column("has_day_track", sa.Boolean()),
    column("has_evening_track", sa.Boolean()),
    column("provided_in_house", sa.Boolean()),
    column("is_active", sa.Boolean()),
    column("created_at", stepdown.kit.orm.UTCDateTime()),
    column("updated_at", stepdown.kit.orm.UTCDateTime()),
)


def upgrade() -> None:
    op.create_table(
        "assessment_exclusion",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("excluded_by", sa.Uuid(), nullable=True),
        sa.Column("excluded_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["dimensional_assessment.id"],
            name=op.f("fk_assessment_exclusion_assessment_id_dimensional_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["excluded_by"],
            ["user_account.id"],
            name=op.f("fk_assessment_exclusion_excluded_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["instrument_response.id"],
            name=op.f("fk_assessment_exclusion_response_id_instrument_response"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_exclusion")),
        sa.UniqueConstraint(
            "assessment_id", "response_id", name=op.f("uq_assessment_exclusion_assessment_id")
        ),
    )
    with op.batch_alter_table("assessment_exclusion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_exclusion_assessment_id"), ["assessment_id"], unique=False
        )
    # Attached evidence is gone: placement now reads every result in its look-back window.
    # A signed assessment keeps its frozen recommendation, which names what it read.
    with op.batch_alter_table("assessment_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_evidence_assessment_id"))
    op.drop_table("assessment_evidence")

    # Hospital-level care (medically managed or psychiatric inpatient, ASAM level 4) is a
    # partner type of its own, ahead of detox in the catalog's order. Order 0 is free: the
    # catalog was seeded from 1.
    now = datetime.now(UTC)
    op.bulk_insert(
        _LEVEL,
        [
            {
                "id": uuid.uuid4(),
                "code": "HOSPITAL",
                "name": "Hospital (medically managed or psychiatric inpatient)",
                "step_down_order": 0,
                "asam_level": "4",
                "days_per_week_min": 7,
                "days_per_week_max": 7,
                "supervision": "24-hour medically directed care",
                "medical_monitoring": "Medically managed (physician and nursing, 24/7)",
                "has_day_track": False,
                "has_evening_track": False,
                "provided_in_house": False,
                "is_active": True,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )


def downgrade() -> None:
    op.execute(_LEVEL.delete().where(_LEVEL.c.code == "HOSPITAL"))
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
    with op.batch_alter_table("assessment_exclusion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_exclusion_assessment_id"))
    op.drop_table("assessment_exclusion")
