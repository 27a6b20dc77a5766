"""The 270 eligibility inquiry: the documents we send are fixed byte for byte by golden
files, an independent reader of 005010X279A1 (x12sdk's typed 270 models) accepts them and
finds our data in the loops the guide puts it, and bad input is refused with its field."""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from x12sdk.io import X12ModelReader
from x12sdk.v5010.x12_270_005010X279A1.segments import Loop2110EqSegment
from x12sdk.v5010.x12_270_005010X279A1.transaction_set import EligibilityInquiry as Sdk270

from stepdown.coverage.x12_270 import (
    Dependent,
    EligibilityInquiry,
    Gender,
    InquiryError,
    Payer,
    Provider,
    Subscriber,
    write_270,
    x12_text,
)
from stepdown.kit.bounds import FIRST_DAY, LAST_DAY
from stepdown.kit.x12 import Envelope, Party, Segment, parse

GOLDEN = Path(__file__).parent / "golden"

ENVELOPE = Envelope(
    sender=Party("ZZ", "STEPDOWN"),
    receiver=Party("ZZ", "CLEARINGHOUSE"),
    interchange_control=41,
    group_control=41,
    functional_id="HS",
    version="005010X279A1",
    created_at=datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("America/New_York")),
)
SUBSCRIBER = Subscriber(
    first_name="JANE",
    last_name="DOE",
    middle_name="Q",
    member_id="W123456789",
    birth_date=date(1984, 3, 9),
    gender=Gender.FEMALE,
    group_number="GRP0042",
)
INQUIRY = EligibilityInquiry(
    payer=Payer("LAKESHORE HEALTH PLAN", "LKSHR01"),
    provider=Provider("STEPDOWN RECOVERY CENTER", "1234567893"),  # CMS's check-digit example
    subscriber=SUBSCRIBER,
    service_types=("30", "MH", "AI", "BB", "A8"),
    date_of_service=date(2026, 12, 1),
    trace_number="ELG-000041",
    originator_id="9STEPDOWN1",
    reference="ELG-000041",
)
DEPENDENT = Dependent(
    first_name="TOMÁS",  # written as TOMAS: the X12 character set has no accents
    last_name="DOE",
    birth_date=date(2008, 7, 14),
    relationship="19",
    gender=Gender.MALE,
)
DEPENDENT_INQUIRY = dataclasses.replace(
    INQUIRY, dependent=DEPENDENT, trace_number="ELG-000042", reference="ELG-000042"
)
DEPENDENT_ENVELOPE = dataclasses.replace(ENVELOPE, interchange_control=42, group_control=42)


def _sdk_read(text: str) -> Sdk270:
    """The document as x12sdk's 270 model; its validators raise on codes, lengths, dates,
    HL parentage and the SE count that the guide does not allow."""
    with X12ModelReader(text) as reader:
        models = list(reader.models())
    assert len(models) == 1
    model = models[0]
    assert isinstance(model, Sdk270)
    return model


def _one(segments: list[Segment], segment_id: str, first: str | None = None) -> Segment:
    found = [s for s in segments if s.id == segment_id and first in (None, s.get(1))]
    assert len(found) == 1, f"{segment_id} {first}: {len(found)} found"
    return found[0]


