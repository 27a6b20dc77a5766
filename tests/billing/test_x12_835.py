"""The remittance advice (835, 005010X221A1): golden files read to exact values in cents,
what does not balance or is not an 835 refused with its segment named, the files we write
fixed byte for byte and accepted by pyx12's validator, and any remittance we write read
back as the same value.

Golden files in tests/billing/golden:
- paid_and_denied.835, reversal_and_plb.835: written by ``write`` from PAID_AND_DENIED and
  REVERSAL_AND_PLB below (``STEPDOWN_REGOLD=1`` rewrites them).
- payer_style.835: written by hand in the shape payers send (CRLF line ends, amounts with
  trailing zeros, loops and segments ``write`` never writes).
- public_x12sdk_readme.835: the example of x12sdk 2.2.0's README (installed in the venv,
  x12sdk-2.2.0.dist-info/METADATA, Apache-2.0), i.e. the exact output of
  ``x12sdk.generate.generate_835(seed=7, claims=2, payer_name="EXAMPLE HEALTH PLAN",
  payee_name="EXAMPLE MEDICAL GROUP")``. No installed package ships an 835 test file.
- public_linuxforhealth_*.835: LinuxForHealth/x12 (Apache-2.0, synthetic; the TR3's own
  examples), src/tests/resources/835_005010X221A1/managed-care.835, medicare-part-a.835
  and secondary-payment.835 (https://github.com/LinuxForHealth/x12), copied verbatim.
"""

from __future__ import annotations

import dataclasses
import os
import string
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepdown.billing.adjustment_codes import (
    CARC,
    CLAIM_STATUSES,
    GROUPS_5010,
    RARC,
    is_denial_reason,
    label,
    status_label,
)
from stepdown.billing.claim_data import Address
from stepdown.billing.x12_835 import (
    FILING_INDICATORS,
    Adjustment,
    BankAccount,
    ClaimPayment,
    Contact,
    LinePayment,
    ProviderAdjustment,
    Remittance,
    RemittanceError,
    RemittanceWriteError,
    read,
    write,
)
from stepdown.kit.x12 import Delimiters, Party, X12Error, parse
from tests.billing.pyx12_check import errors

GOLDEN = Path(__file__).parent / "golden"
PAYER, US = Party("ZZ", "LAKESHOREHP"), Party("ZZ", "STEPDOWN")
CREATED = datetime(2026, 3, 2, 6, 15, tzinfo=ZoneInfo("America/Chicago"))
NPI = "1234567893"  # CMS's check-digit example
PAYER_ADDRESS = Address("PO BOX 4200", "CHICAGO", "IL", "606804200")
EDI_DESK = Contact("EDI SUPPORT", "TE", "8005550142")
FISCAL_YEAR_END = date(2026, 12, 31)


def _line(
    control: str,
    code: str,
    charge: int,
    adjustments: tuple[Adjustment, ...],
    day: date,
    *,
    units: int | None = 1,
    remarks: tuple[str, ...] = (),
    modifiers: tuple[str, ...] = ("HF",),
) -> LinePayment:
    """A balanced line: it pays its charge less its adjustments."""
    paid = charge - sum(a.cents for a in adjustments)
    return LinePayment(control, code, modifiers, charge, paid, units, day, adjustments, remarks)


PAID_CLAIM = ClaimPayment(
    claim_id="SD-2026-0101",
    status="1",
    charge_cents=67000,
    paid_cents=47900,
    patient_responsibility_cents=6100,
    payer_claim_number="LK2026022700417",
    frequency="1",
    adjustments=(),
    lines=(
        _line(
            "SD-2026-0101-1",
            "H0015",
            45000,
            (Adjustment("CO", "45", 9000), Adjustment("PR", "3", 2500)),
            date(2026, 2, 2),
        ),
        _line(
            "SD-2026-0101-2",
            "90837",
            22000,
            (Adjustment("CO", "45", 4000), Adjustment("PR", "2", 3600)),
            date(2026, 2, 4),
            modifiers=(),
        ),
    ),
    remarks=(),
    patient_name="RIVERA, MARISOL",
    member_id="LKS88412077",
    filing_indicator="12",
)
DENIED_CLAIM = ClaimPayment(
    claim_id="SD-2026-0102",
    status="4",
    charge_cents=45000,
    paid_cents=0,
    patient_responsibility_cents=0,
    payer_claim_number="LK2026022700418",
    frequency="1",
    adjustments=(),
    lines=(
        _line(
            "SD-2026-0102-1",
            "H0015",
            45000,
            (Adjustment("CO", "197", 45000),),
            date(2026, 2, 3),
            remarks=("M62",),
        ),
    ),
    remarks=("N130",),
    patient_name="CHEN, DAVID A",
    member_id="LKS88419310",
    filing_indicator="12",
)
PAID_AND_DENIED = Remittance(
    payer_name="LAKESHORE HEALTH PLAN",
    payer_id="LKSHR01",
    payee_name="STEPDOWN RECOVERY CENTER",
    payee_npi=NPI,
    trace_number="0007731944",
    paid_cents=47900,
    method="CHK",
    paid_on=date(2026, 3, 2),
    production_date=date(2026, 2, 27),
    claims=(PAID_CLAIM, DENIED_CLAIM),
    provider_adjustments=(),
    trace_originator="1364109876",
    payer_address=PAYER_ADDRESS,
    payer_contact=EDI_DESK,
)

