"""Synthetic billing for the demo program, and the synthetic payer's remittance.

- The program as billing provider: the demo NPI (CMS's worked check-digit example), a made-up
  tax id and a Springfield address with ZIP+4; the attending clinician for institutional
  claims has another check-digit-valid NPI that is nobody's.
- Contracts as real programs hold them, all synthetic:
  - Example Health Plan (commercial): PHP and IOP per diem (S0201 from 3 hours a day, S9480
    from 2) on 837P, OP per service, drug screens on their own lines;
  - Lakeside Medicaid: IOP per diem H0015 (3 hours a day, as its descriptor says: the demo
    schedule's shorter IOP days show as not billable) and PHP H0035, with modifier HF; OP
    with H0004 in 15-minute units (8-minute rule) and H0005 for groups;
  - Medicare: IOP and PHP on 837I as a community mental health center (type of bill 76,
    condition code 92 or 41), a line per service with its revenue code, G0410 for groups,
    no prior authorization;
  - Sample Mutual is set up for claims but has no contract: its members' lines are held
    ("no contract"), as they would be until the carve-out is sorted.
- The latest week with documented days billed (the group-notes demo leaves the newest
  sessions for staff to write): charges computed, ready lines released, claim files
  exported, and each file answered by a synthetic 835 (``remittance_for``) that pays the
  claims less a contractual adjustment, with the first claim of the first file denied (CO 197, no
  authorization on file); the remittances are posted. The week two before it is computed
  and released, waiting for export; a later week's charges are computed and wait for
  billing staff. The week just before the billed one is left for staff to compute.

Idempotent: with a billing profile on file nothing is done.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.billing import charges, claims, remittances, setup, x12_835
from stepdown.billing.claim_data import Address, ClaimType
from stepdown.billing.models import Claim, ClaimBatch, ClaimLine, PayerBilling
from stepdown.billing.rules import BillingMode, Rounding, ServiceKind, week_of
from stepdown.billing.schemas import ContractWrite, PayerSetupWrite, ProfileWrite
from stepdown.clients.models import Client
from stepdown.coverage.models import Coverage, Payer
from stepdown.coverage.x12_270 import x12_text
from stepdown.disclosures.models import DisclosureRecipient
from stepdown.group_notes.demo import UNWRITTEN_DAYS
from stepdown.kit.x12 import Party
from stepdown.security.actor import Actor

DEMO_NPI: Final = "1234567893"
ATTENDING_NPI: Final = "1245319599"
RECEIVER: Final = ("Example Clearinghouse (demo)", "CLEARDEMO")
# name, electronic id, claim filing indicator (837 SBR09)
SETUPS: Final = (
    ("Example Health Plan (demo)", "EHP01", "CI"),
    ("Lakeside Medicaid (demo)", "LKM01", "MC"),
    ("Medicare (demo)", "MCR01", "MA"),
    ("Sample Mutual (demo)", "SMU01", "CI"),
)
# CLP06 of the synthetic 835 by the 837's filing indicator (12 PPO, MC Medicaid, MA Part A).
_CLP06: Final = {"CI": "12", "MC": "MC", "MA": "MA", "MB": "MB"}
COMMERCIAL_FEES: Final = {
    "S0201": 45000,
    "S9480": 25000,
    "90832": 8500,
    "90834": 11000,
    "90837": 14500,
    "90846": 11000,
    "90847": 11500,
    "90853": 4500,
    "90791": 18000,
    "80305": 2500,
    "G0480": 11000,
    "G0481": 15000,
}
MEDICAID_FEES: Final = {
    "H0015": 17500,
    "H0035": 30000,
    "H0004": 2200,
    "H0005": 3800,
    "90791": 15000,
    "90846": 9000,
    "90847": 9000,
    "80305": 1800,
    "G0480": 9000,
}
MEDICARE_FEES: Final = {
    "G0410": 9500,
    "90832": 7000,
    "90834": 9500,
    "90837": 13000,
    "90846": 9500,
    "90847": 10000,
    "90791": 16000,
    "80305": 1500,
    "G0480": 8000,
}
# Medicare CMHC revenue codes by service (Noridian JF "CMHC PHP Billing Guide").
MEDICARE_REVENUE: Final = {
    ServiceKind.GROUP: "0915",
    ServiceKind.INDIVIDUAL: "0914",
    ServiceKind.FAMILY: "0916",
    ServiceKind.FAMILY_WITHOUT_CLIENT: "0916",
    ServiceKind.EVALUATION: "0900",
    ServiceKind.PRESUMPTIVE_SCREEN: "0300",
    ServiceKind.DEFINITIVE_TEST: "0300",
}
TESTS: Final = [ServiceKind.PRESUMPTIVE_SCREEN, ServiceKind.DEFINITIVE_TEST]


def seed_demo_billing(session: Session, *, actor: Actor, today: date) -> None:
    if setup.profile(session) is not None:
        return
    setup.save_profile(session, actor=actor, data=_profile())
    payers = {p.name: p for p in session.scalars(select(Payer))}
    recipients = {r.name: r.id for r in session.scalars(select(DisclosureRecipient))}
    for name, electronic_id, filing in SETUPS:
        if name not in payers or name not in recipients:
            continue
        setup.save_payer_setup(
            session,
            actor=actor,
            data=PayerSetupWrite(
                payer_id=payers[name].id,
                electronic_id=electronic_id,
                receiver_name=RECEIVER[0],
                receiver_id=RECEIVER[1],
                filing_indicator=filing,
                recipient_id=recipients[name],
                appeal_days=180 if filing != "MA" else 120,
            ),
        )
    since = today - timedelta(days=400)
    for data in _contracts(payers, since):
        setup.save_contract(session, actor=actor, data=data)
    # The latest week with documented days (the demo's newest sessions wait for notes).
    billed = week_of(today - timedelta(days=UNWRITTEN_DAYS + 1))
    charges.compute_week(session, actor=actor, week_of=billed)
    claims.release(session, actor=actor, week_of=billed)
    exported = claims.export_week(session, actor=actor, week_of=billed)
    for number, batch in enumerate(exported.batches):
        text = remittance_for(
            session, batch, paid_on=today - timedelta(days=1), deny_first=number == 0
        )
        remittances.post(session, actor=actor, text=text, filename=f"demo-{batch.filename}.835")
    # Two weeks before: released and not yet exported (`stepdown billing export` writes it).
    pending = billed - timedelta(days=14)
    charges.compute_week(session, actor=actor, week_of=pending)
    claims.release(session, actor=actor, week_of=pending)
    if week_of(today) != billed:
        charges.compute_week(session, actor=actor, week_of=week_of(today))


def _profile() -> ProfileWrite:
    return ProfileWrite(
        organization_name="Riverside Recovery (synthetic demo)",
        npi=DEMO_NPI,
        tax_id="990000001",
        taxonomy="261QR0405X",
        address_line1="12 Example Avenue",
        city="Springfield",
        state="IL",
        zip="627011234",
        submitter_name="Riverside Recovery (demo)",
        submitter_id="STEPDEMO01",
        contact_name="Billing desk (demo)",
        contact_phone="5555550100",
        attending_last_name="Okafor (demo)",
        attending_first_name="Morgan",
        attending_npi=ATTENDING_NPI,
    )


def _contracts(payers: dict[str, Payer], since: date) -> list[ContractWrite]:
    found: list[ContractWrite] = []
    commercial = payers.get("Example Health Plan (demo)")
    if commercial is not None:
        common = {"payer_id": commercial.id, "effective_from": since, "fees": COMMERCIAL_FEES}
        found += [
            ContractWrite(
                **common,
                level_code="PHP",
                claim_type=ClaimType.PROFESSIONAL,
                mode=BillingMode.PER_DIEM,
                per_diem_code="S0201",
                per_diem_min_minutes=180,
                place_of_service="52",
                separately_billable=TESTS,
            ),
            ContractWrite(
                **common,
                level_code="IOP",
                claim_type=ClaimType.PROFESSIONAL,
                mode=BillingMode.PER_DIEM,
                per_diem_code="S9480",
                per_diem_min_minutes=120,
                place_of_service="57",
                separately_billable=TESTS,
            ),
            ContractWrite(
                **common,
                level_code="OP",
                claim_type=ClaimType.PROFESSIONAL,
                mode=BillingMode.PER_SERVICE,
                place_of_service="57",
            ),
        ]
    medicaid = payers.get("Lakeside Medicaid (demo)")
    if medicaid is not None:
        common = {
            "payer_id": medicaid.id,
            "effective_from": since,
            "fees": MEDICAID_FEES,
            "claim_type": ClaimType.PROFESSIONAL,
            "place_of_service": "57",
        }
        found += [
            ContractWrite(
                **common,
                level_code="PHP",
                mode=BillingMode.PER_DIEM,
                per_diem_code="H0035",
                per_diem_min_minutes=240,
                modifiers=["HF"],
            ),
            ContractWrite(
                **common,
                level_code="IOP",
                mode=BillingMode.PER_DIEM,
                per_diem_code="H0015",
                per_diem_min_minutes=180,
                modifiers=["HF"],
            ),
            ContractWrite(
                **common,
                level_code="OP",
                mode=BillingMode.PER_SERVICE,
                codes={ServiceKind.INDIVIDUAL: "H0004", ServiceKind.GROUP: "H0005"},
                rounding=Rounding.MIDPOINT,
                modifiers=["HF"],
            ),
        ]
    medicare = payers.get("Medicare (demo)")
    if medicare is not None:
        for level, condition in (("IOP", "92"), ("PHP", "41")):
            found.append(
                ContractWrite(
                    payer_id=medicare.id,
                    effective_from=since,
                    level_code=level,
                    claim_type=ClaimType.INSTITUTIONAL,
                    mode=BillingMode.PER_SERVICE,
                    type_of_bill="76",
                    condition_codes=[condition],
                    revenue_code="0900",
                    revenue_codes=MEDICARE_REVENUE,
                    codes={ServiceKind.GROUP: "G0410"},
                    fees=MEDICARE_FEES,
                    medicare=True,
                    requires_authorization=False,
                )
            )
    return found


# --- The synthetic payer's answer ---------------------------------------------------------

ALLOWED_PERCENT: Final = 80  # the synthetic payer allows 80 % of the charge
COPAY_CENTS: Final = 1000  # and puts a $10 copay on the client's first line (commercial)
DENIAL: Final = ("CO", "197")  # precertification/authorization absent
DENIAL_REMARK: Final = "N130"


def remittance_for(session: Session, batch: ClaimBatch, *, paid_on: date, deny_first: bool) -> str:
    """An 835 a payer could send for ``batch``: every claim processed, paid at 80 % with
    the rest a contractual adjustment (CO 45), a commercial copay as the client's share
    (PR 3), and the first claim denied when ``deny_first`` (CO 197, remark N130)."""
    setup_row = session.scalar(select(PayerBilling).where(PayerBilling.payer_id == batch.payer_id))
    payer = session.get(Payer, batch.payer_id)
    assert setup_row is not None
    assert payer is not None
    profile = setup.profile(session)
    assert profile is not None
    claim_rows = list(
        session.scalars(
            select(Claim).where(Claim.batch_id == batch.id).order_by(Claim.claim_number)
        )
    )
    paid_claims = []
    for index, claim in enumerate(claim_rows):
        lines = list(
            session.scalars(
                select(ClaimLine)
                .where(ClaimLine.claim_id == claim.id)
                .order_by(ClaimLine.line_number)
            )
        )
        denied = deny_first and index == 0
        copay = COPAY_CENTS if setup_row.filing_indicator == "CI" and not denied else 0
        client = session.get(Client, claim.client_id)
        coverage = session.get(Coverage, claim.coverage_id)
        assert client is not None
        assert coverage is not None
        paid_claims.append(
            _claim_payment(
                claim,
                lines,
                setup_row,
                batch.claim_type,
                denied=denied,
                copay=copay,
                payer_number=f"PCN{batch.interchange_control:06d}{index:03d}",
                member=(
                    x12_text(f"{client.legal_last_name}, {client.legal_first_name}"),
                    coverage.member_id,
                ),
            )
        )
    total = sum(c.paid_cents for c in paid_claims)
    remittance = x12_835.Remittance(
        payer_name=payer.name,
        payer_id=setup_row.electronic_id,
        payee_name=profile.organization_name,
        payee_npi=profile.npi,
        trace_number=f"{setup_row.electronic_id}{batch.interchange_control:09d}",
        paid_cents=total,
        method=x12_835.CHECK if total else x12_835.NO_PAYMENT,
        paid_on=paid_on,
        production_date=paid_on,
        claims=tuple(paid_claims),
        provider_adjustments=(),
        trace_originator=f"9{setup_row.electronic_id:0<9}"[:10].upper(),
        payer_address=Address(line1="1 Example Plaza", city="Springfield", state="IL", zip="62701"),
        payer_contact=x12_835.Contact("Claims help desk (demo)", "TE", "5555550199"),
    )
    return x12_835.write(
        remittance,
        sender=Party("ZZ", setup_row.electronic_id),
        receiver=Party(profile.sender_qualifier, profile.submitter_id),
        interchange_control=batch.interchange_control,
        created_at=datetime.combine(paid_on, datetime.min.time()),
    )


def _claim_payment(
    claim: Claim,
    lines: list[ClaimLine],
    setup_row: PayerBilling,
    claim_type: ClaimType,
    *,
    denied: bool,
    copay: int,
    payer_number: str,
    member: tuple[str, str],
) -> x12_835.ClaimPayment:
    paid_lines = []
    for number, line in enumerate(lines):
        adjustments: list[x12_835.Adjustment] = []
        remarks: tuple[str, ...] = ()
        if denied:
            paid = 0
            adjustments.append(x12_835.Adjustment(DENIAL[0], DENIAL[1], line.charge_cents))
            remarks = (DENIAL_REMARK,)
        else:
            allowed = line.charge_cents * ALLOWED_PERCENT // 100
            share = min(copay, allowed) if number == 0 else 0
            paid = allowed - share
            if line.charge_cents - allowed:
                adjustments.append(x12_835.Adjustment("CO", "45", line.charge_cents - allowed))
            if share:
                adjustments.append(x12_835.Adjustment("PR", "3", share))
        paid_lines.append(
            x12_835.LinePayment(
                control=line.control,
                code=line.code,
                modifiers=tuple(line.modifiers),
                charge_cents=line.charge_cents,
                paid_cents=paid,
                units=line.units,
                service_date=line.service_date,
                adjustments=tuple(adjustments),
                remarks=remarks,
                revenue_code=line.revenue_code if claim_type is ClaimType.INSTITUTIONAL else "",
            )
        )
    patient = sum(a.cents for ln in paid_lines for a in ln.adjustments if a.group == "PR")
    return x12_835.ClaimPayment(
        claim_id=claim.claim_number,
        status="4" if denied else "1",
        charge_cents=claim.charge_cents,
        paid_cents=sum(ln.paid_cents for ln in paid_lines),
        patient_responsibility_cents=patient,
        payer_claim_number=payer_number,
        frequency=claim.frequency.value,
        adjustments=(),
        lines=tuple(paid_lines),
        remarks=(),
        patient_name=member[0],
        member_id=member[1],
        filing_indicator=_CLP06.get(setup_row.filing_indicator, "ZZ"),
    )
