"""alumni events with RSVPs, and mentorship between alumni volunteers and clients stepping down

Revision ID: b4c5d6e7f8a0
Revises: a3b4c5d6e7f9
Create Date: 2026-11-30 12:07:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "b4c5d6e7f8a0"
down_revision: str | None = "a3b4c5d6e7f9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alumni_event",
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("cancelled_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_alumni_event_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_alumni_event_site_id_site"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alumni_event")),
    )
    with op.batch_alter_table("alumni_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alumni_event_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alumni_event_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "alumni_mentee_interests",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("interests", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_alumni_mentee_interests_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alumni_mentee_interests")),
        sa.UniqueConstraint("client_id", name=op.f("uq_alumni_mentee_interests_client_id")),
    )
    op.create_table(
        "alumni_rsvp",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "going", "waitlisted", "cancelled", name="rsvp_status", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("queue_number", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_alumni_rsvp_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["alumni_event.id"],
            name=op.f("fk_alumni_rsvp_event_id_alumni_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_alumni_rsvp_recorded_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alumni_rsvp")),
        sa.UniqueConstraint("event_id", "client_id", name="uq_alumni_rsvp_person"),
    )
    with op.batch_alter_table("alumni_rsvp", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alumni_rsvp_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alumni_rsvp_event_id"), ["event_id"], unique=False)

    op.create_table(
        "alumni_volunteer",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("recovery_start", sa.Date(), nullable=False),
        sa.Column("interests", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("site_ids", sa.JSON(), nullable=False),
        sa.Column("tracks", sa.JSON(), nullable=False),
        sa.Column("max_mentees", sa.Integer(), nullable=False),
        sa.Column("consent_given_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_recorded_by", sa.Uuid(), nullable=True),
        sa.Column(
            "consent_withdrawn_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_alumni_volunteer_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["consent_recorded_by"],
            ["user_account.id"],
            name=op.f("fk_alumni_volunteer_consent_recorded_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alumni_volunteer")),
        sa.UniqueConstraint("client_id", name=op.f("uq_alumni_volunteer_client_id")),
    )
    op.create_table(
        "alumni_mentorship",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "active",
                "declined",
                "ended",
                name="mentorship_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("proposed_by", sa.Uuid(), nullable=True),
        sa.Column("proposed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("mentor_consent_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("mentee_consent_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=300), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["client.id"],
            name=op.f("fk_alumni_mentorship_mentee_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["user_account.id"],
            name=op.f("fk_alumni_mentorship_proposed_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["alumni_volunteer.id"],
            name=op.f("fk_alumni_mentorship_volunteer_id_alumni_volunteer"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alumni_mentorship")),
    )
    with op.batch_alter_table("alumni_mentorship", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alumni_mentorship_mentee_id"), ["mentee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_alumni_mentorship_volunteer_id"), ["volunteer_id"], unique=False
        )
        batch_op.create_index(
            "uq_alumni_mentorship_open_per_mentee",
            ["mentee_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('proposed', 'active')"),
            postgresql_where=sa.text("status IN ('proposed', 'active')"),
        )


def downgrade() -> None:
    with op.batch_alter_table("alumni_mentorship", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_alumni_mentorship_open_per_mentee",
            sqlite_where=sa.text("status IN ('proposed', 'active')"),
            postgresql_where=sa.text("status IN ('proposed', 'active')"),
        )
        batch_op.drop_index(batch_op.f("ix_alumni_mentorship_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_alumni_mentorship_mentee_id"))

    op.drop_table("alumni_mentorship")
    op.drop_table("alumni_volunteer")
    with op.batch_alter_table("alumni_rsvp", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alumni_rsvp_event_id"))
        batch_op.drop_index(batch_op.f("ix_alumni_rsvp_client_id"))

    op.drop_table("alumni_rsvp")
    op.drop_table("alumni_mentee_interests")
    with op.batch_alter_table("alumni_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alumni_event_starts_at"))
        batch_op.drop_index(batch_op.f("ix_alumni_event_site_id"))

    op.drop_table("alumni_event")
