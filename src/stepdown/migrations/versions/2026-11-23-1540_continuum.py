"""continuum: levels of care (seeded), partner providers, episodes and segments

The catalog rows come from shared/domain/continuum.md and instruments-and-levels.md
(the program's published levels and ASAM Criteria hours). Typical stays: IOP 8-12 weeks
(program description); PHP 2-6 weeks, as providers and CMS averages of 3-4 weeks report;
detox days (rounded to a week) and residential about 28-30 days. The director edits them.

Revision ID: 897a32ad49e9
Revises: be0bd1bd036b
Create Date: 2026-11-23 15:33:33.244718
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql import column, table

import stepdown.kit.orm

revision: str = "5b7e0c2d9a41"
down_revision: str | None = "3f1a2b4c5d6e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


LEVELS = [
    # code, name, order, asam, hours min/max, days min/max, session minutes,
    # stay weeks min/max, supervision, medical monitoring, day, evening, in house
    (
        "DETOX",
        "Detox (withdrawal management)",
        1,
        "WM (1-WM to 4-WM)",
        None,
        None,
        7,
        7,
        None,
        1,
        1,
        "24/7 medical care",
        "Medical management of withdrawal",
        False,
        False,
        False,
    ),
    (
        "RESIDENTIAL",
        "Residential",
        2,
        "3.1-3.7",
        None,
        None,
        7,
        7,
        None,
        4,
        4,
        "24/7 care in a controlled setting",
        "High",
        False,
        False,
        False,
    ),
    (
        "PHP",
        "Partial hospitalization (PHP)",
        3,
        "2.5",
        20.0,
        30.0,
        4,
        6,
        330,
        2,
        6,
        "Extensive clinical and psychiatric support",
        "Frequent medical monitoring",
        True,
        False,
        True,
    ),
    (
        "IOP",
        "Intensive outpatient (IOP)",
        4,
        "2.1",
        9.0,
        15.0,
        3,
        5,
        180,
        8,
        12,
        "Moderate supervision",
        "Medical monitoring as needed",
        True,
        True,
        True,
    ),
    (
        "OP",
        "Outpatient (OP)",
        5,
        "1 (3rd ed.) / 1.5 (4th ed.)",
        1.0,
        4.0,
        1,
        2,
        90,
        None,
        None,
        "Low supervision",
        "As needed",
        True,
        True,
        True,
    ),
    (
        "AFTERCARE",
        "Aftercare",
        6,
        "1.0 (4th ed.)",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "Check-ins, alumni events and mutual-help meetings",
        "None",
        False,
        False,
        True,
    ),
]
LEVEL_COLUMNS = (
    "code",
    "name",
    "step_down_order",
    "asam_level",
    "weekly_hours_min",
    "weekly_hours_max",
    "days_per_week_min",
    "days_per_week_max",
    "session_minutes",
    "typical_stay_weeks_min",
    "typical_stay_weeks_max",
    "supervision",
    "medical_monitoring",
    "has_day_track",
    "has_evening_track",
    "provided_in_house",
)


def _seed_levels() -> None:
    level_table = table(
        "level_of_care",
        *(column(name) for name in (*LEVEL_COLUMNS, "is_active")),
        column("id", sa.Uuid()),
        column("created_at", stepdown.kit.orm.UTCDateTime()),
        column("updated_at", stepdown.kit.orm.UTCDateTime()),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        level_table,
        [
            {
                **dict(zip(LEVEL_COLUMNS, row, strict=True)),
                "id": uuid.uuid4(),
                "is_active": True,
                "created_at": now,
                "updated_at": now,
            }
            for row in LEVELS
        ],
    )


def upgrade() -> None:
    op.create_table(
        "level_of_care",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("step_down_order", sa.Integer(), nullable=False),
        sa.Column("asam_level", sa.String(length=60), nullable=False),
        sa.Column("weekly_hours_min", sa.Double(), nullable=True),
        sa.Column("weekly_hours_max", sa.Double(), nullable=True),
        sa.Column("days_per_week_min", sa.Integer(), nullable=True),
        sa.Column("days_per_week_max", sa.Integer(), nullable=True),
        sa.Column("session_minutes", sa.Integer(), nullable=True),
        sa.Column("typical_stay_weeks_min", sa.Integer(), nullable=True),
        sa.Column("typical_stay_weeks_max", sa.Integer(), nullable=True),
        sa.Column("supervision", sa.String(length=200), nullable=False),
        sa.Column("medical_monitoring", sa.String(length=200), nullable=False),
        sa.Column("has_day_track", sa.Boolean(), nullable=False),
        sa.Column("has_evening_track", sa.Boolean(), nullable=False),
        sa.Column("provided_in_house", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level_of_care")),
        sa.UniqueConstraint("code", name=op.f("uq_level_of_care_code")),
        sa.UniqueConstraint("step_down_order", name=op.f("uq_level_of_care_step_down_order")),
    )
    _seed_levels()
    op.create_table(
        "partner_provider",
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("level_id", sa.Uuid(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["level_of_care.id"],
            name=op.f("fk_partner_provider_level_id_level_of_care"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_provider")),
    )
    op.create_table(
        "episode",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "on_hold",
                "discharged",
                name="episode_status",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("admitted_on", sa.Date(), nullable=False),
        sa.Column("discharged_on", sa.Date(), nullable=True),
        sa.Column(
            "discharge_type",
            sa.Enum(
                "completed",
                "left_against_advice",
                "administrative",
                "transferred",
                "referred_out",
                "deceased",
                name="discharge_type",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("discharge_summary", sa.Text(), nullable=False),
        sa.Column("discharged_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_episode_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["discharged_by"],
            ["user_account.id"],
            name=op.f("fk_episode_discharged_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_episode_site_id_site"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episode")),
    )
    with op.batch_alter_table("episode", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_episode_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            "uq_episode_open_per_client",
            ["client_id"],
            unique=True,
            sqlite_where=sa.text("status != 'discharged'"),
            postgresql_where=sa.text("status != 'discharged'"),
        )

    op.create_table(
        "episode_segment",
        sa.Column("episode_id", sa.Uuid(), nullable=False),
        sa.Column("level_id", sa.Uuid(), nullable=False),
        sa.Column(
            "track",
            sa.Enum("day", "evening", "none", name="track", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column(
            "transition",
            sa.Enum(
                "admit",
                "step_down",
                "step_up",
                "change_track",
                "refer_out",
                "return_from_referral",
                name="transition",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("skip_reason", sa.Text(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_episode_segment_episode_id_episode"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["level_of_care.id"],
            name=op.f("fk_episode_segment_level_id_level_of_care"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner_provider.id"],
            name=op.f("fk_episode_segment_partner_id_partner_provider"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_episode_segment_recorded_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episode_segment")),
    )
    with op.batch_alter_table("episode_segment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_episode_segment_episode_id"), ["episode_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("episode_segment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_episode_segment_episode_id"))

    op.drop_table("episode_segment")
    with op.batch_alter_table("episode", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_episode_open_per_client",
            sqlite_where=sa.text("status != 'discharged'"),
            postgresql_where=sa.text("status != 'discharged'"),
        )
        batch_op.drop_index(batch_op.f("ix_episode_client_id"))

    op.drop_table("episode")
    op.drop_table("partner_provider")
    op.drop_table("level_of_care")
