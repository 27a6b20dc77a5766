"""The demo program's billing, end to end: its contracts, its billed week's claim files (valid
X12 by pyx12, the same bytes when exported again), the posted remittance with its one
denial, and a later week taken through release, export and posting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.billing import charges, claims, demo, remittances, x12_835
from stepdown.billing.claim_data import ClaimType, Frequency
from stepdown.billing.models import (
    ChargeLine,
    Claim,
    ClaimBatch,
    ClaimStatus,
    PayerContract,
    Remittance,
)
from stepdown.billing.rules import BillingMode, LineStatus
from stepdown.coverage.models import Payer
from stepdown.disclosures.models import Channel, Disclosure
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict
from stepdown.security.actor import Actor
from tests.billing.pyx12_check import errors

BILLER = Actor.system("test billing")


def _contracts(session: Session) -> dict[tuple[str, str], PayerContract]:
    names = {p.id: p.name for p in session.scalars(select(Payer))}
    return {(names[c.payer_id], c.level_code): c for c in session.scalars(select(PayerContract))}


def test_the_demo_holds_the_three_kinds_of_contract(demo_session: Session) -> None:
    found = _contracts(demo_session)
    commercial = found[("Example Health Plan (demo)", "IOP")]
    assert (commercial.mode, commercial.per_diem_code) == (BillingMode.PER_DIEM, "S9480")
    medicaid_iop = found[("Lakeside Medicaid (demo)", "IOP")]
    assert (medicaid_iop.per_diem_code, medicaid_iop.per_diem_min_minutes) == ("H0015", 180)
    assert found[("Lakeside Medicaid (demo)", "OP")].codes["individual"] == "H0004"
    medicare = found[("Medicare (demo)", "IOP")]
    assert medicare.claim_type is ClaimType.INSTITUTIONAL
    assert (medicare.medicare, medicare.condition_codes) == (True, ["92"])
    assert found[("Medicare (demo)", "PHP")].condition_codes == ["41"]


def test_the_billed_weeks_files_pass_the_validator_for_each_claim_type(
    demo_session: Session,
) -> None:
    batches = list(demo_session.scalars(select(ClaimBatch)))
    assert {b.claim_type for b in batches} == {ClaimType.PROFESSIONAL, ClaimType.INSTITUTIONAL}
    for batch in batches:
        assert errors(batch.content) == [], batch.filename
        assert batch.claim_count == demo_session.scalar(
            select(func.count()).select_from(Claim).where(Claim.batch_id == batch.id)
        )


def test_exporting_the_billed_week_again_gives_the_same_bytes(demo_session: Session) -> None:
    billed = demo_session.scalar(select(ClaimBatch.week_of))
    assert billed is not None
    before = {
        b.filename: b.content
        for b in demo_session.scalars(select(ClaimBatch).where(ClaimBatch.week_of == billed))
    }
    again = claims.export_week(demo_session, actor=BILLER, week_of=billed)
    assert again.reused
    assert {b.filename: b.content for b in again.batches} == before


def test_each_claim_went_through_the_gate(demo_session: Session) -> None:
    claimed = set(demo_session.scalars(select(Claim.client_id)))
    disclosed = set(
        demo_session.scalars(
            select(Disclosure.client_id).where(Disclosure.channel == Channel.CLAIM)
        )
    )
    assert claimed
    assert claimed <= disclosed


def test_the_posted_remittance_has_one_denial_on_the_worklist(demo_session: Session) -> None:
    assert demo_session.scalar(select(func.count()).select_from(Remittance)) >= 1
    [denial] = remittances.denials(demo_session, actor=BILLER, today=today())
    assert [(r.group, r.code) for r in denial.reasons][:1] == [("CO", "197")]
    assert denial.appeal_deadline is not None
    assert denial.appeal_deadline > denial.paid_on
    balances = remittances.balances(demo_session, actor=BILLER)
    total = balances.total()
    assert total.denied == denial.denied_cents
    assert total.paid > 0
    assert total.charged == total.paid + total.contractual + total.patient + total.denied + (
        total.open
    )


def test_a_later_week_goes_from_charges_to_a_posted_remittance(demo_session: Session) -> None:
    billed = demo_session.scalar(select(func.max(ClaimBatch.week_of)))
    assert billed is not None
    earlier = billed - timedelta(days=7)
    result = charges.compute_week(demo_session, actor=BILLER, week_of=earlier)
    assert result.written > 0
    released = claims.release(demo_session, actor=BILLER, week_of=earlier)
    exported = claims.export_week(demo_session, actor=BILLER, week_of=earlier)
    if not released:
        assert exported.batches == []
        return
    assert exported.batches
    for batch in exported.batches:
        assert errors(batch.content) == []
        text = demo.remittance_for(demo_session, batch, paid_on=today(), deny_first=False)
        assert errors(text) == []
        posted = remittances.post(demo_session, actor=BILLER, text=text, filename="t.835")
        assert (posted.claims, posted.denials, posted.unmatched) == (batch.claim_count, 0, [])
    statuses = set(
        demo_session.scalars(
            select(Claim.status).where(Claim.batch_id.in_([b.id for b in exported.batches]))
        )
    )
    assert statuses == {ClaimStatus.PAID}


def test_a_paid_claim_is_voided_under_its_own_number(demo_session: Session) -> None:
    paid = demo_session.scalars(
        select(Claim).where(Claim.status == ClaimStatus.PAID).order_by(Claim.claim_number)
    ).first()
    assert paid is not None
    batch = claims.correct(demo_session, actor=BILLER, claim_id=paid.id, frequency=Frequency.VOID)
    assert errors(batch.content) == []
    assert f"CLM*{paid.claim_number}*" in batch.content
    assert f"REF*F8*{paid.payer_claim_number}~" in batch.content
    assert paid.status == ClaimStatus.VOIDED
    void = demo_session.scalar(select(Claim).where(Claim.corrects_id == paid.id))
    assert void is not None
    assert (void.claim_number, void.frequency) == (paid.claim_number, Frequency.VOID)


def test_posting_the_same_remittance_twice_is_refused(demo_session: Session) -> None:
    batch = demo_session.scalars(select(ClaimBatch)).first()
    assert batch is not None
    text = demo.remittance_for(demo_session, batch, paid_on=today(), deny_first=False)
    [parsed] = x12_835.read(text)
    assert parsed.trace_number
    with pytest.raises(Conflict):
        remittances.post(demo_session, actor=BILLER, text=text, filename="again.835")


def test_an_earlier_week_waits_released_for_export(demo_session: Session) -> None:
    billed = demo_session.scalar(select(func.max(ClaimBatch.week_of)))
    assert billed is not None
    pending = billed - timedelta(days=14)
    released = demo_session.scalar(
        select(func.count())
        .select_from(ChargeLine)
        .where(ChargeLine.week_of == pending, ChargeLine.status == LineStatus.RELEASED)
    )
    exported = claims.export_week(demo_session, actor=BILLER, week_of=pending)
    if not released:  # a calendar whose weeks that far back hold no billable service
        assert exported.batches == []
        return
    assert exported.batches
    for batch in exported.batches:
        assert errors(batch.content) == []
    billed_lines = demo_session.scalar(
        select(func.count())
        .select_from(ChargeLine)
        .where(ChargeLine.week_of == pending, ChargeLine.status == LineStatus.BILLED)
    )
    assert billed_lines + exported.held == released
