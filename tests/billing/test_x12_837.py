"""The 837 claim files: the documents we send are fixed byte for byte by golden files,
pyx12 (an independent reader of 005010X222A1 and X223A1/A2) finds no error in them and
does find the errors planted in the negative fixtures, and ``check`` refuses each broken
business rule with the claim, the line and the field named.

All people, numbers and addresses are made up. The NPIs are check-digit valid examples.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from stepdown.billing.claim_data import (
    Address,
    Batch,
    BillingProvider,
    Claim,
    ClaimType,
    Frequency,
    Interchange,
    Payer,
    Person,
    Provider,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
)
from stepdown.billing.x12_837 import ClaimError, amount, check, render
from stepdown.kit.identifiers import npi_is_valid
from stepdown.kit.x12 import parse
from tests.billing import pyx12_check

GOLDEN = Path(__file__).parent / "golden"
REGOLD = os.environ.get("STEPDOWN_REGOLD") == "1"

BILLING_NPI = "1234567893"  # CMS's check-digit example
RENDERING_NPI = "1245319599"
ATTENDING_NPI = "1679576722"
COUNSELOR_NPI = "1003000126"
MONDAY = date(2026, 11, 30)


def _day(offset: int) -> date:
    return date.fromordinal(MONDAY.toordinal() + offset)


def _interchange(control: int) -> Interchange:
    return Interchange(
        sender_qualifier="ZZ",
        sender_id="STEPDOWNTEST",
        receiver_qualifier="ZZ",
        receiver_id="CLEARINGTEST",
        interchange_control=control,
        group_control=control,
        created_at=datetime(2026, 12, 7, 9, 30, tzinfo=ZoneInfo("America/Chicago")),
    )


SUBMITTER = Submitter(
    name="Stepdown Test Recovery Center",
    id="STEPDOWNTEST",
    contact_name="Billing Desk",
    contact_phone="5555550100",
)
RECEIVER = Receiver(name="Example Clearinghouse", id="CLEARINGTEST")
BILLING = BillingProvider(
    name="Stepdown Test Recovery Center",
    npi=BILLING_NPI,
    tax_id="000000001",
    taxonomy="261QR0405X",
    address=Address("100 Example Way", "Springfield", "IL", "627010001", line2="Suite 2"),
)
HOME = Address("12 Sample Street", "Springfield", "IL", "62704")
PAYER = Payer("Example Health Plan", "EXHP1")
MEDICARE = Payer("Example Medicare Contractor", "EXMAC")

ADULT = Subscriber(
    person=Person("Sample", "Avery", date(1988, 4, 2), "F", HOME),
    member_id="EXH100001",
    group_number="GRP-7",
    payer_responsibility="P",
    filing_indicator="CI",
)
PARENT = Person("Testcase", "Morgan", date(1975, 9, 19), "M", HOME)
CHILD = Person("Testcase", "Renée", date(2009, 1, 23), "U", HOME)  # sent as "Renee"
DEPENDENT = Subscriber(
    person=PARENT,
    member_id="EXH100002",
    group_number="GRP-7",
    payer_responsibility="P",
    filing_indicator="CI",
    relationship="19",
    patient=CHILD,
)
BENEFICIARY = Subscriber(
    person=Person("Placeholder", "Jordan", date(1956, 6, 30), "M", HOME),
    member_id="1EG4TE5MK73",
    group_number="",
    payer_responsibility="P",
    filing_indicator="MB",
)
SPOUSE = Subscriber(
    person=PARENT,
    member_id="EXH100003",
    group_number="GRP-9",
    payer_responsibility="S",
    filing_indicator="CI",
    relationship="01",
    patient=Person("Testcase", "Casey", date(1979, 11, 5), "F", HOME),
)
RENDERING = Provider("Example", "Dana", RENDERING_NPI, "101YA0400X")
ATTENDING = Provider("Example", "Quinn", ATTENDING_NPI, "2084P0800X")


def _iop_line(control: str, day: int) -> ServiceLine:
    return ServiceLine(control, _day(day), "H0015", 1, 25000, modifiers=("HF",))


IOP_CLAIM = Claim(
    claim_id="SD-P-0001",
    subscriber=ADULT,
    payer=PAYER,
    diagnoses=("F1020", "F329"),
    lines=(_iop_line("L-0001-1", 0), _iop_line("L-0001-2", 2), _iop_line("L-0001-3", 3)),
    prior_authorization="AUTH-7781",
    place_of_service="57",
    provider=RENDERING,
)
OP_CLAIM = Claim(
    claim_id="SD-P-0002",
    subscriber=DEPENDENT,
    payer=PAYER,
    diagnoses=("F1210", "F909", "Z631"),
    lines=(
        ServiceLine("L-0002-1", _day(1), "90834", 1, 15000, diagnosis_pointers=(1, 2)),
        ServiceLine("L-0002-2", _day(3), "90853", 1, 4550, diagnosis_pointers=(1,)),
        ServiceLine(
            "L-0002-3",
            _day(4),
            "90834",
            1,
            12345,
            modifiers=("95",),
            place_of_service="02",
            diagnosis_pointers=(1, 3),
        ),
    ),
    place_of_service="11",
    provider=Provider("Example", "Sam", COUNSELOR_NPI),
)
PROFESSIONAL_WEEK = Batch(
    claim_type=ClaimType.PROFESSIONAL,
    interchange=_interchange(101),
    submitter=SUBMITTER,
    receiver=RECEIVER,
    billing_provider=BILLING,
    claims=(IOP_CLAIM, OP_CLAIM),
    batch_id="WEEK-2026-11-30-P",
)


def _outpatient_line(control: str, day: int, revenue: str, code: str, cents: int) -> ServiceLine:
    return ServiceLine(control, _day(day), code, 1, cents, revenue_code=revenue)


MEDICARE_IOP_CLAIM = Claim(
    claim_id="SD-I-0001",
    subscriber=BENEFICIARY,
    payer=MEDICARE,
    diagnoses=("F1020", "F411", "F17210"),
    lines=(
        _outpatient_line("L-I-0001-1", 0, "0905", "90853", 9000),
        _outpatient_line("L-I-0001-2", 0, "0905", "90834", 15000),
        _outpatient_line("L-I-0001-3", 2, "0905", "90853", 9000),
        _outpatient_line("L-I-0001-4", 4, "0905", "90853", 9000),
    ),
    type_of_bill="13",
    condition_codes=("92",),
    statement_from=_day(0),
    statement_through=_day(4),
    provider=ATTENDING,
)
PHP_CLAIM = Claim(
    claim_id="SD-I-0002",
    subscriber=SPOUSE,
    payer=PAYER,
    diagnoses=("F1120", "F332"),
    lines=(
        ServiceLine("L-I-0002-1", _day(0), "H0035", 1, 60000, unit_basis="DA", revenue_code="0912"),
        ServiceLine("L-I-0002-2", _day(1), "H0035", 1, 60000, unit_basis="DA", revenue_code="0912"),
        _outpatient_line("L-I-0002-3", 1, "0914", "90832", 8050),
    ),
    prior_authorization="PHP-2231",
    type_of_bill="13",
    condition_codes=("41",),
    admission_type="",
    provider=ATTENDING,
)
INSTITUTIONAL_WEEK = Batch(
    claim_type=ClaimType.INSTITUTIONAL,
    interchange=_interchange(102),
    submitter=SUBMITTER,
    receiver=RECEIVER,
    billing_provider=BILLING,
    claims=(MEDICARE_IOP_CLAIM, PHP_CLAIM),
    batch_id="WEEK-2026-11-30-I",
)
# A replacement of the IOP claim (a fourth day added) and a void of the outpatient claim:
# both keep our claim id and carry the payer's claim number.
CORRECTIONS = Batch(
    claim_type=ClaimType.PROFESSIONAL,
    interchange=_interchange(103),
    submitter=SUBMITTER,
    receiver=RECEIVER,
    billing_provider=BILLING,
    claims=(
        dataclasses.replace(
            IOP_CLAIM,
            lines=(*IOP_CLAIM.lines, _iop_line("L-0001-4", 4)),
            frequency=Frequency.REPLACEMENT,
            payer_claim_number="PAYER-CLAIM-5501",
        ),
        dataclasses.replace(
            OP_CLAIM, frequency=Frequency.VOID, payer_claim_number="PAYER-CLAIM-5502"
        ),
    ),
    batch_id="CORR-2026-12-07-P",
)


GOLDEN_BATCHES = {
    "week_837p.837": PROFESSIONAL_WEEK,
    "week_837i.837": INSTITUTIONAL_WEEK,
    "corrections_837p.837": CORRECTIONS,
}


@pytest.fixture(scope="module")
def pyx12_errors() -> Callable[[str], list[str]]:
    """pyx12's errors for a file's text, each distinct text validated once a module."""
    seen: dict[str, list[str]] = {}

    def validate(text: str) -> list[str]:
        if text not in seen:
            seen[text] = pyx12_check.errors(text)
        return seen[text]

    return validate


def _golden(name: str, text: str) -> str:
    """The golden file's text; rewritten first when STEPDOWN_REGOLD=1."""
    path = GOLDEN / name
    if REGOLD:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode("ascii"))
    return path.read_bytes().decode("ascii")