REVERSED_CLAIM = ClaimPayment(
    claim_id="SD-2026-0077",
    status="22",
    charge_cents=-22000,
    paid_cents=-17600,
    patient_responsibility_cents=0,
    payer_claim_number="LK2026011500091",
    frequency="1",
    adjustments=(),
    lines=(
        _line(
            "SD-2026-0077-1",
            "90837",
            -22000,
            (Adjustment("CO", "45", -4400),),
            date(2026, 1, 8),
            units=-1,
            modifiers=(),
        ),
    ),
    remarks=(),
    patient_name="OKAFOR, JAMES",
    member_id="LKS88400315",
    filing_indicator="12",
)
CORRECTED_CLAIM = dataclasses.replace(
    REVERSED_CLAIM,
    status="1",
    charge_cents=22000,
    paid_cents=12600,
    patient_responsibility_cents=5000,
    payer_claim_number="LK2026030100022",
    frequency="7",
    lines=(
        _line(
            "SD-2026-0077-1",
            "90837",
            22000,
            (Adjustment("CO", "45", 4400), Adjustment("PR", "1", 5000)),
            date(2026, 1, 8),
            modifiers=(),
        ),
    ),
)
NEW_CLAIM = dataclasses.replace(
    PAID_CLAIM,
    claim_id="SD-2026-0120",
    charge_cents=45000,
    paid_cents=36000,
    patient_responsibility_cents=0,
    payer_claim_number="LK2026030100023",
    lines=(
        _line("SD-2026-0120-1", "H0015", 45000, (Adjustment("CO", "45", 9000),), date(2026, 2, 16)),
    ),
)
REVERSAL_AND_PLB = Remittance(
    payer_name="LAKESHORE HEALTH PLAN",
    payer_id="LKSHR01",
    payee_name="STEPDOWN RECOVERY CENTER",
    payee_npi=NPI,
    trace_number="EFT0302118877",
    paid_cents=28637,
    method="ACH",
    paid_on=date(2026, 3, 3),
    production_date=None,
    claims=(REVERSED_CLAIM, CORRECTED_CLAIM, NEW_CLAIM),
    provider_adjustments=(
        ProviderAdjustment(NPI, FISCAL_YEAR_END, "WO", 2500, "LK2025121900311"),
        ProviderAdjustment(NPI, FISCAL_YEAR_END, "L6", -137),
    ),
    trace_originator="1364109876",
    payer_address=PAYER_ADDRESS,
    payer_contact=EDI_DESK,
    payer_bank=BankAccount("071000013", "5550001234"),
    payee_bank=BankAccount("021000021", "4440009876"),
)
WRITTEN = {"paid_and_denied.835": PAID_AND_DENIED, "reversal_and_plb.835": REVERSAL_AND_PLB}


def _write(remittance: Remittance, control: int = 1001) -> str:
    return write(
        remittance, sender=PAYER, receiver=US, interchange_control=control, created_at=CREATED
    )


def golden(name: str) -> str:
    return (GOLDEN / name).read_bytes().decode("ascii")


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def _position(text: str, start: str) -> int:
    """The 1-based place in the interchange of the one segment that starts with ``start``."""
    element = text[3]
    found = [
        position
        for position, segment in enumerate(parse(text), start=1)
        if element.join((segment.id, *segment.elements)).startswith(start)
    ]
    assert len(found) == 1, f"{start!r}: {found}"
    return found[0]


# --- golden files we write -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_the_written_file_is_byte_for_byte_the_golden_file(name: str) -> None:
    text = _write(WRITTEN[name])
    if os.environ.get("STEPDOWN_REGOLD") == "1":
        (GOLDEN / name).write_bytes(text.encode("ascii"))
    assert text == golden(name)
    assert _write(WRITTEN[name]) == text  # nothing in it depends on the moment or the run


@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_the_written_file_passes_the_validator_and_reads_back(name: str) -> None:
    text = golden(name)
    assert errors(text) == []
    assert read(text) == [WRITTEN[name]]


def test_the_written_835_carries_no_st03_and_amounts_without_trailing_zeros() -> None:
    """005010X221A1 marks ST03 not used; X12 decimals drop trailing zeros."""
    segments = {s.id: s for s in parse(golden("paid_and_denied.835"))}
    assert segments["ST"].elements == ("835", "0001")
    assert segments["GS"].get(8) == "005010X221A1"
    assert segments["BPR"].elements[:4] == ("I", "479", "C", "CHK")
    text = golden("reversal_and_plb.835")
    assert "\nCLP*SD-2026-0077*22*-220*-176**12*LK2026011500091**1~" in text
    assert "\nPLB*1234567893*20261231*WO:LK2025121900311*25*L6*-1.37~" in text
    assert "\nBPR*I*286.37*C*ACH*CCP*01*071000013*DA*5550001234*1364109876**01*021000021*" in text


