"""A client's identity and contacts. Clinical history lives in other domains."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class Client(IdMixin, TimestampMixin, Base):
    __tablename__ = "client"

    record_number: Mapped[str] = mapped_column(String(20), unique=True)
    legal_first_name: Mapped[str] = mapped_column(String(80))
    legal_last_name: Mapped[str] = mapped_column(String(80), index=True)
    preferred_name: Mapped[str] = mapped_column(String(80), default="")
    date_of_birth: Mapped[date]
    sex_assigned_at_birth: Mapped[str] = mapped_column(String(20), default="")
    gender_identity: Mapped[str] = mapped_column(String(40), default="")
    pronouns: Mapped[str] = mapped_column(String(30), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    emergency_contact_name: Mapped[str] = mapped_column(String(120), default="")
    emergency_contact_phone: Mapped[str] = mapped_column(String(40), default="")
    emergency_contact_relationship: Mapped[str] = mapped_column(String(60), default="")
    referral_source: Mapped[str] = mapped_column(String(120), default="")
    # How staff may reach the client safely: "no voicemail", "text only", "never call the
    # home number". Shown beside every phone number on the chart.
    safe_contact_instructions: Mapped[str] = mapped_column(Text, default="", server_default="")
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"))
    primary_clinician_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    portal_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), unique=True
    )
    is_synthetic: Mapped[bool] = mapped_column(default=False)

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.legal_first_name
        return f"{first} {self.legal_last_name}"


class CareTeamRole(StrEnum):
    """A staff role on a client's care team besides the primary clinician (who stays on
    ``Client.primary_clinician_id``: every caseload query reads it)."""

    CASE_MANAGER = "case_manager"
    # For an adolescent: the staff member the family deals with (sessions, calls, consent
    # questions), so a parent has one name to ask for.
    FAMILY_CONTACT = "family_contact"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class CareTeamMember(Base):
    """One staff member in one role on a client's care team; one person per role."""

    __tablename__ = "care_team_member"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[CareTeamRole] = mapped_column(
        str_enum(CareTeamRole, "care_team_role"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime)


class ClientMerge(IdMixin, Base):
    """Two records found to be one person: ``source`` was folded into ``target``.

    The source row stays (its record number is on paper and in the audit trail) but is
    hidden from every list while the merge stands. ``moved`` says exactly which rows were
    re-pointed, table by table, and ``filled`` which of the target's empty fields took the
    source's value, so an undo puts back precisely what the merge changed and nothing that
    was recorded on the merged record since.
    """

    __tablename__ = "client_merge"

    source_client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    target_client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    reason: Mapped[str] = mapped_column(String(300))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    merged_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # {"table.column": [primary keys as strings]}; care-team rows by role.
    moved: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    # {"field": value the target had before (always "" or null: only empty fields fill)}
    filled: Mapped[dict[str, str | None]] = mapped_column(JSON)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