def _segments(text: str) -> list[list[str]]:
    return [[s.id, *s.elements] for s in parse(text)]


def _claim_segments(text: str, claim_id: str) -> list[list[str]]:
    """The segments of one claim's 2300 loop and its lines (up to the next HL or SE)."""
    segments = _segments(text)
    start = next(i for i, s in enumerate(segments) if s[:2] == ["CLM", claim_id])
    end = next(i for i in range(start, len(segments)) if segments[i][0] in ("HL", "SE"))
    return segments[start:end]


class TestAmount:
    @pytest.mark.parametrize(
        ("cents", "text"),
        [
            (15000, "150"),
            (15050, "150.5"),
            (12345, "123.45"),
            (10, "0.1"),
            (5, "0.05"),
            (0, "0"),
            (9_999_999_999, "99999999.99"),
        ],
    )
    def test_the_shortest_decimal_spelling(self, cents: int, text: str) -> None:
        assert amount(cents) == text


class TestGolden:
    @pytest.mark.parametrize("name", sorted(GOLDEN_BATCHES))
    def test_the_same_batch_is_the_same_bytes(self, name: str) -> None:
        batch = GOLDEN_BATCHES[name]
        text = render(batch)
        assert render(batch) == text
        assert text == _golden(name, text)

    @pytest.mark.parametrize("name", sorted(GOLDEN_BATCHES))
    def test_pyx12_finds_no_error(
        self, name: str, pyx12_errors: Callable[[str], list[str]]
    ) -> None:
        assert pyx12_errors(render(GOLDEN_BATCHES[name])) == []

    def test_the_institutional_file_names_the_a2_addendum(self) -> None:
        """pyx12's maps.xml reads GS08 005010X223A2 with its X223A1 map; we still say A2."""
        segments = _segments(render(INSTITUTIONAL_WEEK))
        assert segments[1][:6] == ["GS", "HC", "STEPDOWNTEST", "CLEARINGTEST", "20261207", "0930"]
        assert segments[1][-1] == "005010X223A2"
        assert segments[2] == ["ST", "837", "0001", "005010X223A2"]


