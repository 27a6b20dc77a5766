"""group notes and per-member lines

``group_note`` holds the shared part of one session's note (one per occurrence), and
``group_note_member`` each attendee's own line, optionally linked to an objective of their
plan (set to NULL if that objective row is ever removed).

Revision ID: e1f2a3b4c5d7
Revises: d0e1f2a3b4c6
Create Date: 2026-11-30 12:04:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "e1f2a3b4c5d7"
down_revision: str | None = "d0e1f2a3b4c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_note",
        sa.Column("occurrence_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("dynamics", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "signed", name="group_note_status", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("signed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("signed_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_group_note_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["session_occurrence.id"],
            name=op.f("fk_group_note_occurrence_id_session_occurrence"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["signed_by"],
            ["user_account.id"],
            name=op.f("fk_group_note_signed_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_note")),
        sa.UniqueConstraint("occurrence_id", name=op.f("uq_group_note_occurrence_id")),
    )
    op.create_table(
        "group_note_member",
        sa.Column("note_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column(
            "participation",
            sa.Enum(
                "active",
                "minimal",
                "disruptive",
                "none",
                name="group_participation",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("progress", sa.String(length=500), nullable=False),
        sa.Column("objective_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_group_note_member_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["group_note.id"],
            name=op.f("fk_group_note_member_note_id_group_note"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["plan_objective.id"],
            name=op.f("fk_group_note_member_objective_id_plan_objective"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_note_member")),
        sa.UniqueConstraint("note_id", "client_id", name=op.f("uq_group_note_member_note_id")),
    )
    with op.batch_alter_table("group_note_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_note_member_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_group_note_member_note_id"), ["note_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_note_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_note_member_note_id"))
        batch_op.drop_index(batch_op.f("ix_group_note_member_client_id"))

    op.drop_table("group_note_member")
    op.drop_table("group_note")
