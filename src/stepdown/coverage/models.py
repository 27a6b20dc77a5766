"""Who pays: payers and their plans, a client's coverages in order, and each eligibility
check with what the payer answered.

A coverage belongs to an inquiry until the caller is admitted (the phone intake asks who
insures them, and admissions verifies benefits before the first visit), then to the client;
converting the inquiry carries it over. A client's coverages are ranked (primary,
secondary, tertiary); self-pay is a coverage with no payer, so "who pays" always has an
answer in order.

An eligibility check keeps the inquiry it sent (the 270), the payer's raw answer (the 271)
beside the snapshot parsed from it, and its outcome; a verification by phone is the same
record with the representative's name and call reference instead of X12. Nothing in a
check is ever edited: a new check supersedes it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class PlanKind(StrEnum):
    """The kind of benefit plan, as admissions speaks of it (the claim's filing indicator
    is derived from it later, in billing)."""

    COMMERCIAL = "commercial"
    MEDICAID = "medicaid"
    MEDICAID_MANAGED = "medicaid_managed"
    MEDICARE = "medicare"
    MEDICARE_ADVANTAGE = "medicare_advantage"
    TRICARE = "tricare"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            PlanKind.MEDICAID_MANAGED: "Medicaid managed care",
            PlanKind.MEDICARE_ADVANTAGE: "Medicare Advantage",
            PlanKind.TRICARE: "TRICARE",
        }.get(self, self.value.capitalize())


class Relationship(StrEnum):
    """The patient's relationship to the subscriber, as the X12 individual relationship
    codes the claim uses (005010X222A1 SBR02/PAT01): 18 self, 01 spouse, 19 child, 20
    employee, G8 other. The 270 does not send it: a dependent is found by their name and
    birth date (X12 RFI 922 forbids the dependent INS beside them)."""

    SELF = "18"
    SPOUSE = "01"
    CHILD = "19"
    EMPLOYEE = "20"
    OTHER = "G8"

    @property
    def label(self) -> str:
        return {
            Relationship.SELF: "Self",
            Relationship.SPOUSE: "Spouse",
            Relationship.CHILD: "Child",
            Relationship.EMPLOYEE: "Employee",
            Relationship.OTHER: "Other",
        }[self]


class Payer(IdMixin, TimestampMixin, Base):
    """An insurer or plan administrator the program bills. ``payer_code`` is the electronic
    payer id the clearinghouse routes by; a payer whose behavioral-health benefits are
    managed by another (a carve-out) names that payer."""

    __tablename__ = "payer"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    payer_code: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    portal_url: Mapped[str] = mapped_column(String(300), default="")
    carve_out_payer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payer.id", ondelete="SET NULL")
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    is_synthetic: Mapped[bool] = mapped_column(default=False)


class PayerPlan(IdMixin, TimestampMixin, Base):
    __tablename__ = "payer_plan"

    payer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payer.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[PlanKind] = mapped_column(str_enum(PlanKind, "plan_kind"))
    is_active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (Index("uq_payer_plan_name", "payer_id", "name", unique=True),)


class Coverage(IdMixin, TimestampMixin, Base):
    """One coverage of a person, an inquiry's caller or a client: ranked (1 primary, 2
    secondary, 3 tertiary), or self-pay (no payer). The subscriber's own details are kept
    when the patient is not the subscriber (a child on a parent's plan)."""

    __tablename__ = "coverage"

    client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    inquiry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inquiry.id", ondelete="RESTRICT"), index=True
    )
    rank: Mapped[int]
    self_pay: Mapped[bool] = mapped_column(default=False)
    payer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payer.id", ondelete="RESTRICT"), index=True
    )
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payer_plan.id", ondelete="RESTRICT")
    )
    member_id: Mapped[str] = mapped_column(String(80), default="")
    group_number: Mapped[str] = mapped_column(String(50), default="")
    relationship: Mapped[Relationship] = mapped_column(
        str_enum(Relationship, "coverage_relationship", length=4), default=Relationship.SELF
    )
    subscriber_first_name: Mapped[str] = mapped_column(String(35), default="")
    subscriber_last_name: Mapped[str] = mapped_column(String(60), default="")
    subscriber_date_of_birth: Mapped[date | None]
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    ended_reason: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    __table_args__ = (
        CheckConstraint("(client_id IS NOT NULL) OR (inquiry_id IS NOT NULL)", name="owner"),
        CheckConstraint(
            "self_pay OR (payer_id IS NOT NULL AND member_id <> '')", name="payer_or_self_pay"
        ),
        CheckConstraint("rank BETWEEN 1 AND 9", name="rank"),
    )


class CheckMethod(StrEnum):
    """How the benefits were verified: through a gateway (``clearinghouse``), or by phone
    with the payer and typed in."""

    SIMULATOR = "simulator"
    HTTP = "http"
    JSONAPI = "jsonapi"
    PHONE = "phone"


class CheckOutcome(StrEnum):
    """What a check found. Only ``ACTIVE`` and ``INACTIVE`` speak of the coverage; a
    rejection, a mismatch or a failure says nothing about it (never read as inactive)."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    REJECTED = "rejected"  # an AAA segment: the payer could not answer for this person
    MISMATCH = "mismatch"  # the answer is not for the person or inquiry we sent
    FAILED = "failed"  # timeout, unreachable, server error, after the retries

    @property
    def label(self) -> str:
        return {
            CheckOutcome.ACTIVE: "Active",
            CheckOutcome.INACTIVE: "Inactive",
            CheckOutcome.REJECTED: "Rejected by the payer",
            CheckOutcome.MISMATCH: "Answer did not match the inquiry",
            CheckOutcome.FAILED: "No answer",
        }[self]


class EligibilityCheck(IdMixin, Base):
    __tablename__ = "eligibility_check"

    coverage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("coverage.id", ondelete="RESTRICT"))
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    inquiry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inquiry.id", ondelete="RESTRICT"), index=True
    )
    method: Mapped[CheckMethod] = mapped_column(str_enum(CheckMethod, "eligibility_method"))
    service_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    service_date: Mapped[date]
    trace: Mapped[str] = mapped_column(String(50), default="")
    request_x12: Mapped[str] = mapped_column(Text, default="")
    response_x12: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[CheckOutcome] = mapped_column(str_enum(CheckOutcome, "eligibility_outcome"))
    detail: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(default=1)
    # A verification by phone: who at the payer said so, and the call's reference.
    representative: Mapped[str] = mapped_column(String(120), default="")
    call_reference: Mapped[str] = mapped_column(String(80), default="")
    checked_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (Index("ix_eligibility_check_coverage_at", "coverage_id", "checked_at"),)