class TestProfessional:
    def test_a_subscriber_who_is_the_patient_has_no_patient_level(self) -> None:
        segments = _segments(render(PROFESSIONAL_WEEK))
        start = segments.index(["HL", "2", "1", "22", "0"])
        assert segments[start + 1] == ["SBR", "P", "18", "GRP-7", "", "", "", "", "", "CI"]
        assert segments[start + 5] == ["DMG", "D8", "19880402", "F"]
        assert segments[start + 7][:2] == ["CLM", "SD-P-0001"]

    def test_a_dependent_gets_a_patient_level_and_the_claim_under_it(self) -> None:
        segments = _segments(render(PROFESSIONAL_WEEK))
        start = segments.index(["HL", "3", "1", "22", "1"])
        assert segments[start + 1] == ["SBR", "P", "", "GRP-7", "", "", "", "", "", "CI"]
        # The subscriber's address and demographics go only when they are the patient's.
        assert [s[0] for s in segments[start : start + 11]] == [
            "HL", "SBR", "NM1", "NM1", "HL", "PAT", "NM1", "N3", "N4", "DMG", "CLM",
        ]  # fmt: skip
        assert segments[start + 4] == ["HL", "4", "3", "23", "0"]
        assert segments[start + 5] == ["PAT", "19"]
        assert segments[start + 6] == ["NM1", "QC", "1", "Testcase", "Renee"]

    def test_the_claim_carries_place_of_service_authorization_and_diagnoses(self) -> None:
        claim = _claim_segments(render(PROFESSIONAL_WEEK), "SD-P-0001")
        assert claim[0] == ["CLM", "SD-P-0001", "750", "", "", "57:B:1", "Y", "A", "Y", "Y"]
        assert ["REF", "G1", "AUTH-7781"] in claim
        assert ["HI", "ABK:F1020", "ABF:F329"] in claim
        assert ["NM1", "82", "1", "Example", "Dana", "", "", "", "XX", RENDERING_NPI] in claim
        assert ["PRV", "PE", "PXC", "101YA0400X"] in claim
        assert not any(s[:2] == ["REF", "F8"] for s in claim)

    def test_lines_carry_codes_pointers_dates_and_our_control_numbers(self) -> None:
        claim = _claim_segments(render(PROFESSIONAL_WEEK), "SD-P-0002")
        lines = [s for s in claim if s[0] in ("LX", "SV1", "DTP", "REF")]
        assert lines[:4] == [
            ["LX", "1"],
            ["SV1", "HC:90834", "150", "UN", "1", "", "", "1:2"],
            ["DTP", "472", "D8", "20261201"],
            ["REF", "6R", "L-0002-1"],
        ]
        # SV105 only where the line's place of service differs from the claim's (telehealth).
        assert ["SV1", "HC:90834:95", "123.45", "UN", "1", "02", "", "1:3"] in lines

    def test_a_replacement_and_a_void_keep_the_claim_id_and_name_the_payers_claim(self) -> None:
        text = render(CORRECTIONS)
        replacement = _claim_segments(text, "SD-P-0001")
        assert replacement[0][2] == "1000"
        assert replacement[0][5] == "57:B:7"
        assert replacement[1:3] == [["REF", "G1", "AUTH-7781"], ["REF", "F8", "PAYER-CLAIM-5501"]]
        void = _claim_segments(text, "SD-P-0002")
        assert void[0][5] == "11:B:8"
        assert void[1] == ["REF", "F8", "PAYER-CLAIM-5502"]