# --- reading -------------------------------------------------------------------------------


class TestPaidAndDenied:
    def test_amounts_are_exact_cents(self) -> None:
        [remittance] = read(golden("paid_and_denied.835"))
        paid, denied = remittance.claims
        assert (remittance.paid_cents, remittance.method) == (47900, "CHK")
        assert (remittance.paid_on, remittance.production_date) == (
            date(2026, 3, 2),
            date(2026, 2, 27),
        )
        assert (paid.charge_cents, paid.paid_cents, paid.patient_responsibility_cents) == (
            67000,
            47900,
            6100,
        )
        first, second = paid.lines
        assert (first.control, first.code, first.modifiers) == ("SD-2026-0101-1", "H0015", ("HF",))
        assert (first.charge_cents, first.paid_cents, first.units) == (45000, 33500, 1)
        assert first.adjustments == (Adjustment("CO", "45", 9000), Adjustment("PR", "3", 2500))
        assert second.adjustments == (Adjustment("CO", "45", 4000), Adjustment("PR", "2", 3600))
        assert (denied.status, denied.paid_cents) == ("4", 0)
        assert denied.lines[0].adjustments == (Adjustment("CO", "197", 45000),)
        assert (denied.lines[0].remarks, denied.remarks) == (("M62",), ("N130",))

    def test_only_the_denied_claim_is_denied(self) -> None:
        paid, denied = read(golden("paid_and_denied.835"))[0].claims
        assert (paid.denied, denied.denied) == (False, True)
        assert not paid.reversal
        assert not denied.reversal


class TestReversalAndProviderAdjustments:
    def test_the_reversal_negates_the_original_and_the_plb_balances_the_payment(self) -> None:
        [remittance] = read(golden("reversal_and_plb.835"))
        reversed_, corrected, new = remittance.claims
        assert reversed_.reversal
        assert not reversed_.denied
        assert (reversed_.charge_cents, reversed_.paid_cents) == (-22000, -17600)
        assert reversed_.lines[0].adjustments == (Adjustment("CO", "45", -4400),)
        assert reversed_.lines[0].units == -1
        assert (corrected.status, corrected.frequency, corrected.paid_cents) == ("1", "7", 12600)
        assert remittance.provider_adjustments == (
            ProviderAdjustment(NPI, FISCAL_YEAR_END, "WO", 2500, "LK2025121900311"),
            ProviderAdjustment(NPI, FISCAL_YEAR_END, "L6", -137, ""),
        )
        claims = reversed_.paid_cents + corrected.paid_cents + new.paid_cents
        assert claims - (2500 - 137) == remittance.paid_cents == 28637
        assert remittance.payer_bank == BankAccount("071000013", "5550001234", "01", "DA")


def test_a_payer_style_file_reads_what_matters_and_skips_the_rest() -> None:
    """CRLF line ends, trailing zeros, claim-level beside line-level adjustments, a CAS of
    several reasons with quantities, DTM*150/151 periods, SVC04, MOA codes, and loops
    and segments we do not keep (REF*EV, PER*CX/IC, payee N3/N4/REF, NM1*IL/82, REF*1L,
    DTM*232/233, AMT, a second LX)."""
    text = golden("payer_style.835")
    assert "\r\n" in text
    assert errors(text) == []
    [remittance] = read(text)
    first, denied = remittance.claims
    assert first == ClaimPayment(
        claim_id="SD-2026-0140",
        status="1",
        charge_cents=108000,
        paid_cents=70530,
        patient_responsibility_cents=18500,
        payer_claim_number="LK2026030400210",
        frequency="1",
        adjustments=(Adjustment("PR", "1", 10000),),
        lines=(
            LinePayment(
                control="SD-2026-0140-1",
                code="H0015",
                modifiers=("HF",),
                charge_cents=45000,
                paid_cents=31000,
                units=1,
                service_date=date(2026, 2, 9),  # DTM*150, the period's first day
                adjustments=(
                    Adjustment("CO", "45", 9000, 1),
                    Adjustment("CO", "253", 500),
                    Adjustment("PR", "3", 4500),
                ),
                remarks=("N20",),
            ),
            LinePayment(
                control="SD-2026-0140-2",
                code="H2036",
                modifiers=(),
                charge_cents=63000,
                paid_cents=49530,
                units=3,
                service_date=date(2026, 2, 12),
                adjustments=(Adjustment("CO", "45", 9470, 3), Adjustment("PR", "2", 4000)),
                remarks=("M80", "N381"),
                revenue_code="0906",
            ),
        ),
        remarks=("N130", "MA01"),
        patient_name="NGUYEN, THANH V",
        member_id="LKS88433001",
        filing_indicator="12",
    )
    assert not first.denied
    assert denied.denied
    assert denied.lines == ()
    assert denied.adjustments == (Adjustment("CO", "50", 45000),)
    assert dataclasses.replace(remittance, claims=()) == Remittance(
        payer_name="LAKESHORE HEALTH PLAN",
        payer_id="LKSHR01",
        payee_name="STEPDOWN RECOVERY CENTER",
        payee_npi=NPI,
        trace_number="EFT0306449120",
        paid_cents=68395,
        method="ACH",
        paid_on=date(2026, 3, 6),
        production_date=date(2026, 3, 5),
        claims=(),
        provider_adjustments=(
            ProviderAdjustment(NPI, FISCAL_YEAR_END, "L6", -365),
            ProviderAdjustment(NPI, FISCAL_YEAR_END, "WO", 2500, "LK2025121900311"),
        ),
        trace_originator="1364109876",
        payer_address=Address("PO BOX 4200", "CHICAGO", "IL", "606804200", "ATTN CLAIMS"),
        payer_contact=EDI_DESK,
        payer_bank=BankAccount("071000013", "5550001234"),
        payee_bank=BankAccount("021000021", "4440009876"),
    )


