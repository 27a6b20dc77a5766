"""The program's clock (kit.clock): its calendar day, local times for display, wall-clock
times from forms to UTC across both daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from stepdown.kit import clock
from stepdown.kit.errors import Invalid
from stepdown.settings import Settings

NEW_YORK = "America/New_York"


def wall(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time as a person types it: no zone."""
    return datetime(year, month, day, hour, minute)  # noqa: DTZ001


@pytest.fixture
def new_york() -> None:
    """The zone is restored to the default after each test by the autouse fixture in
    tests/conftest.py."""
    clock.set_program_zone(NEW_YORK)


def test_the_default_zone_is_the_settings_default() -> None:
    assert Settings.model_fields["timezone"].default == clock.DEFAULT_ZONE
    assert clock.program_zone().key == clock.DEFAULT_ZONE


class TestToday:
    @pytest.mark.usefixtures("new_york")
    def test_a_us_evening_is_still_today_although_utc_has_moved_on(self) -> None:
        late_evening = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)  # 22:30 EST on the 6th
        assert clock.today(late_evening) == date(2026, 12, 6)
        assert clock.today(datetime(2026, 12, 7, 5, 0, tzinfo=UTC)) == date(2026, 12, 7)

    @pytest.mark.usefixtures("new_york")
    def test_in_summer_the_day_turns_an_hour_earlier_in_utc(self) -> None:
        assert clock.today(datetime(2026, 7, 15, 3, 59, tzinfo=UTC)) == date(2026, 7, 14)
        assert clock.today(datetime(2026, 7, 15, 4, 0, tzinfo=UTC)) == date(2026, 7, 15)

    def test_a_zone_east_of_utc_is_already_tomorrow(self) -> None:
        clock.set_program_zone("Pacific/Auckland")
        assert clock.today(datetime(2026, 12, 6, 12, 0, tzinfo=UTC)) == date(2026, 12, 7)

    def test_setting_the_zone_changes_the_day(self) -> None:
        now = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)
        clock.set_program_zone("UTC")
        assert clock.today(now) == date(2026, 12, 7)
        clock.set_program_zone(NEW_YORK)
        assert clock.today(now) == date(2026, 12, 6)


@pytest.mark.usefixtures("new_york")
class TestLocal:
    def test_the_same_wall_time_in_summer_and_winter_is_a_different_utc_hour(self) -> None:
        summer = clock.local(datetime(2026, 7, 14, 22, 0, tzinfo=UTC))
        winter = clock.local(datetime(2026, 12, 14, 23, 0, tzinfo=UTC))
        assert (summer.hour, summer.tzname()) == (18, "EDT")
        assert (winter.hour, winter.tzname()) == (18, "EST")

    def test_a_naive_value_is_refused_rather_than_guessed(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            clock.local(datetime(2026, 7, 14, 22, 0))  # noqa: DTZ001 - the case under test

    def test_the_input_value_is_local(self) -> None:
        assert clock.input_value(datetime(2026, 7, 14, 22, 0, tzinfo=UTC)) == "2026-07-14T18:00"
        assert clock.input_value(None) == ""

    def test_the_abbreviation_follows_the_season(self) -> None:
        assert clock.zone_abbreviation(datetime(2026, 7, 1, tzinfo=UTC)) == "EDT"
        assert clock.zone_abbreviation(datetime(2026, 12, 1, tzinfo=UTC)) == "EST"


@pytest.mark.usefixtures("new_york")
class TestSpringForward:
    """2026-03-08: at 02:00 EST the clocks go to 03:00 EDT."""

    def test_the_hour_before_and_after_the_gap_convert(self) -> None:
        assert clock.to_utc(wall(2026, 3, 8, 1, 59)) == datetime(2026, 3, 8, 6, 59, tzinfo=UTC)
        assert clock.to_utc(wall(2026, 3, 8, 3, 0)) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)

    def test_a_time_in_the_gap_is_refused_naming_the_skipped_hour(self) -> None:
        with pytest.raises(clock.NonexistentLocalTime) as refused:
            clock.to_utc(wall(2026, 3, 8, 2, 30))
        message = str(refused.value)
        assert "2026-03-08 02:30 does not exist in America/New_York" in message
        assert "from 02:00 to 03:00" in message

    def test_a_form_names_the_field(self) -> None:
        with pytest.raises(Invalid) as refused:
            clock.parse_local("2026-03-08T02:30", field="starts_at")
        assert refused.value.field == "starts_at"
        assert "02:00 to 03:00" in refused.value.message