class TestGoldenFiles:
    @pytest.mark.parametrize(
        ("inquiry", "envelope", "golden"),
        [
            (INQUIRY, ENVELOPE, "270_subscriber.x12"),
            (DEPENDENT_INQUIRY, DEPENDENT_ENVELOPE, "270_dependent.x12"),
        ],
    )
    def test_the_document_is_byte_for_byte_the_golden_file(
        self, inquiry: EligibilityInquiry, envelope: Envelope, golden: str
    ) -> None:
        expected = (GOLDEN / golden).read_bytes()
        assert write_270(inquiry, envelope).encode("ascii") == expected
        _sdk_read(expected.decode("ascii"))

    def test_the_subscriber_as_patient_carries_the_question(self) -> None:
        model = _sdk_read((GOLDEN / "270_subscriber.x12").read_text("ascii"))
        subscriber = model.loop_2000a[0].loop_2000b[0].loop_2000c[0]
        assert subscriber.hl_segment.hierarchical_child_code == "0"
        assert not subscriber.loop_2000d
        assert subscriber.trn_segment is not None
        assert subscriber.trn_segment[0].reference_identification_1 == "ELG-000041"
        name = subscriber.loop_2100c
        assert name.ref_segment is not None
        assert name.ref_segment[0].reference_identification == "GRP0042"
        assert name.dmg_segment is not None
        assert name.dmg_segment.gender_code == "F"
        assert name.loop_2110c is not None
        eq = name.loop_2110c[0].eq_segment
        assert eq is not None
        assert eq.service_type_code == ["30", "MH", "AI", "BB", "A8"]

    def test_a_dependent_patient_takes_trace_demographics_date_and_question(self) -> None:
        model = _sdk_read((GOLDEN / "270_dependent.x12").read_text("ascii"))
        subscriber = model.loop_2000a[0].loop_2000b[0].loop_2000c[0]
        assert subscriber.hl_segment.hierarchical_child_code == "1"
        assert not subscriber.trn_segment
        assert subscriber.loop_2100c.dmg_segment is None
        assert subscriber.loop_2100c.dtp_segment is None
        assert not subscriber.loop_2100c.loop_2110c
        assert subscriber.loop_2100c.nm1_segment.identification_code == "W123456789"
        assert subscriber.loop_2000d is not None
        dependent = subscriber.loop_2000d[0]
        assert dependent.trn_segment is not None
        assert dependent.trn_segment[0].reference_identification_1 == "ELG-000042"
        assert dependent.loop_2100d.nm1_segment.name_first == "TOMAS"
        assert dependent.loop_2100d.ins_segment is None  # X12 RFI 922
        eq = dependent.loop_2100d.loop_2110d[0].eq_segment
        assert eq is not None
        assert eq.service_type_code == ["30", "MH", "AI", "BB", "A8"]


# --- any valid inquiry ---------------------------------------------------------------------

NAME_LETTERS = string.ascii_letters + "ÁÉÍÓÚáéíóúÑñÇçÜü '-."
ID_CHARACTERS = string.ascii_uppercase + string.digits + "-"
# The codes x12sdk's 270 model knows (X12 code list 1365 as of 005010X279A1).
SERVICE_TYPES = sorted(code.value for code in Loop2110EqSegment.ServiceTypeCode)


def _names(longest: int) -> st.SearchStrategy[str]:
    return st.text(NAME_LETTERS, min_size=1, max_size=longest).filter(lambda s: x12_text(s) != "")


def _ids(shortest: int, longest: int) -> st.SearchStrategy[str]:
    return st.text(ID_CHARACTERS, min_size=shortest, max_size=longest)


def _luhn_npi(stem: str) -> str:
    """The NPI whose first nine digits are ``stem``: the standard Luhn check digit over the
    card-issuer form, 80840 followed by the NPI (CMS, "Requirements for NPI Check Digit")."""
    for check in string.digits:
        digits = [int(d) for d in f"80840{stem}{check}"]
        total = sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])
        if total % 10 == 0:
            return stem + check
    raise AssertionError("every stem has a check digit")


