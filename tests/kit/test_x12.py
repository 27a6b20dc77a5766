"""Reading and writing X12 interchanges: the delimiters come from the ISA, the envelope
counts its own segments, and what is not an interchange is refused with the reason."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.kit.x12 import (
    Delimiters,
    Envelope,
    Party,
    X12Error,
    clean,
    delimiters_of,
    parse,
    render,
)

ENVELOPE = Envelope(
    sender=Party("ZZ", "STEPDOWN"),
    receiver=Party("ZZ", "CLEARINGHOUSE"),
    interchange_control=17,
    group_control=17,
    functional_id="HS",
    version="005010X279A1",
    created_at=datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("America/New_York")),
)
BODY = [["BHT", "0022", "13", "T1", "20261201", "0930"], ["HL", "1", "", "20", "1"]]


def test_an_interchange_round_trips_and_counts_its_segments() -> None:
    text = render(ENVELOPE, [BODY])
    assert len(text.split("~")[0]) + 1 == 106  # with its terminator
    segments = parse(text)
    assert [s.id for s in segments] == ["ISA", "GS", "ST", "BHT", "HL", "SE", "GE", "IEA"]
    assert segments[2].elements == ("270", "0001", "005010X279A1")
    assert segments[5].elements == ("4", "0001")  # ST, BHT, HL and SE itself
    assert segments[4].get(2) == ""  # an empty element in the middle is kept
    assert segments[4].get(9) == ""  # past the end reads as empty
    assert segments[-1].elements == ("1", "000000017")


def test_the_delimiters_are_read_from_the_isa() -> None:
    text = render(ENVELOPE, [BODY], Delimiters("|", "!", ">", "\n"))
    assert delimiters_of(text) == Delimiters("|", "!", ">", "\n")
    segments = parse(text)
    assert segments[3].get(1) == "0022"
    composite = parse(text.replace("HL|1||20|1", "HL|1||20>A|1"))[4]
    assert composite.components(3) == ("20", "A")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "106-character ISA"),
        ("GS*HS*A*B~", "106-character ISA"),
        ("ISA*00*" + "x" * 120, "16 elements"),
    ],
)
def test_what_is_not_an_interchange_is_refused(text: str, says: str) -> None:
    with pytest.raises(X12Error, match=says):
        parse(text)


def test_a_file_cut_short_is_refused() -> None:
    text = render(ENVELOPE, [BODY])
    with pytest.raises(X12Error, match="no IEA trailer"):
        parse(text[: text.index("GE*")])


@given(st.text(max_size=80))
def test_a_cleaned_value_never_carries_a_delimiter(value: str) -> None:
    cleaned = clean(value)
    assert not set(cleaned) & set("*:^~\r\n")
    assert cleaned == cleaned.strip()