class TestPublicSamples:
    def test_x12sdk_readme_example(self) -> None:
        """It leaves out BPR16 and PER*BL, which the guide requires (pyx12 says so too):
        the payment date and the contact read as None, everything else exactly."""
        text = golden("public_x12sdk_readme.835")
        assert errors(text)
        [remittance] = read(text)
        assert (remittance.paid_on, remittance.payer_contact) == (None, None)
        assert (remittance.paid_cents, remittance.method, remittance.trace_number) == (
            173453,
            "CHK",
            "0922121677",
        )
        assert (remittance.payee_name, remittance.payee_npi) == (
            "EXAMPLE MEDICAL GROUP",
            "1260181593",
        )
        first, second = remittance.claims
        assert (first.claim_id, first.charge_cents, first.paid_cents) == (
            "PCN000001",
            179781,
            125847,
        )
        assert first.lines[0].adjustments == (Adjustment("CO", "45", 53934),)
        assert first.patient_name == "ANDERSON, LINDA"
        assert [line.code for line in second.lines] == ["99203", "99214", "85025"]
        assert second.lines[0].adjustments == (Adjustment("PR", "1", 1234),)
        assert remittance.provider_adjustments == (
            ProviderAdjustment("1260181593", date(2025, 12, 31), "L6", -863),
        )
        assert not first.denied
        assert not second.denied

    def test_tr3_medicare_part_a_example(self) -> None:
        """Claims without service lines, TS3/TS2 summaries, MIA and MOA, a PLB that
        balances the payment to the cent, and BPR01 C with CTX."""
        [remittance] = read(golden("public_linuxforhealth_medicare_part_a.835"))
        assert (remittance.paid_cents, remittance.payer_id, remittance.paid_on) == (
            15000000,
            "999",
            date(2002, 9, 13),
        )
        inpatient, outpatient = remittance.claims
        assert (inpatient.charge_cents, inpatient.paid_cents, inpatient.lines) == (
            21136697,
            13801840,
            (),
        )
        assert inpatient.adjustments == (Adjustment("CO", "45", 7334857),)
        assert (inpatient.patient_name, inpatient.member_id) == ("JONES, SAM O", "666666666A")
        assert (inpatient.filing_indicator, inpatient.frequency) == ("MA", "1")
        assert outpatient.remarks == ("MA02",)
        assert remittance.provider_adjustments == (
            ProviderAdjustment("6543210903", date(2002, 12, 31), "CV", -127, "CP"),
        )

    def test_tr3_managed_care_example_is_refused_for_its_impossible_date(self) -> None:
        """BPR16 reads 20002316 (month 23). Corrected, it reads, with claim-level
        adjustments (CO A2) beside the lines' (X12 RFI 452)."""
        text = golden("public_linuxforhealth_managed_care.835")
        with pytest.raises(RemittanceError) as caught:
            read(text)
        assert (caught.value.position, caught.value.segment) == (4, "BPR")
        assert "BPR16 '20002316' is not a CCYYMMDD date" in str(caught.value)
        [remittance] = read(_edit(text, "*20002316~", "*20020316~"))
        first, second = remittance.claims
        assert first.adjustments == (Adjustment("CO", "A2", 5000),)
        assert (first.lines[0].paid_cents, first.paid_cents) == (50000, 45000)
        assert first.lines[0].service_date == date(2002, 3, 1)
        assert second.lines[0].adjustments == (
            Adjustment("PR", "1", 60000),
            Adjustment("CO", "45", 5000),
        )
        assert remittance.paid_cents == 94500

    def test_tr3_secondary_payment_example_is_refused_at_its_foreign_separator(self) -> None:
        """Its ISA16 declares ":" but its SVC01 separates with ">": the procedure code
        cannot be found, and that is said at the SVC rather than guessed."""
        text = golden("public_linuxforhealth_secondary_payment.835")
        with pytest.raises(RemittanceError) as caught:
            read(text)
        assert (caught.value.position, caught.value.segment) == (29, "SVC")
        fixed = text.replace("HC>12345>26", "HC:12345:26").replace("HC>66543>26", "HC:66543:26")
        first, second = read(fixed)[0].claims
        assert (first.status, first.adjustments) == ("2", (Adjustment("OA", "23", 941164),))
        assert not first.denied  # the primary paid most; the secondary pays the rest
        assert second.lines[1].adjustments == (
            Adjustment("PR", "1", 15000),
            Adjustment("PR", "2", 7000),
            Adjustment("CO", "42", 8500),
        )
        assert (second.lines[1].revenue_code, second.lines[1].modifiers) == ("220", ("26",))
        assert second.patient_responsibility_cents == 22000