class TestInstitutional:
    def test_the_medicare_iop_claim(self) -> None:
        claim = _claim_segments(render(INSTITUTIONAL_WEEK), "SD-I-0001")
        assert claim[:8] == [
            ["CLM", "SD-I-0001", "420", "", "", "13:A:1", "", "A", "Y", "Y"],
            ["DTP", "434", "RD8", "20261130-20261204"],
            ["CL1", "3", "1", "30"],
            ["HI", "ABK:F1020"],
            ["HI", "ABF:F411", "ABF:F17210"],
            ["HI", "BG:92"],
            ["NM1", "71", "1", "Example", "Quinn", "", "", "", "XX", ATTENDING_NPI],
            ["PRV", "AT", "PXC", "2084P0800X"],
        ]
        assert claim[8:12] == [
            ["LX", "1"],
            ["SV2", "0905", "HC:90853", "90", "UN", "1"],
            ["DTP", "472", "D8", "20261130"],
            ["REF", "6R", "L-I-0001-1"],
        ]

    def test_the_php_claim_defaults_its_statement_period_to_its_lines(self) -> None:
        claim = _claim_segments(render(INSTITUTIONAL_WEEK), "SD-I-0002")
        assert ["DTP", "434", "RD8", "20261130-20261201"] in claim
        assert ["CL1", "", "1", "30"] in claim  # no admission type: not an inpatient admission
        assert ["HI", "BG:41"] in claim
        assert ["SV2", "0912", "HC:H0035", "600", "DA", "1"] in claim

    def test_more_than_twelve_other_diagnoses_take_a_second_hi(self) -> None:
        others = tuple(f"F{n:03d}" for n in range(100, 114))
        claim = dataclasses.replace(MEDICARE_IOP_CLAIM, diagnoses=("F1020", *others))
        batch = dataclasses.replace(INSTITUTIONAL_WEEK, claims=(claim,))
        segments = _claim_segments(render(batch), "SD-I-0001")
        his = [s for s in segments if s[0] == "HI"]
        assert [len(s) - 1 for s in his] == [1, 12, 2, 1]
        assert his[2] == ["HI", "ABF:F112", "ABF:F113"]