@st.composite
def inquiries(draw: st.DrawFn) -> EligibilityInquiry:
    day = draw(st.dates(FIRST_DAY, LAST_DAY))
    born = st.dates(FIRST_DAY, day)
    genders = st.none() | st.sampled_from(Gender)
    subscriber = Subscriber(
        first_name=draw(_names(35)),
        last_name=draw(_names(60)),
        middle_name=draw(st.none() | _names(25)),
        member_id=draw(_ids(2, 80)),
        birth_date=draw(born),
        gender=draw(genders),
        group_number=draw(st.none() | _ids(1, 50)),
    )
    dependent = draw(
        st.none()
        | st.builds(
            Dependent,
            first_name=_names(35),
            last_name=_names(60),
            birth_date=born,
            relationship=st.sampled_from(["01", "19", "34"]),
            gender=genders,
        )
    )
    return EligibilityInquiry(
        payer=Payer(draw(_names(60)), draw(_ids(2, 80))),
        provider=Provider(
            draw(_names(60)), _luhn_npi(draw(st.from_regex(r"[12][0-9]{8}", fullmatch=True)))
        ),
        subscriber=subscriber,
        service_types=tuple(
            draw(st.lists(st.sampled_from(SERVICE_TYPES), min_size=1, max_size=99, unique=True))
        ),
        date_of_service=day,
        trace_number=draw(_ids(1, 50)),
        originator_id=draw(st.from_regex(r"[13][0-9]{9}|9[0-9A-Z]{9}", fullmatch=True)),
        reference=draw(_ids(1, 50)),
        dependent=dependent,
    )


@settings(max_examples=60, deadline=None)
@given(inquiries())
def test_any_valid_inquiry_is_a_270_that_carries_our_data(inquiry: EligibilityInquiry) -> None:
    text = write_270(inquiry, ENVELOPE)
    model = _sdk_read(text)
    segments = parse(text)
    subscriber, dependent = inquiry.subscriber, inquiry.dependent

    insured = _one(segments, "NM1", "IL")
    assert insured.get(9) == subscriber.member_id
    assert (insured.get(3), insured.get(4)) == (
        x12_text(subscriber.last_name),
        x12_text(subscriber.first_name),
    )
    patient = _one(segments, "NM1", "03") if dependent else insured
    person = dependent or subscriber
    assert (patient.get(3), patient.get(4)) == (
        x12_text(person.last_name),
        x12_text(person.first_name),
    )
    assert _one(segments, "DMG").get(2) == f"{person.birth_date:%Y%m%d}"
    assert _one(segments, "DTP").get(3) == f"{inquiry.date_of_service:%Y%m%d}"
    assert _one(segments, "EQ").repetitions(1) == inquiry.service_types
    assert _one(segments, "TRN").elements == ("1", inquiry.trace_number, inquiry.originator_id)

    level = model.loop_2000a[0].loop_2000b[0].loop_2000c[0]
    assert level.loop_2100c.nm1_segment.identification_code == subscriber.member_id
    if dependent is None:
        assert level.loop_2100c.loop_2110c is not None
        eq = level.loop_2100c.loop_2110c[0].eq_segment
    else:
        assert level.loop_2000d is not None
        eq = level.loop_2000d[0].loop_2100d.loop_2110d[0].eq_segment
    assert eq is not None
    assert tuple(eq.service_type_code) == inquiry.service_types


# --- refusals ------------------------------------------------------------------------------


