"""The summary's arithmetic: attendance rate, hours per week against the level in effect,
the check-in trend, instrument lines and the points for the review."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.accountability import rules
from stepdown.accountability.rules import Booking, CheckinEntry, LevelPeriod, WeekStatus
from stepdown.attendance.models import AttendanceStatus as S
from stepdown.kit.errors import Invalid

MONDAY = date(2026, 10, 5)
TODAY = date(2026, 11, 30)


def iop(starts_on: date = date(2026, 9, 1), ends_on: date | None = None) -> LevelPeriod:
    return LevelPeriod("IOP", "Intensive outpatient", 9.0, True, starts_on, ends_on)


def op(starts_on: date, ends_on: date | None = None) -> LevelPeriod:
    return LevelPeriod("OP", "Outpatient", 1.0, True, starts_on, ends_on)


def booking(day: date, minutes: int, status: S = S.PRESENT) -> Booking:
    return Booking(day, status, minutes, 180)


@pytest.mark.parametrize(
    ("statuses", "attended", "excused", "unexcused", "rate", "without_excused"),
    [
        ([], 0, 0, 0, None, None),
        ([S.PRESENT, S.LATE, S.TELEHEALTH, S.LEFT_EARLY], 4, 0, 0, 1.0, 1.0),
        ([S.PRESENT, S.ABSENT_EXCUSED], 1, 1, 0, 0.5, 1.0),
        ([S.PRESENT, S.ABSENT_EXCUSED, S.ABSENT_UNEXCUSED, S.LATE], 2, 1, 1, 0.5, 2 / 3),
        ([S.ABSENT_EXCUSED], 0, 1, 0, 0.0, None),
        ([S.ABSENT_UNEXCUSED, S.ABSENT_UNEXCUSED], 0, 0, 2, 0.0, 0.0),
    ],
)
def test_attendance_rate(
    statuses: list[S],
    attended: int,
    excused: int,
    unexcused: int,
    rate: float | None,
    without_excused: float | None,
) -> None:
    found = rules.attendance_rate(statuses)
    assert (found.attended, found.excused, found.unexcused) == (attended, excused, unexcused)
    assert found.scheduled == len(statuses)
    assert found.rate == (pytest.approx(rate) if rate is not None else None)
    expected = pytest.approx(without_excused) if without_excused is not None else None
    assert found.rate_without_excused == expected


def test_late_and_left_early_are_attended_and_counted_apart() -> None:
    found = rules.attendance_rate([S.LATE, S.LEFT_EARLY, S.PRESENT])
    assert found.late_or_left_early == 2
    assert found.rate == 1.0


@given(st.lists(st.sampled_from(list(S)), max_size=60))
def test_rates_stay_between_zero_and_one(statuses: list[S]) -> None:
    found = rules.attendance_rate(statuses)
    for rate in (found.rate, found.rate_without_excused):
        assert rate is None or 0.0 <= rate <= 1.0
    assert found.scheduled == len(statuses)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2026, 11, 10), date(2026, 11, 9), "end"),
        (date(2026, 11, 10), TODAY + timedelta(days=1), "end"),
        (TODAY - timedelta(days=rules.MAX_DAYS), TODAY, "start"),
    ],
)
def test_a_range_that_cannot_be_summarised_names_its_field(
    start: date, end: date, field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        rules.check_range(start, end, today=TODAY)
    assert refused.value.field == field


def test_the_longest_range_and_a_single_day_are_fine() -> None:
    rules.check_range(TODAY - timedelta(days=rules.MAX_DAYS - 1), TODAY, today=TODAY)
    rules.check_range(TODAY, TODAY, today=TODAY)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, (TODAY - timedelta(days=29), TODAY)),
        (None, date(2026, 11, 1), (date(2026, 10, 3), date(2026, 11, 1))),
        (date(2026, 11, 20), None, (date(2026, 11, 20), TODAY)),
    ],
)
def test_missing_ends_default_to_thirty_days_ending_today(
    start: date | None, end: date | None, expected: tuple[date, date]
) -> None:
    assert rules.resolve_range(start, end, today=TODAY) == expected


def test_complete_weeks_are_judged_against_the_minimum() -> None:
    start, end = MONDAY, MONDAY + timedelta(days=13)
    bookings = [booking(MONDAY + timedelta(days=d), 180) for d in (0, 2, 3)]  # 9 h, week 1
    bookings.append(booking(MONDAY + timedelta(days=7), 180))  # 3 h, week 2
    weeks = rules.week_hours(start=start, end=end, today=TODAY, levels=[iop()], bookings=bookings)
    assert [(w.monday, w.delivered_minutes, w.status) for w in weeks] == [
        (MONDAY, 540, WeekStatus.MET),
        (MONDAY + timedelta(days=7), 180, WeekStatus.SHORT),
    ]
    assert weeks[1].shortfall_minutes == 360
    assert weeks[0].required_minutes == 540


def test_weeks_cut_by_the_range_or_not_yet_over_are_partial() -> None:
    wednesday = MONDAY + timedelta(days=2)
    weeks = rules.week_hours(
        start=wednesday, end=wednesday + timedelta(days=7), today=TODAY, levels=[iop()], bookings=[]
    )
    assert [(w.first, w.last, w.status) for w in weeks] == [
        (wednesday, MONDAY + timedelta(days=6), WeekStatus.PARTIAL),
        (MONDAY + timedelta(days=7), wednesday + timedelta(days=7), WeekStatus.PARTIAL),
    ]
    running = rules.week_hours(
        start=MONDAY,
        end=MONDAY + timedelta(days=6),
        today=MONDAY + timedelta(days=6),
        levels=[iop()],
        bookings=[],
    )
    assert running[0].status is WeekStatus.PARTIAL


def test_a_mid_week_step_down_is_judged_against_the_new_level() -> None:
    thursday = MONDAY + timedelta(days=3)
    levels = [iop(ends_on=thursday), op(thursday)]
    weeks = rules.week_hours(
        start=MONDAY,
        end=MONDAY + timedelta(days=6),
        today=TODAY,
        levels=levels,
        bookings=[booking(MONDAY, 90)],
    )
    assert weeks[0].level is not None
    assert (weeks[0].level.code, weeks[0].status) == ("OP", WeekStatus.MET)


@pytest.mark.parametrize(
    ("levels", "status"),
    [
        ([], WeekStatus.NOT_IN_CARE),
        ([LevelPeriod("RES", "Residential", 30.0, False, MONDAY, None)], WeekStatus.AWAY),
        ([LevelPeriod("AC", "Aftercare", None, True, MONDAY, None)], WeekStatus.NO_MINIMUM),
        ([iop(MONDAY + timedelta(days=2))], WeekStatus.PARTIAL),  # admitted mid-week
    ],
)
def test_weeks_not_held_to_our_minimum(levels: list[LevelPeriod], status: WeekStatus) -> None:
    weeks = rules.week_hours(
        start=MONDAY, end=MONDAY + timedelta(days=6), today=TODAY, levels=levels, bookings=[]
    )
    assert [w.status for w in weeks] == [status]
    assert not weeks[0].judged


@given(
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 10, 1)),
    length=st.integers(min_value=0, max_value=120),
    days=st.lists(st.integers(min_value=-10, max_value=130), max_size=40),
)
def test_every_week_and_every_minute_in_the_range_counted_once(
    start: date, length: int, days: list[int]
) -> None:
    end = start + timedelta(days=length)
    bookings = [booking(start + timedelta(days=d), 60) for d in days]
    weeks = rules.week_hours(start=start, end=end, today=TODAY, levels=[iop()], bookings=bookings)
    mondays = [w.monday for w in weeks]
    assert len(set(mondays)) == len(mondays) == len(rules.weeks_in(start, end))
    assert all(m.weekday() == 0 for m in mondays)
    assert weeks[0].first == start
    assert weeks[-1].last == end
    covered = sum((w.last - w.first).days + 1 for w in weeks)
    assert covered == length + 1
    inside = sum(60 for d in days if 0 <= d <= length)
    assert sum(w.delivered_minutes for w in weeks) == inside


def test_checkin_trend_halves_and_use_days() -> None:
    start = MONDAY
    end = start + timedelta(days=9)  # ten days: halves of five
    entries = [
        CheckinEntry(start, 2, False),
        CheckinEntry(start, 4, False),  # a day's highest counts: 4
        CheckinEntry(start + timedelta(days=1), 2, False),
        CheckinEntry(start + timedelta(days=6), 7, True),
        CheckinEntry(start + timedelta(days=9), 6, True),
        CheckinEntry(start + timedelta(days=9), 1, False),
        CheckinEntry(end + timedelta(days=1), 9, True),  # after the range
    ]
    trend = rules.checkin_trend(start, end, entries)
    assert (trend.days, trend.days_checked_in) == (10, 4)
    assert (trend.first_half, trend.second_half) == (3.0, 6.5)
    assert trend.direction is rules.Direction.RISING
    assert trend.use_days == (start + timedelta(days=6), end)


@pytest.mark.parametrize(
    ("first", "second", "direction"),
    [
        (5, 5, rules.Direction.STEADY),
        (5, 6, rules.Direction.RISING),
        (6, 5, rules.Direction.FALLING),
        (None, 5, rules.Direction.UNKNOWN),
    ],
)
def test_craving_direction(first: int | None, second: int, direction: rules.Direction) -> None:
    entries = [CheckinEntry(MONDAY + timedelta(days=1), second, False)]
    if first is not None:
        entries.append(CheckinEntry(MONDAY, first, False))
    trend = rules.checkin_trend(MONDAY, MONDAY + timedelta(days=1), entries)
    assert trend.direction is direction


def test_instrument_lines_keep_the_latest_by_the_end_and_the_first_in_range() -> None:
    def phq(day: int, total: int, band: str) -> rules.Score:
        return rules.Score("phq9", "PHQ-9", MONDAY + timedelta(days=day), total, band)

    scores = [
        phq(-20, 15, "moderately severe"),
        phq(1, 12, "moderate"),
        phq(8, 6, "mild"),
        phq(40, 2, "minimal"),  # after the range
        rules.Score("gad7", "GAD-7", MONDAY - timedelta(days=5), 4, "minimal"),
    ]
    lines = rules.instrument_lines(MONDAY, MONDAY + timedelta(days=13), scores)
    assert [(line.latest.name, line.latest.total, line.in_range) for line in lines] == [
        ("GAD-7", 4, 0),
        ("PHQ-9", 6, 2),
    ]
    assert lines[0].first_in_range is None
    assert lines[1].first_in_range is not None
    assert lines[1].first_in_range.total == 12


def _points(**overrides: object) -> list[str]:
    fields: dict[str, object] = {
        "end": MONDAY + timedelta(days=27),
        "attendance": rules.attendance_rate(
            [S.PRESENT] * 18 + [S.ABSENT_EXCUSED, S.ABSENT_UNEXCUSED]
        ),
        "weeks": [],
        "testing": rules.Testing(ordered=5, collected=5),
        "objectives": rules.Objectives(met=[], in_progress=[]),
        "checkins": rules.checkin_trend(MONDAY, MONDAY, []),
        "instruments": [],
    }
    fields.update(overrides)
    return rules.review_points(**fields)  # type: ignore[arg-type]


def test_points_name_attendance_tests_and_check_ins() -> None:
    points = _points()
    assert (
        points[0] == "Attended 18 of 20 booked sessions (90%); absences: 1 excused and 1 unexcused."
    )
    assert "No unexpected positives in 5 tests collected." in points
    assert "0 objectives met; 0 in progress." in points
    assert "No check-ins in the range." in points


def test_points_for_positives_refusals_and_overdue_objectives() -> None:
    testing = rules.Testing(
        ordered=6,
        collected=4,
        refused=1,
        missed=1,
        unexpected_positives={"Cocaine": 2},
        expected_missing={"Buprenorphine": 1},
    )
    late = rules.ObjectiveLine("Attend meetings", MONDAY, "In progress")
    points = _points(
        testing=testing,
        objectives=rules.Objectives(met=[late], in_progress=[late, late]),
    )
    assert "2 unexpected positives (cocaine)." in points
    assert "A prescribed medication was not found 1 time (buprenorphine)." in points
    assert "1 test refused." in points
    assert "1 collection missed." in points
    assert "1 objective met; 2 in progress, 2 past their target date." in points
    mixed = _points(
        testing=rules.Testing(
            ordered=2, collected=2, unexpected_positives={"Cocaine": 1, "Fentanyl": 2}
        )
    )
    assert "3 unexpected positives (cocaine 1, fentanyl 2)." in mixed


def test_points_for_hours_per_level() -> None:
    weeks = rules.week_hours(
        start=MONDAY,
        end=MONDAY + timedelta(days=27),
        today=TODAY,
        levels=[iop(ends_on=MONDAY + timedelta(days=21)), op(MONDAY + timedelta(days=21))],
        bookings=[booking(MONDAY, 540), booking(MONDAY + timedelta(days=21), 60)],
    )
    points = _points(weeks=weeks)
    assert "Hours under the IOP minimum in 2 of 3 weeks." in points
    assert "Met the OP minimum in the one complete week." in points


def test_a_range_without_a_complete_week_says_so() -> None:
    weeks = rules.week_hours(
        start=MONDAY + timedelta(days=2),
        end=MONDAY + timedelta(days=8),
        today=TODAY,
        levels=[iop()],
        bookings=[],
    )
    assert "No complete week in care in the range to hold to the minimum." in _points(weeks=weeks)


def test_points_for_a_rising_craving_use_and_an_instrument_band_change() -> None:
    trend = rules.checkin_trend(
        MONDAY,
        MONDAY + timedelta(days=3),
        [CheckinEntry(MONDAY, 2, False), CheckinEntry(MONDAY + timedelta(days=3), 7, True)],
    )
    first = rules.Score("phq9", "PHQ-9", MONDAY, 7, "mild")
    latest = rules.Score("phq9", "PHQ-9", MONDAY + timedelta(days=3), 12, "moderate")
    points = _points(checkins=trend, instruments=[rules.InstrumentLine(latest, first, 2)])
    assert "Checked in on 2 of 4 days." in points
    assert "Craving rose from 2 to 7 (average, first half against second half)." in points
    assert "Reported use on 1 day." in points
    assert "PHQ-9 moved from 7 (mild) to 12 (moderate)." in points


def test_no_attendance_and_no_tests_are_said_plainly() -> None:
    points = _points(attendance=rules.attendance_rate([]), testing=rules.Testing())
    assert "No attendance was recorded in the range." in points
    assert "No drug tests were ordered in the range." in points
