"""Billing set-up: the program as billing provider, how each payer's claims travel, and
each payer's contract by level. Contracts are data; this is where they change."""

from __future__ import annotations

import re
import uuid
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.billing import access
from stepdown.billing.charges import require
from stepdown.billing.claim_data import ClaimType
from stepdown.billing.models import BillingProfile, PayerBilling, PayerContract
from stepdown.billing.rules import PER_DIEM_LEVELS, BillingMode
from stepdown.billing.schemas import ContractWrite, PayerSetupWrite, ProfileWrite
from stepdown.continuum.models import LevelOfCare
from stepdown.coverage.models import Payer
from stepdown.disclosures.models import DisclosureRecipient
from stepdown.kit.errors import Invalid, NotFound
from stepdown.kit.identifiers import npi_is_valid
from stepdown.security.actor import Actor

_CODE: Final = re.compile(r"\A[A-Z0-9]{5}\Z")
_MODIFIER: Final = re.compile(r"\A[A-Z0-9]{2}\Z")
_CONDITION: Final = re.compile(r"\A[A-Z0-9]{2}\Z")
MAX_FEE_CENTS: Final = 10_000_000  # $100,000 a unit: a typo guard far above any real fee


def profile(session: Session) -> BillingProfile | None:
    return session.get(BillingProfile, 1)


def save_profile(session: Session, *, actor: Actor, data: ProfileWrite) -> BillingProfile:
    require(access.SETUP, actor)
    if not npi_is_valid(data.npi):
        raise Invalid("the NPI's check digit is wrong", field="npi")
    if data.attending_npi and not npi_is_valid(data.attending_npi):
        raise Invalid("the NPI's check digit is wrong", field="attending_npi")
    row = session.get(BillingProfile, 1, with_for_update=True)
    if row is None:
        row = BillingProfile(id=1, next_interchange=1, next_claim=1)
        session.add(row)
    for name, value in data.model_dump().items():
        setattr(row, name, value)
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="billing_profile",
        entity_id=1,
        detail={"fields": sorted(data.model_dump())},
    )
    session.flush()
    return row


def save_payer_setup(session: Session, *, actor: Actor, data: PayerSetupWrite) -> PayerBilling:
    require(access.SETUP, actor)
    if session.get(Payer, data.payer_id) is None:
        raise Invalid("choose a payer from the directory", field="payer_id")
    if session.get(DisclosureRecipient, data.recipient_id) is None:
        raise Invalid("choose the payer's entry in the disclosure directory", field="recipient_id")
    row = session.scalar(select(PayerBilling).where(PayerBilling.payer_id == data.payer_id))
    if row is None:
        row = PayerBilling(id=uuid.uuid4(), payer_id=data.payer_id)
        session.add(row)
    for name, value in data.model_dump().items():
        setattr(row, name, value)
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="payer_billing",
        entity_id=row.id,
        detail={"payer": str(data.payer_id)},
    )
    session.flush()
    return row


def check_contract(session: Session, data: ContractWrite) -> None:
    """What a contract must say to produce claims; each error names its field."""
    if session.get(Payer, data.payer_id) is None:
        raise Invalid("choose a payer from the directory", field="payer_id")
    if session.scalar(select(LevelOfCare.id).where(LevelOfCare.code == data.level_code)) is None:
        raise Invalid("choose a level of care from the catalog", field="level_code")
    if data.effective_to is not None and data.effective_to < data.effective_from:
        raise Invalid("the contract cannot end before it starts", field="effective_to")
    if data.mode is BillingMode.PER_DIEM:
        if data.level_code not in PER_DIEM_LEVELS:
            raise Invalid("only PHP and IOP are paid per diem", field="mode")
        if not data.per_diem_code:
            raise Invalid("a per-diem contract names its code", field="per_diem_code")
        if data.per_diem_min_minutes == 0 and data.per_diem_min_services == 0:
            raise Invalid(
                "say what makes a billable day (minutes or services)",
                field="per_diem_min_minutes",
            )
    if data.claim_type is ClaimType.INSTITUTIONAL:
        if not data.type_of_bill:
            raise Invalid("an institutional contract names the type of bill", field="type_of_bill")
        if not data.revenue_code:
            raise Invalid("an institutional contract names the revenue code", field="revenue_code")
    elif not data.place_of_service:
        raise Invalid(
            "a professional contract names the place of service", field="place_of_service"
        )
    for modifier in data.modifiers:
        if not _MODIFIER.match(modifier):
            raise Invalid(f"{modifier!r} is not a two-character modifier", field="modifiers")
    for condition in data.condition_codes:
        if not _CONDITION.match(condition):
            raise Invalid(f"{condition!r} is not a condition code", field="condition_codes")
    for kind, code in data.codes.items():
        if not _CODE.match(code):
            raise Invalid(f"{code!r} for {kind.value} is not a code number", field="codes")
    for kind, revenue in data.revenue_codes.items():
        if not re.fullmatch(r"\d{4}", revenue):
            raise Invalid(
                f"{revenue!r} for {kind.value} is not a revenue code", field="revenue_codes"
            )
    for code, cents in data.fees.items():
        if not _CODE.match(code):
            raise Invalid(f"{code!r} is not a code number", field="fees")
        if not 0 < cents <= MAX_FEE_CENTS:
            raise Invalid(f"the fee for {code} must be 1 cent to $100,000", field="fees")


def save_contract(
    session: Session, *, actor: Actor, data: ContractWrite, contract_id: uuid.UUID | None = None
) -> PayerContract:
    """Create a contract, or change one (the next computed week uses the change)."""
    require(access.SETUP, actor)
    check_contract(session, data)
    if contract_id is None:
        row = PayerContract(id=uuid.uuid4())
        session.add(row)
    else:
        found = session.get(PayerContract, contract_id, with_for_update=True)
        if found is None:
            raise NotFound("no such contract")
        row = found
    values = data.model_dump()
    values["codes"] = {k.value: v for k, v in data.codes.items()}
    values["revenue_codes"] = {k.value: v for k, v in data.revenue_codes.items()}
    values["separately_billable"] = [k.value for k in data.separately_billable]
    for name, value in values.items():
        setattr(row, name, value)
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE if contract_id else AuditAction.CREATE,
        entity_type="payer_contract",
        entity_id=row.id,
        detail={"payer": str(data.payer_id), "level": data.level_code, "mode": data.mode.value},
    )
    session.flush()
    return row


def contracts(session: Session, *, actor: Actor) -> list[PayerContract]:
    require(access.READ, actor)
    return list(
        session.scalars(
            select(PayerContract).order_by(
                PayerContract.payer_id, PayerContract.level_code, PayerContract.effective_from
            )
        )
    )


def payer_setups(session: Session, *, actor: Actor) -> list[PayerBilling]:
    require(access.READ, actor)
    return list(session.scalars(select(PayerBilling)))
