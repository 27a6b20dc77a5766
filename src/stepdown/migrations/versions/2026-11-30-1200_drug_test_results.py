"""drug test collections, per-analyte results and medications

Medications (what each explains on a drug test), standing weekly test schedules, specimen
collections and per-analyte results; test orders gain a note, their schedule, the order and
analyte a confirmation confirms, and who marked them refused or missed. The order reason
"confirmation" and status "resulted" need no DDL: enums are stored as plain strings.

Revision ID: a7b8c9d0e1f3
Revises: f6a7b8c9d0e1
Create Date: 2026-11-30 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "a7b8c9d0e1f3"
down_revision: str | None = "f6a7b8c9d0e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "medication",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("analytes", sa.JSON(), nullable=False),
        sa.Column("is_mat", sa.Boolean(), nullable=False),
        sa.Column("prescriber", sa.String(length=120), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("stop_reason", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("stopped_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_medication_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_medication_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stopped_by"],
            ["user_account.id"],
            name=op.f("fk_medication_stopped_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medication")),
    )
    with op.batch_alter_table("medication", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_medication_client_id"), ["client_id"], unique=False)

    op.create_table(
        "standing_test_schedule",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_standing_test_schedule_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_standing_test_schedule_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_test_schedule")),
    )
    with op.batch_alter_table("standing_test_schedule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_standing_test_schedule_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "test_collection",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column(
            "specimen_type",
            sa.Enum(
                "urine", "oral_fluid", "breath", name="specimen_type", native_enum=False, length=30
            ),
            nullable=False,
        ),
        sa.Column("observed", sa.Boolean(), nullable=False),
        sa.Column("collector_id", sa.Uuid(), nullable=True),
        sa.Column("chain_of_custody_id", sa.String(length=60), nullable=False),
        sa.Column("collected_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_test_collection_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["collector_id"],
            ["user_account.id"],
            name=op.f("fk_test_collection_collector_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["test_order.id"],
            name=op.f("fk_test_collection_order_id_test_order"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_test_collection_recorded_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_collection")),
        sa.UniqueConstraint("order_id", name=op.f("uq_test_collection_order_id")),
    )
    with op.batch_alter_table("test_collection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_test_collection_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "test_result",
        sa.Column("collection_id", sa.Uuid(), nullable=False),
        sa.Column(
            "analyte",
            sa.Enum(
                "alcohol",
                "amphetamines",
                "benzodiazepines",
                "buprenorphine",
                "cocaine",
                "fentanyl",
                "methadone",
                "opiates",
                "oxycodone",
                "cannabinoids",
                name="test_analyte",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "method",
            sa.Enum("presumptive", "definitive", name="test_method", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column(
            "result",
            sa.Enum(
                "positive",
                "negative",
                "invalid",
                name="test_result_value",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("cutoff", sa.Double(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column(
            "interpretation",
            sa.Enum(
                "expected_positive",
                "unexpected_positive",
                "negative",
                "expected_positive_missing",
                "recollect",
                name="test_interpretation",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("explained_by", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["test_collection.id"],
            name=op.f("fk_test_result_collection_id_test_collection"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_test_result_recorded_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_result")),
        sa.UniqueConstraint(
            "collection_id", "analyte", "method", name=op.f("uq_test_result_collection_id")
        ),
    )
    with op.batch_alter_table("test_result", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_test_result_collection_id"), ["collection_id"], unique=False
        )

    with op.batch_alter_table("test_order", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("note", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("schedule_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("confirms_order_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "confirms_analyte",
                sa.Enum(
                    "alcohol",
                    "amphetamines",
                    "benzodiazepines",
                    "buprenorphine",
                    "cocaine",
                    "fentanyl",
                    "methadone",
                    "opiates",
                    "oxycodone",
                    "cannabinoids",
                    name="test_analyte",
                    native_enum=False,
                    length=30,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("status_note", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "status_changed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("status_changed_by", sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_test_order_confirms_order_id"), ["confirms_order_id", "confirms_analyte"]
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_test_order_schedule_id"), ["schedule_id", "ordered_on"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_test_order_status_changed_by_user_account"),
            "user_account",
            ["status_changed_by"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_test_order_confirms_order_id_test_order"),
            "test_order",
            ["confirms_order_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_test_order_schedule_id_standing_test_schedule"),
            "standing_test_schedule",
            ["schedule_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("test_order", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_test_order_schedule_id_standing_test_schedule"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_test_order_confirms_order_id_test_order"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_test_order_status_changed_by_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_test_order_schedule_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_test_order_confirms_order_id"), type_="unique")
        batch_op.drop_column("status_changed_by")
        batch_op.drop_column("status_changed_at")
        batch_op.drop_column("status_note")
        batch_op.drop_column("confirms_analyte")
        batch_op.drop_column("confirms_order_id")
        batch_op.drop_column("schedule_id")
        batch_op.drop_column("note")

    with op.batch_alter_table("test_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_result_collection_id"))

    op.drop_table("test_result")
    with op.batch_alter_table("test_collection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_collection_client_id"))

    op.drop_table("test_collection")
    with op.batch_alter_table("standing_test_schedule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standing_test_schedule_client_id"))

    op.drop_table("standing_test_schedule")
    with op.batch_alter_table("medication", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_medication_client_id"))

    op.drop_table("medication")
