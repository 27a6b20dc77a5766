"""Billing's tables: who the program bills as, each payer's contract by level, the charge
lines computed from delivered care, the claims and files sent, and the remittances posted.

Contracts are data: switching a payer from per diem to per service, or changing a fee, is
an edit of a ``PayerContract`` row, never of code. Charge lines are recomputed for a week
until billing staff release them; released and billed lines are what was sent and are
never recomputed. A claim keeps its number (CLM01) across a replacement and a void; each
is its own row pointing at the claim it corrects. Money is whole cents.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.billing.claim_data import ClaimType, Frequency
from stepdown.billing.rules import BillingMode, LineStatus, Rounding
from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class BillingProfile(TimestampMixin, Base):
    """The program as a billing provider and submitter (one row). Its counters give each
    file and claim its number, so numbers never repeat and a file never changes once
    written."""

    __tablename__ = "billing_profile"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    organization_name: Mapped[str] = mapped_column(String(60))
    npi: Mapped[str] = mapped_column(String(10))
    tax_id: Mapped[str] = mapped_column(String(9))
    taxonomy: Mapped[str] = mapped_column(String(10), default="")
    address_line1: Mapped[str] = mapped_column(String(55))
    address_line2: Mapped[str] = mapped_column(String(55), default="")
    city: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(2))
    zip: Mapped[str] = mapped_column(String(9))
    submitter_name: Mapped[str] = mapped_column(String(60))
    submitter_id: Mapped[str] = mapped_column(String(15))
    contact_name: Mapped[str] = mapped_column(String(60))
    contact_phone: Mapped[str] = mapped_column(String(10))
    # The clinician institutional claims name as attending (837I loop 2310A): the medical
    # director who certifies PHP and IOP care.
    attending_last_name: Mapped[str] = mapped_column(String(60), default="")
    attending_first_name: Mapped[str] = mapped_column(String(35), default="")
    attending_npi: Mapped[str] = mapped_column(String(10), default="")
    sender_qualifier: Mapped[str] = mapped_column(String(2), default="ZZ")
    production: Mapped[bool] = mapped_column(default=False)
    next_interchange: Mapped[int] = mapped_column(default=1)
    next_claim: Mapped[int] = mapped_column(default=1)


class PayerBilling(IdMixin, TimestampMixin, Base):
    """How claims reach one payer: the clearinghouse (receiver) that takes them, the payer's
    electronic id, the claim filing indicator, the directory entry the disclosure gate
    checks the client's consent against, and the payer's window for appeals."""

    __tablename__ = "payer_billing"

    payer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payer.id", ondelete="RESTRICT"), unique=True
    )
    electronic_id: Mapped[str] = mapped_column(String(80))
    receiver_name: Mapped[str] = mapped_column(String(60))
    receiver_id: Mapped[str] = mapped_column(String(15))
    receiver_qualifier: Mapped[str] = mapped_column(String(2), default="ZZ")
    filing_indicator: Mapped[str] = mapped_column(String(2))
    recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("disclosure_recipient.id", ondelete="RESTRICT")
    )
    appeal_days: Mapped[int] = mapped_column(default=180)

    __table_args__ = (CheckConstraint("appeal_days BETWEEN 1 AND 730", name="appeal_days"),)


class PayerContract(IdMixin, TimestampMixin, Base):
    """One payer's terms for one level of care from a date."""

    __tablename__ = "payer_contract"

    payer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payer.id", ondelete="RESTRICT"))
    level_code: Mapped[str] = mapped_column(String(20))
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    claim_type: Mapped[ClaimType] = mapped_column(str_enum(ClaimType, "claim_type", length=4))
    mode: Mapped[BillingMode] = mapped_column(str_enum(BillingMode, "billing_mode", length=12))
    per_diem_code: Mapped[str] = mapped_column(String(5), default="")
    per_diem_min_minutes: Mapped[int] = mapped_column(default=0)
    per_diem_min_services: Mapped[int] = mapped_column(default=0)
    revenue_code: Mapped[str] = mapped_column(String(4), default="")
    revenue_codes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # by kind
    modifiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Code overrides by service kind (e.g. group -> G0410, individual -> H0004).
    codes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    separately_billable: Mapped[list[str]] = mapped_column(JSON, default=list)
    rounding: Mapped[Rounding] = mapped_column(str_enum(Rounding, "unit_rounding", length=10))
    fees: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # code -> cents a unit
    place_of_service: Mapped[str] = mapped_column(String(2), default="")
    type_of_bill: Mapped[str] = mapped_column(String(2), default="")
    condition_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    medicare: Mapped[bool] = mapped_column(default=False)
    requires_authorization: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        Index("uq_payer_contract_from", "payer_id", "level_code", "effective_from", unique=True),
        CheckConstraint("per_diem_min_minutes >= 0 AND per_diem_min_services >= 0", name="mins"),
    )


