"""aftercare plans, relapse-prevention check-ins, reminders and follow-ups

Revision ID: a3b4c5d6e7f9
Revises: f2a3b4c5d6e8
Create Date: 2026-11-30 12:06:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "a3b4c5d6e7f9"
down_revision: str | None = "f2a3b4c5d6e8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "aftercare_follow_up",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("episode_id", sa.Uuid(), nullable=False),
        sa.Column("days_after", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_client", sa.Boolean(), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=True),
        sa.Column("abstinent", sa.Boolean(), nullable=True),
        sa.Column("readmitted", sa.Boolean(), nullable=True),
        sa.Column(
            "employment_school",
            sa.Enum(
                "working",
                "in_school",
                "working_and_school",
                "neither",
                name="employment_school",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column(
            "housing",
            sa.Enum(
                "stable",
                "sober_living",
                "temporary",
                "homeless",
                name="housing_status",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_aftercare_follow_up_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_aftercare_follow_up_episode_id_episode"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_aftercare_follow_up_recorded_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftercare_follow_up")),
        sa.UniqueConstraint(
            "episode_id", "days_after", name=op.f("uq_aftercare_follow_up_episode_id")
        ),
    )
    with op.batch_alter_table("aftercare_follow_up", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aftercare_follow_up_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_aftercare_follow_up_due_on"), ["due_on"], unique=False)

    op.create_table(
        "aftercare_plan",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("episode_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "final", name="aftercare_plan_status", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("case_manager_id", sa.Uuid(), nullable=True),
        sa.Column("therapy_provider", sa.String(length=200), nullable=False),
        sa.Column("therapy_with_whom", sa.String(length=200), nullable=False),
        sa.Column("therapy_when", sa.String(length=200), nullable=False),
        sa.Column("sober_living_house", sa.String(length=200), nullable=False),
        sa.Column("sober_living_contact", sa.String(length=200), nullable=False),
        sa.Column(
            "sober_living_status",
            sa.Enum(
                "referred",
                "waitlisted",
                "accepted",
                "moved_in",
                "declined",
                name="sober_living_status",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("mat_prescriber", sa.String(length=200), nullable=False),
        sa.Column("mat_medication", sa.String(length=200), nullable=False),
        sa.Column("mat_next_appointment", sa.Date(), nullable=True),
        sa.Column("warning_signs", sa.Text(), nullable=False),
        sa.Column("coping_steps", sa.Text(), nullable=False),
        sa.Column("weekly_checkins", sa.Integer(), nullable=False),
        sa.Column("checkin_months", sa.Integer(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("finalized_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finalized_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_manager_id"],
            ["user_account.id"],
            name=op.f("fk_aftercare_plan_case_manager_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_aftercare_plan_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_aftercare_plan_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_aftercare_plan_episode_id_episode"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["finalized_by"],
            ["user_account.id"],
            name=op.f("fk_aftercare_plan_finalized_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftercare_plan")),
        sa.UniqueConstraint("episode_id", name=op.f("uq_aftercare_plan_episode_id")),
    )
    with op.batch_alter_table("aftercare_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aftercare_plan_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "aftercare_checkin",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("completed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.Uuid(), nullable=True),
        sa.Column("reminder_sent_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("missed_alerted_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_aftercare_checkin_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["completed_by"],
            ["user_account.id"],
            name=op.f("fk_aftercare_checkin_completed_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["aftercare_plan.id"],
            name=op.f("fk_aftercare_checkin_plan_id_aftercare_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftercare_checkin")),
        sa.UniqueConstraint("plan_id", "sequence", name=op.f("uq_aftercare_checkin_plan_id")),
    )
    with op.batch_alter_table("aftercare_checkin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aftercare_checkin_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_aftercare_checkin_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "aftercare_crisis_contact",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("relationship", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["aftercare_plan.id"],
            name=op.f("fk_aftercare_crisis_contact_plan_id_aftercare_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftercare_crisis_contact")),
    )
    with op.batch_alter_table("aftercare_crisis_contact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aftercare_crisis_contact_plan_id"), ["plan_id"], unique=False
        )

    op.create_table(
        "aftercare_meeting",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "aa",
                "na",
                "smart",
                "refuge_recovery",
                "other",
                name="aftercare_meeting_kind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "day",
            sa.Enum(
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
                name="aftercare_weekday",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.Time(), nullable=True),
        sa.Column("place_or_link", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["aftercare_plan.id"],
            name=op.f("fk_aftercare_meeting_plan_id_aftercare_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftercare_meeting")),
    )
    with op.batch_alter_table("aftercare_meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aftercare_meeting_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("aftercare_meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aftercare_meeting_plan_id"))

    op.drop_table("aftercare_meeting")
    with op.batch_alter_table("aftercare_crisis_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aftercare_crisis_contact_plan_id"))

    op.drop_table("aftercare_crisis_contact")
    with op.batch_alter_table("aftercare_checkin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aftercare_checkin_plan_id"))
        batch_op.drop_index(batch_op.f("ix_aftercare_checkin_due_on"))

    op.drop_table("aftercare_checkin")
    with op.batch_alter_table("aftercare_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aftercare_plan_client_id"))

    op.drop_table("aftercare_plan")
    with op.batch_alter_table("aftercare_follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aftercare_follow_up_due_on"))
        batch_op.drop_index(batch_op.f("ix_aftercare_follow_up_client_id"))

    op.drop_table("aftercare_follow_up")