def _redelimit(text: str, delimiters: Delimiters) -> str:
    """The interchange with other delimiters and no line breaks; the ISA keeps its width."""
    d = delimiters
    segments = (
        d.element.join(
            (
                segment.id,
                *(e.replace(":", d.component).replace("^", d.repetition) for e in segment.elements),
            )
        )
        for segment in parse(text)
    )
    return "".join(f"{segment}{d.segment}" for segment in segments)


@pytest.mark.parametrize("name", [*sorted(WRITTEN), "payer_style.835"])
def test_other_delimiters_read_the_same(name: str) -> None:
    text = _redelimit(
        golden(name), Delimiters(element="|", repetition="!", component=">", segment="'")
    )
    assert "\n" not in text
    assert text.startswith("ISA|00|")
    assert read(text) == read(golden(name))


def test_every_transaction_set_is_one_remittance() -> None:
    """Two ST/SE sets in one group (renumbered) read as two remittances, in order."""
    one, two = golden("paid_and_denied.835"), golden("reversal_and_plb.835")
    sets = [text[text.index("ST*835") : text.index("GE*")] for text in (one, two)]
    second = sets[1].replace("ST*835*0001~", "ST*835*0002~").replace("*0001~\n", "*0002~\n")
    both = one.replace(sets[0], sets[0] + second).replace("GE*1*", "GE*2*")
    assert read(both) == [PAID_AND_DENIED, REVERSAL_AND_PLB]


# --- refusals when reading -----------------------------------------------------------------


def _refused(text: str, start: str, *words: str) -> RemittanceError:
    """``read`` refuses ``text`` at the segment starting with ``start``, saying ``words``."""
    with pytest.raises(RemittanceError) as caught:
        read(text)
    error = caught.value
    assert (error.position, error.segment) == (_position(text, start), start.split("*")[0])
    assert str(error).startswith(f"segment {error.position} ({error.segment}): ")
    for word in words:
        assert word in error.problem
    return error


PAID = golden("paid_and_denied.835")


def test_a_transaction_set_that_is_not_an_835_is_refused() -> None:
    text = _edit(PAID, "ST*835*0001~", "ST*837*0001~")
    _refused(text, "ST*837", "transaction set 837 is not an 835")


def test_an_835_of_another_version_is_refused() -> None:
    text = _edit(PAID, "*X*005010X221A1~", "*X*004010X091A1~")
    _refused(text, "ST*835", "004010X091A1 is not 005010X221A1")


def test_text_that_is_no_interchange_is_an_x12_error() -> None:
    with pytest.raises(X12Error):
        read("BPR*I*1*C*CHK~")


def test_a_claim_before_any_payer_is_refused() -> None:
    start, end = PAID.index("N1*PR*"), PAID.index("N1*PE*")
    text = PAID[:start] + PAID[end:]
    text = _edit(text, "SE*32*0001~", "SE*27*0001~")
    _refused(text, "CLP*SD-2026-0101", "a CLP before the payer (N1*PR)")


def test_an_amount_that_is_not_a_number_is_refused() -> None:
    text = _edit(PAID, "CLP*SD-2026-0101*1*670*479*", "CLP*SD-2026-0101*1*670*4x9*")
    _refused(text, "CLP*SD-2026-0101", "CLP04 '4x9' is not an amount")


def test_a_fraction_of_a_cent_is_refused_not_rounded() -> None:
    text = _edit(PAID, "SVC*HC:90837*220*144", "SVC*HC:90837*220*144.001")
    _refused(text, "SVC*HC:90837", "SVC03 '144.001' is not an amount")


def test_lines_that_do_not_add_up_to_the_claim_payment_are_refused() -> None:
    """The lines pay 479.00; a CLP04 of 470.00 is reported at the CLP, not corrected."""
    text = _edit(PAID, "CLP*SD-2026-0101*1*670*479*", "CLP*SD-2026-0101*1*670*470*")
    _refused(text, "CLP*SD-2026-0101", "the lines pay 479.00", "CLP04 pays 470.00")