def _bad_zip(text: str) -> str:
    return text.replace("N4*Springfield*IL*627010001~", "N4*Springfield*IL*62701~")


def _no_receiver(text: str) -> str:
    """Loop 1000B taken out, SE01 counting one segment less so that is the only error."""
    receiver = "NM1*40*2*Example Clearinghouse*****46*CLEARINGTEST~\n"
    return re.sub(
        r"^SE\*(\d+)\*",
        lambda se: f"SE*{int(se[1]) - 1}*",
        text.replace(receiver, ""),
        flags=re.MULTILINE,
    )


def _d9_date(text: str) -> str:
    return text.replace("DTP*472*D8*20261202~", "DTP*472*D9*20261202~")


class TestNegativeFixtures:
    """Each fixture is the 837P week with one fault planted, kept as a file so it can be fed
    to other tools; pyx12 must name the fault."""

    @pytest.mark.parametrize(
        ("name", "edit"),
        [
            ("bad_5_digit_zip.837", _bad_zip),
            ("bad_missing_receiver.837", _no_receiver),
            ("bad_date_qualifier.837", _d9_date),
        ],
    )
    def test_the_fixture_is_the_golden_week_with_one_edit(
        self, name: str, edit: Callable[[str], str]
    ) -> None:
        good = render(PROFESSIONAL_WEEK)
        bad = edit(good)
        assert bad != good
        assert _golden(name, bad) == bad

    def test_pyx12_names_the_missing_receiver_loop(
        self, pyx12_errors: Callable[[str], list[str]]
    ) -> None:
        text = (GOLDEN / "bad_missing_receiver.837").read_text("ascii")
        assert pyx12_errors(text) == ['NM1 5: 3 Mandatory loop "Receiver Name" (1000B) missing']

    def test_pyx12_names_the_wrong_date_qualifier(
        self, pyx12_errors: Callable[[str], list[str]]
    ) -> None:
        text = (GOLDEN / "bad_date_qualifier.837").read_text("ascii")
        assert pyx12_errors(text) == [
            "DTP 30 DTP02: 7 (D9) is not a valid code for Date Time Period Format Qualifier (DTP02)"
        ]

    def test_pyx12_misses_the_5_digit_billing_zip_so_check_refuses_it(
        self, pyx12_errors: Callable[[str], list[str]]
    ) -> None:
        """pyx12's maps know N403 only as a postal code of 3 to 15 characters; the TR3's note
        that the billing provider's ZIP has 9 digits is ours to enforce."""
        text = (GOLDEN / "bad_5_digit_zip.837").read_text("ascii")
        assert pyx12_errors(text) == []
        address = dataclasses.replace(BILLING.address, zip="62701")
        batch = dataclasses.replace(
            PROFESSIONAL_WEEK, billing_provider=dataclasses.replace(BILLING, address=address)
        )
        assert [(e.field, e.claim, e.line, str(e)) for e in check(batch)] == [
            (
                "billing_provider.address.zip",
                None,
                None,
                "billing_provider.address.zip: '62701' must be 9 digits",
            )
        ]