@pytest.mark.usefixtures("new_york")
class TestFallBack:
    """2026-11-01: at 02:00 EDT the clocks go back to 01:00 EST, so 01:30 happens twice."""

    def test_an_ambiguous_time_is_its_first_occurrence(self) -> None:
        first = clock.to_utc(wall(2026, 11, 1, 1, 30))
        assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not EST
        assert clock.local(first).tzname() == "EDT"

    def test_both_occurrences_still_show_as_0130(self) -> None:
        for instant in (
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
            datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
        ):
            assert clock.local(instant).strftime("%H:%M") == "01:30"

    def test_after_the_change_times_are_standard(self) -> None:
        assert clock.to_utc(wall(2026, 11, 1, 2, 0)) == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
        assert clock.parse_local("2026-11-01T01:30", field="at") == datetime(
            2026, 11, 1, 5, 30, tzinfo=UTC
        )


class TestParseLocal:
    @pytest.mark.usefixtures("new_york")
    @pytest.mark.parametrize("value", ["", "tomorrow", "2026-13-01T10:00", "2026-07-14T25:00"])
    def test_what_is_not_a_date_and_time_is_refused(self, value: str) -> None:
        with pytest.raises(Invalid, match="enter a date and time"):
            clock.parse_local(value, field="at")

    @pytest.mark.usefixtures("new_york")
    @pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59"])
    def test_dates_outside_the_window_are_refused_before_any_arithmetic(self, value: str) -> None:
        with pytest.raises(Invalid) as refused:
            clock.parse_local(value, field="at")
        assert refused.value.field == "at"

    @pytest.mark.usefixtures("new_york")
    def test_a_time_with_a_zone_is_refused(self) -> None:
        with pytest.raises(Invalid, match="without a zone"):
            clock.parse_local("2026-07-14T18:00+02:00", field="at")

    def test_the_same_form_value_lands_on_the_zone_set(self) -> None:
        clock.set_program_zone("Europe/Berlin")
        assert clock.parse_local("2026-07-14 18:00", field="at") == datetime(
            2026, 7, 14, 16, 0, tzinfo=UTC
        )


class TestDayStart:
    @pytest.mark.usefixtures("new_york")
    def test_a_program_day_starts_at_local_midnight(self) -> None:
        assert clock.day_start(date(2026, 7, 14)) == datetime(2026, 7, 14, 4, 0, tzinfo=UTC)
        assert clock.day_start(date(2026, 12, 15)) == datetime(2026, 12, 15, 5, 0, tzinfo=UTC)
        # The day the clocks go forward has 23 hours.
        length = clock.day_start(date(2026, 3, 9)) - clock.day_start(date(2026, 3, 8))
        assert length.total_seconds() == 23 * 3600

    def test_where_midnight_is_skipped_the_day_starts_when_the_clocks_land(self) -> None:
        clock.set_program_zone("America/Havana")  # 2026-03-08 00:00 CST -> 01:00 CDT
        start = clock.day_start(date(2026, 3, 8))
        assert start == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
        assert clock.local(start).strftime("%H:%M %Z") == "01:00 CDT"


@pytest.mark.usefixtures("new_york")
def test_to_utc_takes_only_a_wall_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        clock.to_utc(datetime(2026, 7, 14, 18, 0, tzinfo=UTC))