def test_a_service_line_that_does_not_balance_is_refused_at_its_svc() -> None:
    text = _edit(PAID, "CAS*CO*45*40~\nCAS*PR*2*36~", "CAS*CO*45*41~\nCAS*PR*2*36~")
    _refused(text, "SVC*HC:90837", "SVC02 220.00 less its adjustments 77.00 is 143.00")


def test_a_claim_whose_charge_does_not_balance_is_refused() -> None:
    text = _edit(PAID, "CLP*SD-2026-0101*1*670*", "CLP*SD-2026-0101*1*680*")
    _refused(text, "CLP*SD-2026-0101", "CLP03 680.00 less all its adjustments 191.00")


def test_a_payment_that_is_not_the_claims_less_the_provider_adjustments_is_refused() -> None:
    text = _edit(golden("reversal_and_plb.835"), "BPR*I*286.37*", "BPR*I*287.37*")
    _refused(text, "BPR*I*287.37", "BPR02 pays 287.37", "claims pay 310.00", "take 23.63")


def test_a_wrong_segment_count_is_refused_at_the_se() -> None:
    _refused(_edit(PAID, "SE*32*0001~", "SE*33*0001~"), "SE*33", "the transaction set has 32")


def test_a_transaction_without_trace_number_is_refused_at_its_st() -> None:
    text = _edit(_edit(PAID, "TRN*1*0007731944*1364109876~\n", ""), "SE*32*", "SE*31*")
    _refused(text, "ST*835", "no TRN")


def test_a_service_line_outside_a_claim_is_refused() -> None:
    text = _edit(PAID, "LX*1~\n", "LX*1~\nSVC*HC:H0015*1*1~\n")
    _refused(_edit(text, "SE*32*", "SE*33*"), "SVC*HC:H0015*1*1", "outside a claim payment")


def test_an_impossible_service_date_is_refused() -> None:
    text = _edit(PAID, "DTM*472*20260202~", "DTM*472*20260230~")
    _refused(text, "DTM*472*20260230", "DTM02 '20260230' is not a CCYYMMDD date")


def test_fractional_units_are_refused() -> None:
    text = _edit(PAID, "SVC*HC:H0015:HF*450*335**1~", "SVC*HC:H0015:HF*450*335**1.5~")
    _refused(text, "SVC*HC:H0015:HF*450*335", "SVC05 '1.5' is not a whole number")


# --- the denial definition -------------------------------------------------------------------


def _zero_paid(*adjustments: Adjustment, status: str = "1", patient: int = 0) -> ClaimPayment:
    line = LinePayment("L1", "H0015", (), 45000, 0, 1, None, adjustments, ())
    return dataclasses.replace(
        DENIED_CLAIM, status=status, lines=(line,), patient_responsibility_cents=patient
    )


@pytest.mark.parametrize(
    ("claim", "denied"),
    [
        (_zero_paid(Adjustment("CO", "50", 45000)), True),
        (_zero_paid(Adjustment("CO", "197", 45000), status="4"), True),
        (_zero_paid(Adjustment("OA", "B7", 45000)), True),  # a reason we have no label for
        (_zero_paid(Adjustment("PR", "1", 45000), patient=45000), False),  # all deductible
        (_zero_paid(Adjustment("OA", "23", 36000), Adjustment("CO", "45", 9000)), False),
        (_zero_paid(Adjustment("CO", "45", 45000)), False),  # priced at nothing, not refused
        (_zero_paid(Adjustment("CO", "109", 45000), status="23"), False),  # forwarded
        (_zero_paid(Adjustment("CO", "50", 45000), status="25"), False),  # predetermination
        (
            dataclasses.replace(
                REVERSED_CLAIM, paid_cents=0, charge_cents=0, lines=(), adjustments=()
            ),
            False,
        ),
        (PAID_CLAIM, False),
    ],
)
def test_denied_means_the_payer_refused_to_pay(claim: ClaimPayment, denied: bool) -> None:
    assert claim.denied is denied


def test_codes_have_our_labels_and_unknown_codes_show_as_themselves() -> None:
    assert label("CO") == "contractual: provider writes it off"
    assert label("197") == "no prior authorization on file"
    assert label("N130") == "see the plan's benefit rules"
    assert label("B7") == "B7"
    assert (status_label("22"), status_label("99")) == ("earlier payment taken back", "99")
    assert is_denial_reason("CO", "50")
    assert is_denial_reason("PI", "B7")
    assert not is_denial_reason("PR", "3")
    assert not is_denial_reason("CO", "45")
    assert not is_denial_reason("CR", "50")  # 4010's correction group refuses nothing


# --- refusals when writing -----------------------------------------------------------------


def _field_refused(make: Callable[[], Any], field: str) -> None:
    with pytest.raises(RemittanceWriteError) as caught:
        make()
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def _with(**changes: Any) -> Callable[[], str]:
    return lambda: _write(dataclasses.replace(PAID_AND_DENIED, **changes))


