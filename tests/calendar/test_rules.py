"""Weeks, wall-clock to UTC across DST, the feed window and the neutral event words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.calendar import rules
from stepdown.kit.errors import Invalid

NEW_YORK = ZoneInfo("America/New_York")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_week_start_is_the_monday_on_or_before(day: date) -> None:
    monday = rules.week_start(day)
    assert monday.weekday() == 0
    assert timedelta(0) <= day - monday < timedelta(days=7)


class TestParseWeek:
    def test_empty_means_this_week(self) -> None:
        assert rules.parse_week("", today=date(2026, 11, 5)) == date(2026, 11, 2)
        assert rules.parse_week(None, today=date(2026, 11, 5)) == date(2026, 11, 2)

    def test_any_day_names_its_week(self) -> None:
        assert rules.parse_week("2026-11-08", today=date(2026, 1, 1)) == date(2026, 11, 2)

    def test_garbage_names_the_field(self) -> None:
        with pytest.raises(Invalid) as refused:
            rules.parse_week("next tuesday", today=date(2026, 1, 1))
        assert refused.value.field == "week"


class TestToUtc:
    def test_the_offset_follows_daylight_saving_time(self) -> None:
        # DST ended in New York on Sunday 2026-11-01 at 2 am.
        assert rules.to_utc(date(2026, 10, 30), "18:00", NEW_YORK) == datetime(
            2026, 10, 30, 22, 0, tzinfo=UTC
        )
        assert rules.to_utc(date(2026, 11, 2), "18:00", NEW_YORK) == datetime(
            2026, 11, 2, 23, 0, tzinfo=UTC
        )
        # And began on 2026-03-08.
        assert rules.to_utc(date(2026, 3, 9), "09:30", NEW_YORK) == datetime(
            2026, 3, 9, 13, 30, tzinfo=UTC
        )

    def test_minutes_between(self) -> None:
        assert rules.minutes_between("18:00", "19:30") == 90
        assert rules.minutes_between("10:00", "10:00") == 0


def test_feed_window_is_two_weeks_back_and_eight_ahead_in_whole_weeks() -> None:
    start, end = rules.feed_window(date(2026, 11, 4))
    assert start == date(2026, 10, 19)
    assert end == date(2027, 1, 4)
    assert (end - start).days == 7 * 11


class TestNeutralWords:
    @pytest.mark.parametrize("group", [True, False])
    def test_summaries_carry_no_clinical_word(self, group: bool) -> None:
        summary = rules.event_summary("Stepdown", group=group).lower()
        assert summary.startswith("stepdown: ")
        assert not any(word in summary for word in rules.CLINICAL_WORDS)

    def test_location(self) -> None:
        assert rules.event_location("North", "Room 2", telehealth=False) == "North, Room 2"
        assert rules.event_location("North", None, telehealth=False) == "North"
        assert rules.event_location("North", "Room 2", telehealth=True) == "Telehealth"

    def test_webcal(self) -> None:
        assert rules.webcal_url("https://x.org/calendar/feeds/a.ics") == (
            "webcal://x.org/calendar/feeds/a.ics"
        )
        assert rules.webcal_url("http://127.0.0.1:8000/f.ics") == "webcal://127.0.0.1:8000/f.ics"
