"""level-of-care review proposals and their decisions

``level_review`` holds one engine proposal per client and run day (unique, so a site's
nightly run is idempotent): the kind, from and target level, the reasons with their
evidence (JSON), urgency, the next review date, and the clinician's decision.

Revision ID: f2a3b4c5d6e8
Revises: e1f2a3b4c5d7
Create Date: 2026-11-30 12:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "f2a3b4c5d6e8"
down_revision: str | None = "e1f2a3b4c5d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "level_review",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("episode_id", sa.Uuid(), nullable=False),
        sa.Column("run_on", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "step_up",
                "reassess",
                "stay",
                "step_down",
                name="proposal_kind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("from_level_id", sa.Uuid(), nullable=False),
        sa.Column("target_level_id", sa.Uuid(), nullable=True),
        sa.Column("discharge", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("urgency", sa.Integer(), nullable=False),
        sa.Column("safety", sa.Boolean(), nullable=False),
        sa.Column("next_review_due", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "accepted",
                "dismissed",
                "superseded",
                name="review_status",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("rule_table_version", sa.Integer(), nullable=False),
        sa.Column("run_by", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_level_review_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user_account.id"],
            name=op.f("fk_level_review_decided_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_level_review_episode_id_episode"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["from_level_id"],
            ["level_of_care.id"],
            name=op.f("fk_level_review_from_level_id_level_of_care"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["run_by"],
            ["user_account.id"],
            name=op.f("fk_level_review_run_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_level_id"],
            ["level_of_care.id"],
            name=op.f("fk_level_review_target_level_id_level_of_care"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level_review")),
        sa.UniqueConstraint("client_id", "run_on", name="uq_level_review_client_run_on"),
    )
    with op.batch_alter_table("level_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_level_review_client_id"), ["client_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("level_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_level_review_client_id"))
    op.drop_table("level_review")
