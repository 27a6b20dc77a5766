"""treatment plans, goals, objectives and interventions

Revision ID: b8c9d0e1f2a4
Revises: a7b8c9d0e1f3
Create Date: 2026-11-30 12:01:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "b8c9d0e1f2a4"
down_revision: str | None = "a7b8c9d0e1f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "treatment_plan",
        sa.Column("episode_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft", "active", "superseded", name="plan_status", native_enum=False, length=30
            ),
            nullable=False,
        ),
        sa.Column("review_interval_days", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("next_review_due", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("clinician_signed_by", sa.Uuid(), nullable=True),
        sa.Column(
            "clinician_signed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("client_signed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "client_signature_method",
            sa.Enum(
                "portal", "in_person", name="client_signature_method", native_enum=False, length=30
            ),
            nullable=True,
        ),
        sa.Column("client_signature_attested_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_treatment_plan_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["client_signature_attested_by"],
            ["user_account.id"],
            name=op.f("fk_treatment_plan_client_signature_attested_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["clinician_signed_by"],
            ["user_account.id"],
            name=op.f("fk_treatment_plan_clinician_signed_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_treatment_plan_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_treatment_plan_episode_id_episode"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["treatment_plan.id"],
            name=op.f("fk_treatment_plan_supersedes_id_treatment_plan"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment_plan")),
        sa.UniqueConstraint("episode_id", "version", name=op.f("uq_treatment_plan_episode_id")),
    )

    with op.batch_alter_table("treatment_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_treatment_plan_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_treatment_plan_episode_id"), ["episode_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_treatment_plan_next_review_due"), ["next_review_due"], unique=False
        )

    op.create_table(
        "plan_intervention",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "modality",
            sa.Enum(
                "cbt_group",
                "relapse_prevention_group",
                "psychoeducation_group",
                "individual_therapy",
                "family_therapy",
                "mat",
                "case_management",
                "peer_support",
                "other",
                name="intervention_modality",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("frequency", sa.String(length=120), nullable=False),
        sa.Column("responsible_user_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["treatment_plan.id"],
            name=op.f("fk_plan_intervention_plan_id_treatment_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responsible_user_id"],
            ["user_account.id"],
            name=op.f("fk_plan_intervention_responsible_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_intervention")),
    )

    with op.batch_alter_table("plan_intervention", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_intervention_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_problem",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["treatment_plan.id"],
            name=op.f("fk_plan_problem_plan_id_treatment_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_problem")),
    )

    with op.batch_alter_table("plan_problem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_problem_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_progress_note",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_plan_progress_note_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_plan_progress_note_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["treatment_plan.id"],
            name=op.f("fk_plan_progress_note_plan_id_treatment_plan"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_progress_note")),
    )

    with op.batch_alter_table("plan_progress_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_progress_note_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_plan_progress_note_plan_id"), ["plan_id"], unique=False
        )

    op.create_table(
        "plan_review",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("reviewer_id", sa.Uuid(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("next_due", sa.Date(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_plan_review_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["treatment_plan.id"],
            name=op.f("fk_plan_review_plan_id_treatment_plan"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["user_account.id"],
            name=op.f("fk_plan_review_reviewer_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_review")),
    )

    with op.batch_alter_table("plan_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_review_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_review_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_goal",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("problem_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("client_words", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["treatment_plan.id"],
            name=op.f("fk_plan_goal_plan_id_treatment_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["plan_problem.id"],
            name=op.f("fk_plan_goal_problem_id_plan_problem"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_goal")),
    )

    with op.batch_alter_table("plan_goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_goal_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_goal_problem_id"), ["problem_id"], unique=False)

    op.create_table(
        "plan_objective",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("lineage_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "not_started",
                "in_progress",
                "met",
                "revised",
                "discontinued",
                name="objective_status",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("status_changed_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["plan_goal.id"],
            name=op.f("fk_plan_objective_goal_id_plan_goal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["treatment_plan.id"],
            name=op.f("fk_plan_objective_plan_id_treatment_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_objective")),
    )

    with op.batch_alter_table("plan_objective", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_objective_goal_id"), ["goal_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_objective_lineage_id"), ["lineage_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_plan_objective_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "objective_status_change",
        sa.Column("note_id", sa.Uuid(), nullable=False),
        sa.Column("objective_id", sa.Uuid(), nullable=False),
        sa.Column("lineage_id", sa.Uuid(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "not_started",
                "in_progress",
                "met",
                "revised",
                "discontinued",
                name="objective_status",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "not_started",
                "in_progress",
                "met",
                "revised",
                "discontinued",
                name="objective_status",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["plan_progress_note.id"],
            name=op.f("fk_objective_status_change_note_id_plan_progress_note"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["plan_objective.id"],
            name=op.f("fk_objective_status_change_objective_id_plan_objective"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objective_status_change")),
    )

    with op.batch_alter_table("objective_status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_objective_status_change_lineage_id"), ["lineage_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_objective_status_change_note_id"), ["note_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_objective_status_change_objective_id"), ["objective_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("objective_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objective_status_change_objective_id"))
        batch_op.drop_index(batch_op.f("ix_objective_status_change_note_id"))
        batch_op.drop_index(batch_op.f("ix_objective_status_change_lineage_id"))

    op.drop_table("objective_status_change")

    with op.batch_alter_table("plan_objective", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_objective_plan_id"))
        batch_op.drop_index(batch_op.f("ix_plan_objective_lineage_id"))
        batch_op.drop_index(batch_op.f("ix_plan_objective_goal_id"))

    op.drop_table("plan_objective")

    with op.batch_alter_table("plan_goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_goal_problem_id"))
        batch_op.drop_index(batch_op.f("ix_plan_goal_plan_id"))

    op.drop_table("plan_goal")

    with op.batch_alter_table("plan_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_review_plan_id"))
        batch_op.drop_index(batch_op.f("ix_plan_review_client_id"))

    op.drop_table("plan_review")

    with op.batch_alter_table("plan_progress_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_progress_note_plan_id"))
        batch_op.drop_index(batch_op.f("ix_plan_progress_note_client_id"))

    op.drop_table("plan_progress_note")

    with op.batch_alter_table("plan_problem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_problem_plan_id"))

    op.drop_table("plan_problem")

    with op.batch_alter_table("plan_intervention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_intervention_plan_id"))

    op.drop_table("plan_intervention")

    with op.batch_alter_table("treatment_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_plan_next_review_due"))
        batch_op.drop_index(batch_op.f("ix_treatment_plan_episode_id"))
        batch_op.drop_index(batch_op.f("ix_treatment_plan_client_id"))

    op.drop_table("treatment_plan")
