"""The bounded input types and the shared form parser (kit.bounds)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from stepdown.kit import bounds
from stepdown.kit.errors import Invalid
from stepdown.kit.schemas import Count, Day, Line, Seq, Size, Text

DAY: TypeAdapter[date] = TypeAdapter(Day)
COUNT: TypeAdapter[int] = TypeAdapter(Count)
SIZE: TypeAdapter[int] = TypeAdapter(Size)
SEQ: TypeAdapter[int] = TypeAdapter(Seq)
LINE: TypeAdapter[str] = TypeAdapter(Line)
TEXT: TypeAdapter[str] = TypeAdapter(Text)


@given(st.dates(min_value=bounds.FIRST_DAY, max_value=bounds.LAST_DAY))
def test_any_day_in_the_window_survives_the_products_arithmetic(day: date) -> None:
    """What the pages and services do with a date: its week, +7 days, the month's end,
    a year ahead, local midnight in the furthest zones."""
    assert DAY.validate_python(day) == day
    monday = day - timedelta(days=day.weekday())
    assert monday + timedelta(days=7) > day
    first_next_month = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert first_next_month - timedelta(days=1) >= day
    assert day + timedelta(days=366) > day
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        local = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(zone))
        assert local.astimezone(UTC).date() - day in (
            timedelta(days=-1),
            timedelta(0),
            timedelta(1),
        )


@given(
    st.one_of(
        st.dates(max_value=bounds.FIRST_DAY - timedelta(days=1)),
        st.dates(min_value=bounds.LAST_DAY + timedelta(days=1)),
    )
)
def test_days_outside_the_window_are_refused(day: date) -> None:
    with pytest.raises(ValidationError):
        DAY.validate_python(day)


@pytest.mark.parametrize(
    ("adapter", "lowest", "highest"),
    [(COUNT, 0, bounds.COUNT_MAX), (SIZE, 1, bounds.COUNT_MAX), (SEQ, 1, bounds.SEQ_MAX)],
)
def test_whole_numbers_fit_their_columns(
    adapter: TypeAdapter[int], lowest: int, highest: int
) -> None:
    assert adapter.validate_python(lowest) == lowest
    assert adapter.validate_python(highest) == highest
    for bad in (lowest - 1, highest + 1, 2**64, -(2**64)):
        with pytest.raises(ValidationError):
            adapter.validate_python(bad)


@given(st.text(max_size=50))
def test_text_without_surrogates_or_nul_is_kept(value: str) -> None:
    """Hypothesis' text never holds a lone surrogate; only NUL is left to refuse."""
    if "\x00" in value:
        with pytest.raises(ValidationError):
            TEXT.validate_python(value)
    else:
        assert TEXT.validate_python(value) == value


@pytest.mark.parametrize("bad", ["\ud800", "note \udfff", "a\x00b"])
def test_text_the_databases_cannot_store_is_refused(bad: str) -> None:
    for adapter in (LINE, TEXT):
        with pytest.raises(ValidationError, match=r"surrogate|NUL"):
            adapter.validate_python(bad)


def test_lengths_default_to_a_line_and_a_page() -> None:
    assert LINE.validate_python("x" * bounds.LINE_MAX)
    with pytest.raises(ValidationError):
        LINE.validate_python("x" * (bounds.LINE_MAX + 1))
    with pytest.raises(ValidationError):
        TEXT.validate_python("x" * (bounds.TEXT_MAX + 1))


class TestParsers:
    def test_a_day_in_the_window(self) -> None:
        assert bounds.parse_day(" 2026-03-04 ", field="on") == date(2026, 3, 4)
        assert bounds.parse_day("", field="on") is None

    @pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"])
    def test_far_days_name_the_field(self, value: str) -> None:
        with pytest.raises(Invalid) as caught:
            bounds.parse_day(value, field="week")
        assert caught.value.field == "week"
        assert "2199-12-31" in caught.value.message or "1900-01-01" in caught.value.message

    def test_malformed_days_name_the_field(self) -> None:
        with pytest.raises(Invalid, match="YYYY-MM-DD") as caught:
            bounds.require_day("next tuesday", field="date_to")
        assert caught.value.field == "date_to"
        with pytest.raises(Invalid):
            bounds.require_day("", field="date_to")

    @pytest.mark.parametrize("value", ["1_000", "1e3", "", "twelve", "9" * 30, "2147483648"])
    def test_whole_numbers(self, value: str) -> None:
        with pytest.raises(Invalid) as caught:
            bounds.parse_int(value, field="capacity")
        assert caught.value.field == "capacity"

    def test_whole_numbers_in_range_and_defaults(self) -> None:
        assert bounds.parse_int("12", field="n") == 12
        assert bounds.parse_int("", field="n", default=4) == 4
        assert bounds.parse_optional_int(" ", field="n") is None
        with pytest.raises(Invalid, match="from 1 to 6"):
            bounds.parse_int("7", field="n", ge=1, le=6)

    def test_text(self) -> None:
        assert bounds.parse_text("fine", field="note") == "fine"
        for bad in ("\ud800", "\x00", "x" * (bounds.TEXT_MAX + 1)):
            with pytest.raises(Invalid) as caught:
                bounds.parse_text(bad, field="note")
            assert caught.value.field == "note"

    def test_instants_in_the_window(self) -> None:
        fine = datetime(2026, 1, 1, 9, tzinfo=UTC)
        assert bounds.check_instant(fine, field="starts_at") == fine
        for far in (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23)):  # noqa: DTZ001
            with pytest.raises(Invalid) as caught:
                bounds.check_instant(far, field="starts_at")
            assert caught.value.field == "starts_at"
