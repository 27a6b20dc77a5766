"""consents: written consents (42 CFR 2.31), the recipient directory, client contacts, the
§ 2.22 notice acknowledgement, the disclosure record, and calendar feeds for a recipient

Revision ID: f1a2b3c4d5e6
Revises: e0f9a4b1c6d3
Create Date: 2026-12-06 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stepdown.kit.orm

revision: str = "f1a2b3c4d5e6"
down_revision: str | None = "e0f9a4b1c6d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "minor_rule",
            sa.Enum(
                "minor_alone",
                "minor_and_guardian",
                name="minor_consent_rule",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("guardian_portal_access", sa.Boolean(), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_settings")),
    )
    op.create_table(
        "disclosure_recipient",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("organization", sa.String(length=120), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "treating_provider",
                "health_plan",
                "program_operations",
                "family",
                "criminal_justice",
                "employer",
                "other",
                name="recipient_category",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("is_covered_entity", sa.Boolean(), nullable=False),
        sa.Column("is_intermediary", sa.Boolean(), nullable=False),
        sa.Column("intermediary_participants", sa.String(length=300), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_disclosure_recipient_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_recipient")),
    )
    with op.batch_alter_table("disclosure_recipient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disclosure_recipient_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "privacy_notice_acknowledgement",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("notice_version", sa.String(length=20), nullable=False),
        sa.Column("acknowledged_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "portal",
                "in_person",
                name="notice_acknowledgement_method",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_privacy_notice_acknowledgement_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_privacy_notice_acknowledgement_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_notice_acknowledgement")),
    )
    with op.batch_alter_table("privacy_notice_acknowledgement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_notice_acknowledgement_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "client_contact",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "relationship",
            sa.Enum(
                "parent",
                "guardian",
                "spouse_partner",
                "sibling",
                "child",
                "other_family",
                "friend",
                "sponsor",
                "probation_officer",
                "employer",
                "other",
                name="contact_relationship",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("organization", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("may_be_told", sa.String(length=300), nullable=False),
        sa.Column("is_legal_guardian", sa.Boolean(), nullable=False),
        sa.Column("minor_refuses_disclosure", sa.Boolean(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("removed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_client_contact_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["disclosure_recipient.id"],
            name=op.f("fk_client_contact_recipient_id_disclosure_recipient"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_contact")),
        sa.UniqueConstraint("recipient_id", name=op.f("uq_client_contact_recipient_id")),
    )
    with op.batch_alter_table("client_contact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_contact_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "consent",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "tpo",
                "specific",
                "counseling_notes",
                name="consent_kind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("patient_name", sa.String(length=170), nullable=False),
        sa.Column("disclosers", sa.String(length=300), nullable=False),
        sa.Column("information", sa.JSON(), nullable=False),
        sa.Column("information_description", sa.Text(), nullable=False),
        sa.Column("recipient_classes", sa.JSON(), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("purpose_description", sa.Text(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("expiry_event", sa.String(length=200), nullable=False),
        sa.Column("expiry_event_on", sa.Date(), nullable=True),
        sa.Column(
            "signer",
            sa.Enum(
                "client", "client_and_guardian", name="consent_signer", native_enum=False, length=30
            ),
            nullable=False,
        ),
        sa.Column(
            "signature_method",
            sa.Enum(
                "portal", "in_person", name="consent_signature_method", native_enum=False, length=30
            ),
            nullable=False,
        ),
        sa.Column("client_signature", sa.String(length=170), nullable=False),
        sa.Column("guardian_signature", sa.String(length=170), nullable=False),
        sa.Column("guardian_contact_id", sa.Uuid(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("signed_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attested_by_id", sa.Uuid(), nullable=True),
        sa.Column("form_version", sa.String(length=20), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Uuid(), nullable=True),
        sa.Column("revocation_note", sa.String(length=300), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attested_by_id"],
            ["user_account.id"],
            name=op.f("fk_consent_attested_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_consent_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["guardian_contact_id"],
            ["client_contact.id"],
            name=op.f("fk_consent_guardian_contact_id_client_contact"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_consent_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["user_account.id"],
            name=op.f("fk_consent_revoked_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_client_id"), ["client_id"], unique=False)

    op.create_table(
        "consent_recipient",
        sa.Column("consent_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consent.id"],
            name=op.f("fk_consent_recipient_consent_id_consent"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["disclosure_recipient.id"],
            name=op.f("fk_consent_recipient_recipient_id_disclosure_recipient"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("consent_id", "recipient_id", name=op.f("pk_consent_recipient")),
    )
    with op.batch_alter_table("consent_recipient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_recipient_recipient_id"), ["recipient_id"], unique=False
        )

    op.create_table(
        "disclosure",
        sa.Column("occurred_at", stepdown.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_label", sa.String(length=250), nullable=False),
        sa.Column("consent_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("information", sa.JSON(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "accountability_summary",
                "aftercare_plan",
                "review_packet",
                "discharge_summary",
                "calendar_feed",
                "fhir",
                "claim",
                name="disclosure_channel",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("notice_version", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=120), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_disclosure_actor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_disclosure_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consent.id"],
            name=op.f("fk_disclosure_consent_id_consent"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["disclosure_recipient.id"],
            name=op.f("fk_disclosure_recipient_id_disclosure_recipient"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure")),
    )
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosure_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disclosure_consent_id"), ["consent_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_disclosure_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_disclosure_recipient_id"), ["recipient_id"], unique=False
        )

    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=30), server_default="", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_calendar_feed_recipient_id"), ["recipient_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_calendar_feed_recipient_id_disclosure_recipient"),
            "disclosure_recipient",
            ["recipient_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_calendar_feed_recipient_id_disclosure_recipient"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_calendar_feed_recipient_id"))
        batch_op.drop_column("purpose")
        batch_op.drop_column("recipient_id")

    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_disclosure_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_disclosure_consent_id"))
        batch_op.drop_index(batch_op.f("ix_disclosure_client_id"))

    op.drop_table("disclosure")
    with op.batch_alter_table("consent_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_recipient_recipient_id"))

    op.drop_table("consent_recipient")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_client_id"))

    op.drop_table("consent")
    with op.batch_alter_table("client_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_contact_client_id"))

    op.drop_table("client_contact")
    with op.batch_alter_table("privacy_notice_acknowledgement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_notice_acknowledgement_client_id"))

    op.drop_table("privacy_notice_acknowledgement")
    with op.batch_alter_table("disclosure_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_recipient_client_id"))

    op.drop_table("disclosure_recipient")
    op.drop_table("consent_settings")