def _claim(batch: Batch, index: int, **changes: object) -> Batch:
    claims = list(batch.claims)
    claims[index] = dataclasses.replace(claims[index], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(batch, claims=tuple(claims))


def _line(batch: Batch, index: int, line: int, **changes: object) -> Batch:
    lines = list(batch.claims[index].lines)
    lines[line] = dataclasses.replace(lines[line], **changes)  # type: ignore[arg-type]
    return _claim(batch, index, lines=tuple(lines))


def _billing(**changes: object) -> Batch:
    provider = dataclasses.replace(BILLING, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(PROFESSIONAL_WEEK, billing_provider=provider)


def _subscriber(batch: Batch, index: int, **changes: object) -> Batch:
    subscriber = dataclasses.replace(batch.claims[index].subscriber, **changes)  # type: ignore[arg-type]
    return _claim(batch, index, subscriber=subscriber)


PRO, INST = PROFESSIONAL_WEEK, INSTITUTIONAL_WEEK
P1, P2, I1, I2 = "SD-P-0001", "SD-P-0002", "SD-I-0001", "SD-I-0002"
TOO_MANY_LINES = tuple(_iop_line(f"L-{n}", n % 5) for n in range(51))
TOO_MANY_INSTITUTIONAL_LINES = tuple(
    _outpatient_line(f"L-{n}", n % 5, "0905", "90853", 9000) for n in range(1000)
)
# The field, claim id and line control number an error names.
Named = tuple[str, str | None, str | None]
# Each case: a batch breaking one rule, and what its error names.
BROKEN: dict[str, tuple[Callable[[], Batch], Named]] = {
    "billing NPI check digit": (
        lambda: _billing(npi="1234567890"),
        ("billing_provider.npi", None, None),
    ),
    "billing ZIP of 5 digits": (
        lambda: _billing(address=dataclasses.replace(BILLING.address, zip="62701")),
        ("billing_provider.address.zip", None, None),
    ),
    "EIN of 8 digits": (
        lambda: _billing(tax_id="12345678"),
        ("billing_provider.tax_id", None, None),
    ),
    "taxonomy too short": (
        lambda: _billing(taxonomy="261QR"),
        ("billing_provider.taxonomy", None, None),
    ),
    "phone of 9 digits": (
        lambda: dataclasses.replace(
            PRO, submitter=dataclasses.replace(SUBMITTER, contact_phone="555555010")
        ),
        ("submitter.contact_phone", None, None),
    ),
    "ISA sender id over 15": (
        lambda: dataclasses.replace(
            PRO, interchange=dataclasses.replace(PRO.interchange, sender_id="S" * 16)
        ),
        ("interchange.sender_id", None, None),
    ),
    "no claims": (lambda: dataclasses.replace(PRO, claims=()), ("claims", None, None)),
    "subscriber ZIP of 4 digits": (
        lambda: _subscriber(
            PRO,
            0,
            person=dataclasses.replace(ADULT.person, address=dataclasses.replace(HOME, zip="6270")),
        ),
        ("claim.subscriber.person.address.zip", P1, None),
    ),
    "patient state not two letters": (
        lambda: _subscriber(
            PRO,
            1,
            patient=dataclasses.replace(CHILD, address=dataclasses.replace(HOME, state="Ill")),
        ),
        ("claim.subscriber.patient.address.state", P2, None),
    ),
    "gender X": (
        lambda: _subscriber(PRO, 0, person=dataclasses.replace(ADULT.person, gender="X")),
        ("claim.subscriber.person.gender", P1, None),
    ),
    "name in a non-Latin script": (
        lambda: _subscriber(PRO, 0, person=dataclasses.replace(ADULT.person, last_name="李")),
        ("claim.subscriber.person.last_name", P1, None),
    ),
    "patient who is 'self'": (
        lambda: _subscriber(PRO, 1, relationship="18"),
        ("claim.subscriber.relationship", P2, None),
    ),
    "unknown filing indicator": (
        lambda: _subscriber(PRO, 0, filing_indicator="XX"),
        ("claim.subscriber.filing_indicator", P1, None),
    ),
    "no diagnoses": (lambda: _claim(PRO, 0, diagnoses=()), ("claim.diagnoses", P1, None)),
    "13 diagnoses on an 837P": (
        lambda: _claim(PRO, 0, diagnoses=tuple(f"F{n:03d}" for n in range(100, 113))),
        ("claim.diagnoses", P1, None),
    ),
    "26 diagnoses on an 837I": (
        lambda: _claim(INST, 0, diagnoses=tuple(f"F{n:03d}" for n in range(100, 126))),
        ("claim.diagnoses", I1, None),
    ),
    "ICD-10 code with its dot": (
        lambda: _claim(PRO, 0, diagnoses=("F10.20",)),
        ("claim.diagnoses", P1, None),
    ),
    "a diagnosis twice": (
        lambda: _claim(PRO, 0, diagnoses=("F1020", "F1020")),
        ("claim.diagnoses", P1, None),
    ),
    "no lines": (lambda: _claim(PRO, 0, lines=()), ("claim.lines", P1, None)),
    "51 lines on an 837P": (
        lambda: _claim(PRO, 0, lines=TOO_MANY_LINES),
        ("claim.lines", P1, None),
    ),
    "1000 lines on an 837I": (
        lambda: _claim(INST, 0, lines=TOO_MANY_INSTITUTIONAL_LINES),
        ("claim.lines", I1, None),
    ),
    "25 condition codes": (
        lambda: _claim(INST, 0, condition_codes=tuple(f"{n:02d}" for n in range(25))),
        ("claim.condition_codes", I1, None),
    ),
    "claim id of 21 characters": (
        lambda: _claim(PRO, 0, claim_id="C" * 21),
        ("claim.claim_id", "C" * 21, None),
    ),
    "claim id with a delimiter": (
        lambda: _claim(PRO, 0, claim_id="SD*1"),
        ("claim.claim_id", "SD*1", None),
    ),
    "replacement without the payer's claim number": (
        lambda: _claim(PRO, 0, frequency=Frequency.REPLACEMENT),
        ("claim.payer_claim_number", P1, None),
    ),
    "void without the payer's claim number": (
        lambda: _claim(PRO, 0, frequency=Frequency.VOID),
        ("claim.payer_claim_number", P1, None),
    ),
    "original with a payer's claim number": (
        lambda: _claim(PRO, 0, payer_claim_number="PAYER-1"),
        ("claim.payer_claim_number", P1, None),
    ),
    "original of 0 total": (
        lambda: _claim(PRO, 0, lines=(dataclasses.replace(_iop_line("L-0", 0), charge_cents=0),)),
        ("claim.charge_cents", P1, None),
    ),
    "837P without place of service": (
        lambda: _claim(PRO, 0, place_of_service=""),
        ("claim.place_of_service", P1, None),
    ),
    "837P with condition codes": (
        lambda: _claim(PRO, 0, condition_codes=("92",)),
        ("claim.condition_codes", P1, None),
    ),
    "rendering provider with the billing NPI": (
        lambda: _claim(PRO, 0, provider=dataclasses.replace(RENDERING, npi=BILLING_NPI)),
        ("claim.provider.npi", P1, None),
    ),
    "rendering NPI check digit": (
        lambda: _claim(PRO, 0, provider=dataclasses.replace(RENDERING, npi="1245319598")),
        ("claim.provider.npi", P1, None),
    ),
    "837I without type of bill": (
        lambda: _claim(INST, 0, type_of_bill=""),
        ("claim.type_of_bill", I1, None),
    ),
    "837I type of bill of 3 digits": (
        lambda: _claim(INST, 0, type_of_bill="131"),
        ("claim.type_of_bill", I1, None),
    ),
    "837I without attending provider": (
        lambda: _claim(INST, 0, provider=None),
        ("claim.provider", I1, None),
    ),
    "837I patient status of 1 digit": (
        lambda: _claim(INST, 1, patient_status="1"),
        ("claim.patient_status", I2, None),
    ),
    "statement from after through": (
        lambda: _claim(INST, 0, statement_from=_day(5), statement_through=_day(4)),
        ("claim.statement_from", I1, None),
    ),
    "units 0": (lambda: _line(PRO, 0, 1, units=0), ("line.units", P1, "L-0001-2")),
    "negative charge": (
        lambda: _line(PRO, 0, 2, charge_cents=-1),
        ("line.charge_cents", P1, "L-0001-3"),
    ),
    "CPT code of 4 digits": (lambda: _line(PRO, 1, 0, code="9083"), ("line.code", P2, "L-0002-1")),
    "modifier of 3 characters": (
        lambda: _line(PRO, 0, 0, modifiers=("HF1",)),
        ("line.modifiers", P1, "L-0001-1"),
    ),
    "5 modifiers": (
        lambda: _line(PRO, 0, 0, modifiers=("HF", "HQ", "U1", "U2", "U3")),
        ("line.modifiers", P1, "L-0001-1"),
    ),
    "days on an 837P": (
        lambda: _line(PRO, 0, 0, unit_basis="DA"),
        ("line.unit_basis", P1, "L-0001-1"),
    ),
    "pointer past the diagnoses": (
        lambda: _line(PRO, 1, 1, diagnosis_pointers=(4,)),
        ("line.diagnosis_pointers", P2, "L-0002-2"),
    ),
    "pointer 0": (
        lambda: _line(PRO, 1, 1, diagnosis_pointers=(0,)),
        ("line.diagnosis_pointers", P2, "L-0002-2"),
    ),
    "5 pointers": (
        lambda: _claim(
            PRO,
            1,
            diagnoses=("F1210", "F909", "Z631", "F411", "F329"),
            lines=(dataclasses.replace(OP_CLAIM.lines[0], diagnosis_pointers=(1, 2, 3, 4, 5)),),
        ),
        ("line.diagnosis_pointers", P2, "L-0002-1"),
    ),
    "no pointers": (
        lambda: _line(PRO, 1, 0, diagnosis_pointers=()),
        ("line.diagnosis_pointers", P2, "L-0002-1"),
    ),
    "revenue code on an 837P": (
        lambda: _line(PRO, 0, 0, revenue_code="0905"),
        ("line.revenue_code", P1, "L-0001-1"),
    ),
    "line control used twice": (
        lambda: _line(PRO, 0, 1, control="L-0001-1"),
        ("line.control", P1, "L-0001-1"),
    ),
    "line control of 51 characters": (
        lambda: _line(PRO, 0, 1, control="L" * 51),
        ("line.control", P1, "L" * 51),
    ),
    "837I line without revenue code": (
        lambda: _line(INST, 0, 1, revenue_code=""),
        ("line.revenue_code", I1, "L-I-0001-2"),
    ),
    "837I revenue code of 3 digits": (
        lambda: _line(INST, 0, 1, revenue_code="905"),
        ("line.revenue_code", I1, "L-I-0001-2"),
    ),
    "837I line with a place of service": (
        lambda: _line(INST, 0, 1, place_of_service="11"),
        ("line.place_of_service", I1, "L-I-0001-2"),
    ),
    "837I line outside the statement period": (
        lambda: _line(INST, 0, 3, service_date=_day(5)),
        ("line.service_date", I1, "L-I-0001-4"),
    ),
    "837P line outside the given statement period": (
        lambda: _claim(PRO, 0, statement_through=_day(2)),
        ("line.service_date", P1, "L-0001-3"),
    ),
}


class TestCheck:
    @pytest.mark.parametrize("batch", [PRO, INST, CORRECTIONS], ids=["837p", "837i", "corrections"])
    def test_the_demo_batches_break_no_rule(self, batch: Batch) -> None:
        assert check(batch) == []

    @pytest.mark.parametrize("case", sorted(BROKEN))
    def test_a_broken_rule_names_its_field_claim_and_line(self, case: str) -> None:
        build, named = BROKEN[case]
        found = check(build())
        assert named in [(e.field, e.claim, e.line) for e in found], [str(e) for e in found]

    def test_render_raises_the_first_error_with_claim_and_line_in_the_message(self) -> None:
        batch = _line(PRO, 0, 1, units=0)
        with pytest.raises(ClaimError) as raised:
            render(batch)
        assert (
            str(raised.value) == "claim 'SD-P-0001', line 'L-0001-2': line.units: must be 1 to 9999"
        )
        assert isinstance(raised.value, ValueError)

    def test_every_error_is_reported_not_only_the_first(self) -> None:
        batch = _line(_billing(npi="1234567890"), 0, 1, units=0)
        assert [(e.field, e.line) for e in check(batch)] == [
            ("billing_provider.npi", None),
            ("line.units", "L-0001-2"),
        ]

    def test_a_void_may_total_0(self) -> None:
        lines = tuple(dataclasses.replace(line, charge_cents=0) for line in OP_CLAIM.lines)
        batch = _claim(
            PRO, 1, lines=lines, frequency=Frequency.VOID, payer_claim_number="PAYER-CLAIM-5502"
        )
        assert check(batch) == []
        assert _claim_segments(render(batch), P2)[0][:3] == ["CLM", P2, "0"]

    def test_the_demo_npis_are_check_digit_valid(self) -> None:
        for npi in (BILLING_NPI, RENDERING_NPI, ATTENDING_NPI, COUNSELOR_NPI):
            assert npi_is_valid(npi), npi