class ChargeLine(IdMixin, Base):
    """One line computed from delivered care, with why it is held or not billable."""

    __tablename__ = "charge_line"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id", ondelete="RESTRICT"))
    episode_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("episode.id", ondelete="RESTRICT"))
    week_of: Mapped[date]
    service_date: Mapped[date]
    level_code: Mapped[str] = mapped_column(String(20))
    payer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payer.id", ondelete="RESTRICT"))
    coverage_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("coverage.id", ondelete="RESTRICT")
    )
    contract_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payer_contract.id", ondelete="RESTRICT")
    )
    authorization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payer_authorization.id", ondelete="RESTRICT")
    )
    authorization_number: Mapped[str] = mapped_column(String(50), default="")
    kind: Mapped[str] = mapped_column(String(30))
    code: Mapped[str] = mapped_column(String(5), default="")
    modifiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    revenue_code: Mapped[str] = mapped_column(String(4), default="")
    units: Mapped[int]
    minutes: Mapped[int]
    charge_cents: Mapped[int] = mapped_column(default=0)
    status: Mapped[LineStatus] = mapped_column(str_enum(LineStatus, "charge_status", length=15))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_charge_line_week_status", "week_of", "status"),
        Index("ix_charge_line_client_day", "client_id", "service_date"),
        CheckConstraint("units >= 0 AND charge_cents >= 0", name="amounts"),
    )


class ClaimBatch(IdMixin, Base):
    """One file as written: its bytes are kept, so exporting it again gives the same file."""

    __tablename__ = "claim_batch"

    payer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payer.id", ondelete="RESTRICT"))
    claim_type: Mapped[ClaimType] = mapped_column(str_enum(ClaimType, "claim_type", length=4))
    week_of: Mapped[date | None]
    interchange_control: Mapped[int] = mapped_column(unique=True)
    filename: Mapped[str] = mapped_column(String(120))
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    claim_count: Mapped[int]
    total_cents: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class ClaimStatus:
    """A claim's standing, read from its remittances (kept as text for reports)."""

    SENT = "sent"
    PAID = "paid"
    PARTLY_PAID = "partly_paid"
    DENIED = "denied"
    REVERSED = "reversed"
    REPLACED = "replaced"
    VOIDED = "voided"


class Claim(IdMixin, Base):
    __tablename__ = "claim"

    claim_number: Mapped[str] = mapped_column(String(20), index=True)  # CLM01
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency, "claim_frequency", length=1))
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("claim.id", ondelete="RESTRICT")
    )
    batch_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("claim_batch.id", ondelete="RESTRICT"), index=True
    )
    payer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payer.id", ondelete="RESTRICT"))
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    coverage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("coverage.id", ondelete="RESTRICT"))
    contract_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payer_contract.id", ondelete="RESTRICT")
    )
    claim_type: Mapped[ClaimType] = mapped_column(str_enum(ClaimType, "claim_type", length=4))
    week_of: Mapped[date]
    prior_authorization: Mapped[str] = mapped_column(String(50), default="")
    diagnoses: Mapped[list[str]] = mapped_column(JSON, default=list)
    charge_cents: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=ClaimStatus.SENT)
    payer_claim_number: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class ClaimLine(IdMixin, Base):
    __tablename__ = "claim_line"

    claim_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("claim.id", ondelete="CASCADE"), index=True
    )
    charge_line_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("charge_line.id", ondelete="RESTRICT"), index=True
    )
    line_number: Mapped[int]
    control: Mapped[str] = mapped_column(String(50))  # REF*6R, echoed back by the 835
    service_date: Mapped[date]
    code: Mapped[str] = mapped_column(String(5))
    modifiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    revenue_code: Mapped[str] = mapped_column(String(4), default="")
    units: Mapped[int]
    charge_cents: Mapped[int]


class Remittance(IdMixin, Base):
    """One posted 835 transaction: the payment (or advice of none) and its file."""

    __tablename__ = "remittance"

    payer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payer.id", ondelete="RESTRICT"))
    payer_name: Mapped[str] = mapped_column(String(60))
    trace_number: Mapped[str] = mapped_column(String(50))
    paid_cents: Mapped[int]
    method: Mapped[str] = mapped_column(String(3))
    paid_on: Mapped[date]
    filename: Mapped[str] = mapped_column(String(200))
    content_sha256: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    __table_args__ = (Index("uq_remittance_trace", "payer_name", "trace_number", unique=True),)


class ClaimPayment(IdMixin, Base):
    """What the payer said of one claim in one remittance; a denial is worked from here."""

    __tablename__ = "claim_payment"

    remittance_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("remittance.id", ondelete="CASCADE"), index=True
    )
    claim_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("claim.id", ondelete="RESTRICT"), index=True
    )
    claim_number: Mapped[str] = mapped_column(String(38))
    status_code: Mapped[str] = mapped_column(String(2))
    charge_cents: Mapped[int]
    paid_cents: Mapped[int]
    patient_cents: Mapped[int]
    payer_claim_number: Mapped[str] = mapped_column(String(50), default="")
    adjustments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    remarks: Mapped[list[str]] = mapped_column(JSON, default=list)
    denied: Mapped[bool] = mapped_column(default=False)
    appeal_deadline: Mapped[date | None]
    worked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worked_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    work_note: Mapped[str] = mapped_column(String(500), default="")


class LinePayment(IdMixin, Base):
    __tablename__ = "line_payment"

    claim_payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("claim_payment.id", ondelete="CASCADE"), index=True
    )
    claim_line_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("claim_line.id", ondelete="RESTRICT"), index=True
    )
    control: Mapped[str] = mapped_column(String(50), default="")
    code: Mapped[str] = mapped_column(String(5), default="")
    charge_cents: Mapped[int]
    paid_cents: Mapped[int]
    adjustments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    remarks: Mapped[list[str]] = mapped_column(JSON, default=list)
    denied: Mapped[bool] = mapped_column(default=False)
