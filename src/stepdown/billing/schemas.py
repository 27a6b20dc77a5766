"""Billing's input shapes, every field bounded; what the set-up forms, the API and the demo
write through."""

from __future__ import annotations

import uuid

from pydantic import Field

from stepdown.billing.claim_data import ClaimType
from stepdown.billing.rules import BillingMode, Rounding, ServiceKind
from stepdown.kit.schemas import Day, Line, Schema


class ProfileWrite(Schema):
    organization_name: Line = Field(min_length=1, max_length=60)
    npi: str = Field(pattern=r"^\d{10}$")
    tax_id: str = Field(pattern=r"^\d{9}$")
    taxonomy: str = Field(default="", pattern=r"^([0-9A-Z]{9}X)?$")
    address_line1: Line = Field(min_length=1, max_length=55)
    address_line2: Line = Field(default="", max_length=55)
    city: Line = Field(min_length=2, max_length=30)
    state: str = Field(pattern=r"^[A-Z]{2}$")
    zip: str = Field(pattern=r"^\d{9}$", description="nine digits: claims need ZIP+4")
    submitter_name: Line = Field(min_length=1, max_length=60)
    submitter_id: str = Field(pattern=r"^[A-Za-z0-9]{2,15}$")
    contact_name: Line = Field(min_length=1, max_length=60)
    contact_phone: str = Field(pattern=r"^\d{10}$")
    attending_last_name: Line = Field(default="", max_length=60)
    attending_first_name: Line = Field(default="", max_length=35)
    attending_npi: str = Field(default="", pattern=r"^(\d{10})?$")
    production: bool = False


class PayerSetupWrite(Schema):
    payer_id: uuid.UUID
    electronic_id: str = Field(pattern=r"^[A-Za-z0-9]{2,80}$")
    receiver_name: Line = Field(min_length=1, max_length=60)
    receiver_id: str = Field(pattern=r"^[A-Za-z0-9]{2,15}$")
    filing_indicator: str = Field(pattern=r"^(CI|MC|MA|MB|BL|HM|CH|VA|WC|ZZ|11|12|13|14|15|16|17)$")
    recipient_id: uuid.UUID
    appeal_days: int = Field(default=180, ge=1, le=730)


class ContractWrite(Schema):
    payer_id: uuid.UUID
    level_code: Line = Field(min_length=1, max_length=20)
    effective_from: Day
    effective_to: Day | None = None
    claim_type: ClaimType
    mode: BillingMode
    per_diem_code: str = Field(default="", pattern=r"^([A-Z0-9]{5})?$")
    per_diem_min_minutes: int = Field(default=0, ge=0, le=24 * 60)
    per_diem_min_services: int = Field(default=0, ge=0, le=20)
    revenue_code: str = Field(default="", pattern=r"^(\d{4})?$")
    revenue_codes: dict[ServiceKind, str] = Field(default_factory=dict)
    modifiers: list[str] = Field(default_factory=list, max_length=4)
    codes: dict[ServiceKind, str] = Field(default_factory=dict)
    separately_billable: list[ServiceKind] = Field(default_factory=list, max_length=10)
    rounding: Rounding = Rounding.MIDPOINT
    fees: dict[str, int] = Field(default_factory=dict, max_length=40)
    place_of_service: str = Field(default="", pattern=r"^(\d{2})?$")
    type_of_bill: str = Field(default="", pattern=r"^(\d{2})?$")
    condition_codes: list[str] = Field(default_factory=list, max_length=11)
    medicare: bool = False
    requires_authorization: bool = True
