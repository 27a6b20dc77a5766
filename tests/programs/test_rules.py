"""Times, weekly availability and the chart-to-scheduler mappings."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.kit.errors import Invalid
from stepdown.programs import rules
from stepdown.scheduling.exchange import DAYS, to_minutes

minutes = st.integers(min_value=0, max_value=24 * 60 - 1)


def _clock(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


windows = st.lists(
    st.tuples(st.sampled_from(DAYS), minutes, st.integers(min_value=1, max_value=600)).map(
        lambda t: {"day": t[0], "start": _clock(t[1]), "end": _clock(min(t[1] + t[2], 1439))}
    ),
    max_size=8,
)


@given(windows)
def test_accepted_windows_never_overlap_within_a_day(raw: list[dict[str, str]]) -> None:
    try:
        checked = rules.check_windows(raw)  # type: ignore[arg-type]
    except Invalid:
        return
    assert len(checked) == len(raw)
    for i, a in enumerate(checked):
        assert to_minutes(a["end"]) > to_minutes(a["start"])
        for b in checked[i + 1 :]:
            if a["day"] == b["day"]:
                assert to_minutes(b["start"]) >= to_minutes(a["end"])


@given(windows)
def test_refused_windows_do_overlap_or_are_empty(raw: list[dict[str, str]]) -> None:
    nonempty = all(to_minutes(w["end"]) > to_minutes(w["start"]) for w in raw)
    overlap = any(
        a["day"] == b["day"]
        and to_minutes(a["start"]) < to_minutes(b["end"])
        and to_minutes(b["start"]) < to_minutes(a["end"])
        for i, a in enumerate(raw)
        for b in raw[i + 1 :]
    )
    try:
        rules.check_windows(raw)  # type: ignore[arg-type]
        refused = False
    except Invalid:
        refused = True
    assert refused == (overlap or not nonempty)


@given(windows)
def test_format_then_parse_round_trips(raw: list[dict[str, str]]) -> None:
    try:
        checked = rules.check_windows(raw)  # type: ignore[arg-type]
    except Invalid:
        return
    assert rules.parse_windows(rules.format_windows(checked, "; ")) == checked


def test_half_open_windows_may_touch() -> None:
    text = "mon 09:00-10:30; mon 10:30-12:00"
    assert len(rules.parse_windows(text)) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mon 10:00-09:00", "not after"),
        ("mon 09:00-11:00\nmon 10:00-12:00", "overlaps"),
        ("someday 09:00-10:00", "is not like"),
        ("mon 25:00-26:00", "not a time"),
    ],
)
def test_bad_windows_are_refused_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(Invalid, match=message) as caught:
        rules.parse_windows(text)
    assert caught.value.field == "availability"


def test_topics_and_levels_come_from_the_vocabulary() -> None:
    assert rules.check_topics(rules.split_codes("cbt, rp mat_ed")) == ["CBT", "RP", "MAT_ED"]
    with pytest.raises(Invalid, match="unknown topic 'YOGA'"):
        rules.check_topics(["YOGA"])
    assert rules.check_levels(["OP", "PHP"]) == ["PHP", "OP"]
    with pytest.raises(Invalid, match="at least one level"):
        rules.check_levels([])


@pytest.mark.parametrize(
    ("identity", "sex", "code"),
    [
        ("woman", "female", "F"),
        ("transgender woman", "male", "F"),
        ("man", "male", "M"),
        ("nonbinary", "female", "X"),
        ("", "male", "M"),
        ("", "", "X"),
    ],
)
def test_gender_follows_identity_then_sex(identity: str, sex: str, code: str) -> None:
    assert rules.gender_code(identity, sex) == code


def test_adolescent_until_the_eighteenth_birthday() -> None:
    monday = date(2026, 11, 23)
    assert rules.age_group(date(2008, 11, 24), monday) == "adolescent"
    assert rules.age_group(date(2008, 11, 23), monday) == "adult"


def test_keep_apart_pairs_have_one_order() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    assert rules.keep_apart_pair(a, b) == rules.keep_apart_pair(b, a)
    with pytest.raises(Invalid):
        rules.keep_apart_pair(a, a)


BLOCK = ("mon", "18:00", "21:15", ["IOP", "OP"])


@pytest.mark.parametrize(
    ("day", "start", "end", "levels"),
    [("mon", "18:00", "19:30", ["IOP"]), ("mon", "19:45", "21:15", ["IOP", "OP"])],
)
def test_a_session_inside_its_block_passes(
    day: str, start: str, end: str, levels: list[str]
) -> None:
    rules.check_inside_block(day, start, end, levels, BLOCK)


@pytest.mark.parametrize(
    ("day", "start", "end", "levels", "field"),
    [
        ("tue", "18:00", "19:30", ["IOP"], "time_block"),
        ("mon", "17:45", "19:15", ["IOP"], "time_block"),
        ("mon", "20:00", "21:30", ["IOP"], "time_block"),
        ("mon", "18:00", "19:30", ["PHP", "IOP"], "levels"),
    ],
)
def test_a_session_outside_its_block_or_levels_is_refused(
    day: str, start: str, end: str, levels: list[str], field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        rules.check_inside_block(day, start, end, levels, BLOCK)
    assert caught.value.field == field


def test_codes_names_and_capacity() -> None:
    assert rules.check_code(" r-2 ") == "R-2"
    for bad in ("", "R 2", "X" * 21):
        with pytest.raises(Invalid):
            rules.check_code(bad)
    assert rules.check_name("  Group room ", "room") == "Group room"
    with pytest.raises(Invalid, match="a room needs a name"):
        rules.check_name(" ", "room")
    assert rules.check_capacity(1) == 1
    for seats in (0, 201):
        with pytest.raises(Invalid) as caught:
            rules.check_capacity(seats)
        assert caught.value.field == "capacity"