def _refused(make: Callable[[], Any], field: str) -> None:
    with pytest.raises(InquiryError) as caught:
        make()
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Payer("", "LKSHR01"), "payer.name"),
        (lambda: Payer("X" * 61, "LKSHR01"), "payer.name"),
        (lambda: Payer("LAKESHORE", "L"), "payer.payer_id"),
        (lambda: Provider("STEPDOWN", "1234567890"), "provider.npi"),  # wrong check digit
        (lambda: Provider("STEPDOWN", "123456789"), "provider.npi"),
        (lambda: Provider("   ", "1234567893"), "provider.organization_name"),
        (lambda: dataclasses.replace(SUBSCRIBER, last_name="D" * 61), "subscriber.last_name"),
        (lambda: dataclasses.replace(SUBSCRIBER, first_name="J" * 36), "subscriber.first_name"),
        (lambda: dataclasses.replace(SUBSCRIBER, middle_name="Q" * 26), "subscriber.middle_name"),
        (lambda: dataclasses.replace(SUBSCRIBER, first_name="李"), "subscriber.first_name"),
        (lambda: dataclasses.replace(SUBSCRIBER, member_id="W"), "subscriber.member_id"),
        (lambda: dataclasses.replace(SUBSCRIBER, member_id="W" * 81), "subscriber.member_id"),
        (lambda: dataclasses.replace(SUBSCRIBER, member_id="W12*34"), "subscriber.member_id"),
        (lambda: dataclasses.replace(SUBSCRIBER, member_id=" W1234"), "subscriber.member_id"),
        (lambda: dataclasses.replace(SUBSCRIBER, member_id="W1234~"), "subscriber.member_id"),
        (
            lambda: dataclasses.replace(SUBSCRIBER, birth_date=date(1899, 12, 31)),
            "subscriber.birth_date",
        ),
        (lambda: dataclasses.replace(SUBSCRIBER, group_number=""), "subscriber.group_number"),
        (lambda: dataclasses.replace(DEPENDENT, relationship="18"), "dependent.relationship"),
        (lambda: dataclasses.replace(DEPENDENT, relationship="1"), "dependent.relationship"),
        (lambda: dataclasses.replace(DEPENDENT, last_name=""), "dependent.last_name"),
        (lambda: dataclasses.replace(INQUIRY, service_types=()), "service_types"),
        (lambda: dataclasses.replace(INQUIRY, service_types=("MHX",)), "service_types"),
        (lambda: dataclasses.replace(INQUIRY, service_types=("mh",)), "service_types"),
        (lambda: dataclasses.replace(INQUIRY, service_types=("30", "30")), "service_types"),
        (lambda: dataclasses.replace(INQUIRY, trace_number=""), "trace_number"),
        (lambda: dataclasses.replace(INQUIRY, trace_number="T" * 51), "trace_number"),
        (lambda: dataclasses.replace(INQUIRY, originator_id="9STEPDOWN"), "originator_id"),
        (lambda: dataclasses.replace(INQUIRY, originator_id="1STEPDOWN1"), "originator_id"),
        (lambda: dataclasses.replace(INQUIRY, originator_id="2123456789"), "originator_id"),
        (lambda: dataclasses.replace(INQUIRY, reference="R" * 51), "reference"),
        (
            lambda: dataclasses.replace(INQUIRY, date_of_service=date(1984, 3, 8)),
            "subscriber.birth_date",
        ),
        (
            lambda: dataclasses.replace(DEPENDENT_INQUIRY, date_of_service=date(2008, 7, 13)),
            "dependent.birth_date",
        ),
        (
            lambda: write_270(INQUIRY, dataclasses.replace(ENVELOPE, functional_id="HB")),
            "envelope.functional_id",
        ),
        (
            lambda: write_270(INQUIRY, dataclasses.replace(ENVELOPE, version="005010X222A1")),
            "envelope.version",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(make: Callable[[], Any], field: str) -> None:
    _refused(make, field)


def test_ninety_nine_service_types_is_the_most_one_inquiry_asks() -> None:
    codes = tuple(f"{n:02d}" for n in range(1, 100))
    assert len(dataclasses.replace(INQUIRY, service_types=codes).service_types) == 99
    _refused(lambda: dataclasses.replace(INQUIRY, service_types=(*codes, "A0")), "service_types")


def test_a_service_type_code_we_do_not_know_is_still_asked() -> None:
    """The code list grows; the format is ours to check, the code the payer's."""
    text = write_270(dataclasses.replace(INQUIRY, service_types=("Z9",)), ENVELOPE)
    assert _one(parse(text), "EQ").repetitions(1) == ("Z9",)


def test_names_are_folded_to_the_x12_character_set() -> None:
    assert x12_text("  Renée  O'Brien-Núñez ") == "Renee O'Brien-Nunez"
    assert x12_text("Smith*Jones~") == "Smith Jones"