def _with_claim(**changes: Any) -> Callable[[], str]:
    return _with(claims=(dataclasses.replace(PAID_CLAIM, **changes), DENIED_CLAIM))


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (_with(paid_cents=48000), "paid_cents"),
        (_with_claim(paid_cents=48000), "claims[0]"),
        (
            _with_claim(lines=(dataclasses.replace(PAID_CLAIM.lines[0], paid_cents=1),)),
            "claims[0].lines[0]",
        ),
        (_with(paid_on=None), "paid_on"),
        (_with(method="NON"), "method"),
        (_with(method="ACH"), "payer_bank"),
        (_with(payer_bank=BankAccount("071000013", "1")), "payer_bank"),
        (_with(payee_npi="1234567890"), "payee_npi"),
        (_with(payer_contact=None), "payer_contact"),
        (_with(payer_address=None), "payer_address"),
        (_with(trace_originator="STEPDOWN01"), "trace_originator"),
        (_with(trace_number="CHK*1"), "trace_number"),
        (_with(payer_name="X" * 61), "payer_name"),
        (_with(paid_on=date(1899, 12, 31)), "paid_on"),
        (_with_claim(status="9"), "claims[0].status"),
        (_with_claim(filing_indicator="CI"), "claims[0].filing_indicator"),
        (_with_claim(claim_id=""), "claims[0].claim_id"),
        (_with_claim(payer_claim_number=""), "claims[0].payer_claim_number"),
        (_with_claim(remarks=("N130", "N20", "M15", "M80", "M86", "N381")), "claims[0].remarks"),
        (_with_claim(patient_name="RIVERA, MARISOL "), "claims[0].patient_name"),
        (_with_claim(member_id="X"), "claims[0].member_id"),
        (
            _with_claim(adjustments=(Adjustment("CR", "45", 0),)),
            "claims[0].adjustments.group",
        ),
        (
            _with(provider_adjustments=(ProviderAdjustment(NPI, FISCAL_YEAR_END, "XX", 0),)),
            "provider_adjustments.reason",
        ),
    ],
)
def test_a_remittance_the_guide_does_not_allow_is_refused_naming_the_field(
    make: Callable[[], Any], field: str
) -> None:
    _field_refused(make, field)


def test_a_negative_payment_is_refused_and_a_forwarded_balance_makes_it_zero() -> None:
    """BPR02 is never negative: the payer carries the balance forward with PLB FB (X12 RFI
    222), and a payment of nothing is BPR01 H with BPR04 NON (X12 RFI 352)."""
    only_reversal = dataclasses.replace(
        REVERSAL_AND_PLB,
        claims=(REVERSED_CLAIM,),
        provider_adjustments=(),
        paid_cents=-17600,
    )
    _field_refused(lambda: _write(only_reversal), "paid_cents")
    forwarded = dataclasses.replace(
        only_reversal,
        paid_cents=0,
        method="NON",
        payer_bank=None,
        payee_bank=None,
        provider_adjustments=(
            ProviderAdjustment(NPI, FISCAL_YEAR_END, "FB", -17600, "EFT0302118877"),
        ),
    )
    text = _write(forwarded)
    assert "\nBPR*H*0*C*NON************20260303~" in text
    assert errors(text) == []
    assert read(text) == [forwarded]


# --- any remittance ------------------------------------------------------------------------

ID_CHARACTERS = string.ascii_uppercase + string.digits + "-"
WORDS = st.text(string.ascii_uppercase + "'-", min_size=1, max_size=8)
CARCS = st.sampled_from(sorted(CARC))
RARCS = st.sampled_from(sorted(RARC))
DAYS = st.dates(date(2020, 1, 1), date(2030, 12, 31))
AMOUNTS = st.integers(-(10**8), 10**8)


def _ids(shortest: int, longest: int) -> st.SearchStrategy[str]:
    return st.text(ID_CHARACTERS, min_size=shortest, max_size=longest)


def _words(most: int) -> st.SearchStrategy[str]:
    return st.lists(WORDS, min_size=1, max_size=most).map(" ".join)


def _adjustments(most: int) -> st.SearchStrategy[tuple[Adjustment, ...]]:
    adjustment = st.builds(
        Adjustment,
        group=st.sampled_from(sorted(GROUPS_5010)),
        reason=CARCS,
        cents=AMOUNTS,
        quantity=st.none() | st.integers(-99, 999),
    )
    return st.lists(adjustment, max_size=most).map(tuple)


@st.composite
def _lines(draw: st.DrawFn) -> LinePayment:
    adjustments = draw(_adjustments(8))
    charge = draw(AMOUNTS)
    return LinePayment(
        control=draw(_ids(0, 50)),
        code=draw(st.from_regex(r"[A-Z0-9]{5}", fullmatch=True)),
        modifiers=tuple(draw(st.lists(st.from_regex(r"[A-Z0-9]{2}", fullmatch=True), max_size=4))),
        charge_cents=charge,
        paid_cents=charge - sum(a.cents for a in adjustments),
        units=draw(st.none() | st.integers(-99, 999)),
        service_date=draw(st.none() | DAYS),
        adjustments=adjustments,
        remarks=tuple(draw(st.lists(RARCS, max_size=3))),
        qualifier=draw(st.sampled_from(["HC", "NU"])),
        revenue_code=draw(st.sampled_from(["", "0906", "0914"])),
    )


