"""Who information may go to, and what went: the recipient directory and the disclosure
record, which is append-only (no update or delete path exists, and the accounting reads it
as written)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class RecipientCategory(StrEnum):
    """What kind of recipient this is; the TPO consent covers the first three by class."""

    TREATING_PROVIDER = "treating_provider"
    HEALTH_PLAN = "health_plan"
    PROGRAM_OPERATIONS = "program_operations"  # a business associate of the program
    FAMILY = "family"
    CRIMINAL_JUSTICE = "criminal_justice"
    EMPLOYER = "employer"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class DisclosureRecipient(IdMixin, TimestampMixin, Base):
    """A person or organization outside the program that may receive records.

    A client's contacts each have one (their own row, named on the consent); providers,
    payers, courts and FHIR system clients are program-wide rows.
    """

    __tablename__ = "disclosure_recipient"

    name: Mapped[str] = mapped_column(String(120))
    organization: Mapped[str] = mapped_column(String(120), default="")
    category: Mapped[RecipientCategory] = mapped_column(
        str_enum(RecipientCategory, "recipient_category")
    )
    # A HIPAA covered entity or business associate may redisclose for TPO as HIPAA allows
    # (§ 2.33(b)(1)); the consent must then say so (§ 2.31(a)(4)(iii)).
    is_covered_entity: Mapped[bool] = mapped_column(default=False)
    # An intermediary (an HIE, a care-coordination platform) must be named with its
    # participants (§ 2.31(a)(4)(ii)).
    is_intermediary: Mapped[bool] = mapped_column(default=False)
    intermediary_participants: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    # Set when the recipient belongs to one client (their contact); None program-wide.
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("client.id", ondelete="CASCADE"), index=True
    )

    @property
    def display(self) -> str:
        return f"{self.name} ({self.organization})" if self.organization else self.name


class Channel(StrEnum):
    """The outbound path a disclosure took."""

    ACCOUNTABILITY_SUMMARY = "accountability_summary"
    AFTERCARE_PLAN = "aftercare_plan"
    REVIEW_PACKET = "review_packet"
    DISCHARGE_SUMMARY = "discharge_summary"
    CALENDAR_FEED = "calendar_feed"
    FHIR = "fhir"
    GUARDIAN_PORTAL = "guardian_portal"
    CLAIM = "claim"

    @property
    def label(self) -> str:
        return {
            Channel.ACCOUNTABILITY_SUMMARY: "Accountability summary",
            Channel.AFTERCARE_PLAN: "Aftercare plan",
            Channel.REVIEW_PACKET: "Concurrent-review packet",
            Channel.DISCHARGE_SUMMARY: "Discharge summary",
            Channel.CALENDAR_FEED: "Calendar feed",
            Channel.FHIR: "FHIR API",
            Channel.GUARDIAN_PORTAL: "Guardian's portal",
            Channel.CLAIM: "Claim",
        }[self]


class Disclosure(IdMixin, Base):
    """One disclosure: who sent what to whom, why, and under which consent."""

    __tablename__ = "disclosure"

    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("disclosure_recipient.id", ondelete="RESTRICT"), index=True
    )
    # Kept as written: the directory entry may be renamed later.
    recipient_label: Mapped[str] = mapped_column(String(250))
    consent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("consent.id", ondelete="RESTRICT"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(30))
    information: Mapped[list[str]] = mapped_column(JSON)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "disclosure_channel"))
    description: Mapped[str] = mapped_column(String(300))
    notice_version: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    actor_label: Mapped[str] = mapped_column(String(120))
