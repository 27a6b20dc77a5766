"""The iCalendar writer: escaping, folding and line endings, checked against the icalendar
library's parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.calendar import ical

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def _one_event(summary: str = "Stepdown: group session", location: str = "Site, Room") -> str:
    event = ical.Event("u-1@stepdown", NOW, NOW + timedelta(hours=1), summary, location)
    return ical.calendar("Stepdown calendar", [event], generated_at=NOW)


def _parsed(text: str) -> icalendar.Event:
    events = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert len(events) == 1
    event: icalendar.Event = events[0]
    return event


class TestEscaping:
    @pytest.mark.parametrize(
        ("raw", "escaped"),
        [
            ("a,b", "a\\,b"),
            ("a;b", "a\\;b"),
            ("a\\b", "a\\\\b"),
            ("a\nb", "a\\nb"),
            ("a\r\nb", "a\\nb"),
            ("a\rb", "a\\nb"),
            ("\\,", "\\\\\\,"),
            ("bell\x07 and nul\x00", "bell and nul"),
            ("tab\tkept", "tab\tkept"),
        ],
    )
    def test_rfc5545_text_escapes(self, raw: str, escaped: str) -> None:
        assert ical.escape_text(raw) == escaped

    def test_the_parser_reads_escaped_text_back(self) -> None:
        text = _one_event(summary="One, two; three\\four\nfive")
        assert str(_parsed(text)["SUMMARY"]) == "One, two; three\\four\nfive"


class TestLines:
    def test_every_line_ends_in_crlf_and_none_is_bare(self) -> None:
        text = _one_event()
        assert text.endswith("\r\n")
        assert "\n" not in text.replace("\r\n", "")
        assert "\r" not in text.replace("\r\n", "")

    def test_long_multibyte_lines_fold_within_75_octets_without_splitting(self) -> None:
        summary = "Ünïcödé 日本語のテキスト 🎉" * 12
        text = _one_event(summary=summary)
        lines = text.split("\r\n")
        assert all(len(line.encode("utf-8")) <= ical.MAX_OCTETS for line in lines)
        assert any(line.startswith(" ") for line in lines), "the summary should have folded"
        # Each physical line is whole UTF-8 on its own: no character was cut in two.
        for line in lines:
            line.encode("utf-8").decode("utf-8")
        assert str(_parsed(text)["SUMMARY"]) == summary

    def test_fold_leaves_a_short_line_alone(self) -> None:
        assert ical.fold("SUMMARY:short") == "SUMMARY:short"

    def test_fold_at_exactly_75_octets(self) -> None:
        line = "X" * 75
        assert ical.fold(line) == line
        assert ical.fold(line + "Y") == line + "\r\n Y"

    def test_calendar_properties(self) -> None:
        cal = icalendar.Calendar.from_ical(_one_event())
        assert str(cal["VERSION"]) == "2.0"
        assert str(cal["CALSCALE"]) == "GREGORIAN"
        assert str(cal["METHOD"]) == "PUBLISH"
        assert str(cal["PRODID"]) == ical.PRODID
        assert str(cal["X-WR-CALNAME"]) == "Stepdown calendar"
        event = _parsed(_one_event())
        assert str(event["UID"]) == "u-1@stepdown"
        assert event.decoded("DTSTART") == NOW
        assert event.decoded("DTSTAMP") == NOW
        assert str(event["STATUS"]) == "CONFIRMED"

    def test_cancelled_events_say_so(self) -> None:
        event = ical.Event("u", NOW, NOW, "s", "l", cancelled=True)
        text = ical.calendar("c", [event], generated_at=NOW)
        assert str(_parsed(text)["STATUS"]) == "CANCELLED"

    def test_times_must_be_aware_and_are_written_in_utc(self) -> None:
        local = datetime(2026, 11, 2, 18, 0, tzinfo=ZoneInfo("America/New_York"))
        assert ical.utc_stamp(local) == "20261102T230000Z"
        with pytest.raises(ValueError, match="timezone-aware"):
            ical.utc_stamp(datetime(2026, 11, 2, 18, 0))  # noqa: DTZ001 - the refused case


@given(st.text())
def test_any_text_survives_a_round_trip_through_icalendar(text: str) -> None:
    written = _one_event(summary=text, location=text)
    event = _parsed(written)
    assert str(event["SUMMARY"]) == ical.clean_text(text)
    assert str(event["LOCATION"]) == ical.clean_text(text)
    assert all(len(line.encode("utf-8")) <= ical.MAX_OCTETS for line in written.split("\r\n"))