@st.composite
def _claims(draw: st.DrawFn) -> ClaimPayment:
    lines = tuple(draw(st.lists(_lines(), max_size=3)))
    adjustments = draw(_adjustments(3))
    charge = sum(line.charge_cents for line in lines) if lines else draw(AMOUNTS)
    paid = (sum(line.paid_cents for line in lines) if lines else charge) - sum(
        a.cents for a in adjustments
    )
    given = draw(st.none() | _words(2))
    return ClaimPayment(
        claim_id=draw(_ids(1, 38)),
        status=draw(st.sampled_from(sorted(CLAIM_STATUSES))),
        charge_cents=charge,
        paid_cents=paid,
        patient_responsibility_cents=draw(AMOUNTS),
        payer_claim_number=draw(_ids(1, 50)),
        frequency=draw(st.sampled_from(["", "1", "7", "8"])),
        adjustments=adjustments,
        lines=lines,
        remarks=tuple(draw(st.lists(RARCS, max_size=5))),
        patient_name=draw(_words(3)) + ("" if given is None else f", {given}"),
        member_id=draw(st.just("") | _ids(2, 20)),
        filing_indicator=draw(st.sampled_from(sorted(FILING_INDICATORS))),
    )


@st.composite
def remittances(draw: st.DrawFn, *, one_plb: bool = False) -> Remittance:
    """Any balanced remittance; with ``one_plb``, its provider adjustments fit one PLB
    segment (one provider and period, at most six), which is all pyx12 accepts."""
    claims = tuple(draw(st.lists(_claims(), max_size=3)))
    provider = st.builds(
        ProviderAdjustment,
        provider_id=st.just(NPI) if one_plb else st.sampled_from([NPI, "1245319599"]),
        fiscal_period=st.just(FISCAL_YEAR_END)
        if one_plb
        else st.sampled_from([FISCAL_YEAR_END, date(2027, 6, 30)]),
        reason=st.sampled_from(["WO", "L6", "FB", "72", "CS"]),
        cents=AMOUNTS,
        reference=st.just("") | _ids(1, 20),
    )
    adjustments = draw(st.lists(provider, max_size=5 if one_plb else 8))
    total = sum(c.paid_cents for c in claims) - sum(a.cents for a in adjustments)
    if total < 0:  # a negative balance goes forward (PLB FB), leaving nothing to pay
        adjustments.append(ProviderAdjustment(NPI, FISCAL_YEAR_END, "FB", total, "FORWARD"))
        total = 0
    method = "NON" if total == 0 else draw(st.sampled_from(["CHK", "ACH"]))
    bank = st.builds(BankAccount, dfi_id=_ids(9, 9), account=_ids(1, 17))
    return Remittance(
        payer_name=draw(_words(4)),
        payer_id=draw(st.just("") | _ids(1, 20)),
        payee_name=draw(_words(4)),
        payee_npi=NPI,
        trace_number=draw(_ids(1, 50)),
        paid_cents=total,
        method=method,
        paid_on=draw(DAYS),
        production_date=draw(st.none() | DAYS),
        claims=claims,
        provider_adjustments=tuple(adjustments),
        trace_originator=draw(st.from_regex(r"1[0-9]{9}", fullmatch=True)),
        payer_address=PAYER_ADDRESS,
        payer_contact=EDI_DESK,
        payer_bank=draw(bank) if method == "ACH" else None,
        payee_bank=draw(bank) if method == "ACH" else None,
    )


@settings(max_examples=100, deadline=None)
@given(remittances())
def test_any_remittance_reads_back_as_written(remittance: Remittance) -> None:
    assert read(_write(remittance)) == [remittance]


@settings(max_examples=12, deadline=None)
@given(remittances(one_plb=True))
def test_any_remittance_we_write_passes_the_validator(remittance: Remittance) -> None:
    assert errors(_write(remittance)) == []


def test_pyx12_refuses_a_second_plb_segment_that_the_guide_allows() -> None:
    """The 835 table lets PLB repeat (one segment per provider and fiscal period, six
    adjustments each); pyx12's map puts PLB in a footer loop that may occur once and
    counts a second PLB as a second loop. ``write`` follows the guide and reads back."""
    remittance = dataclasses.replace(
        REVERSAL_AND_PLB,
        provider_adjustments=(
            ProviderAdjustment(NPI, FISCAL_YEAR_END, "WO", 2500, "LK2025121900311"),
            ProviderAdjustment(NPI, date(2027, 6, 30), "L6", -137),
        ),
    )
    text = _write(remittance)
    assert text.count("\nPLB*") == 2
    assert errors(text)
    assert read(text) == [remittance]
