"""The check-in schedule, follow-up dates and due/missed states, without a database."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.aftercare import rules
from stepdown.aftercare.rules import CheckInState
from stepdown.kit.errors import Invalid

starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
weeklies = st.integers(min_value=0, max_value=rules.WEEKLY_MAX)
months = st.integers(min_value=1, max_value=rules.MONTHS_MAX)


class TestAddMonths:
    def test_same_day_next_month(self) -> None:
        assert rules.add_months(date(2026, 3, 15), 1) == date(2026, 4, 15)

    def test_month_end_is_clamped(self) -> None:
        assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
        assert rules.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)

    def test_crosses_the_year(self) -> None:
        assert rules.add_months(date(2026, 11, 30), 14) == date(2028, 1, 30)


class TestSchedule:
    def test_default_is_four_weekly_then_monthly_to_a_year(self) -> None:
        dates = rules.checkin_schedule(date(2026, 1, 1))
        assert dates[:4] == [
            date(2026, 1, 8),
            date(2026, 1, 15),
            date(2026, 1, 22),
            date(2026, 1, 29),
        ]
        # February 1 is 3 days after the last weekly one: dropped.
        assert dates[4:] == [date(2026, m, 1) for m in range(3, 13)] + [date(2027, 1, 1)]

    def test_a_month_too_close_to_the_weekly_ones_is_dropped(self) -> None:
        dates = rules.checkin_schedule(date(2026, 1, 1), weekly=4, months=1)
        assert dates == [date(2026, 1, 8), date(2026, 1, 15), date(2026, 1, 22), date(2026, 1, 29)]

    def test_without_weekly_check_ins_it_is_monthly(self) -> None:
        dates = rules.checkin_schedule(date(2026, 1, 10), weekly=0, months=3)
        assert dates == [date(2026, 2, 10), date(2026, 3, 10), date(2026, 4, 10)]

    @pytest.mark.parametrize(
        ("weekly", "months", "field"),
        [
            (-1, 12, "weekly_checkins"),
            (13, 12, "weekly_checkins"),
            (4, 0, "checkin_months"),
            (4, 25, "checkin_months"),
        ],
    )
    def test_out_of_range_settings_are_refused_naming_the_field(
        self, weekly: int, months: int, field: str
    ) -> None:
        with pytest.raises(Invalid) as refused:
            rules.checkin_schedule(date(2026, 1, 1), weekly=weekly, months=months)
        assert refused.value.field == field

    @given(start=starts, weekly=weeklies, months=months)
    def test_dates_increase_after_the_start_and_end_by_the_last_month(
        self, start: date, weekly: int, months: int
    ) -> None:
        dates = rules.checkin_schedule(start, weekly=weekly, months=months)
        assert dates == sorted(set(dates))
        assert all(d > start for d in dates)
        end = max(rules.add_months(start, months), start + timedelta(days=7 * weekly))
        # The last month's date is kept unless it falls within a week of the last weekly one.
        assert end - timedelta(days=rules.MIN_GAP_DAYS) < dates[-1] <= end

    @given(start=starts, weekly=weeklies, months=months)
    def test_weekly_first_then_at_least_a_week_apart(
        self, start: date, weekly: int, months: int
    ) -> None:
        dates = rules.checkin_schedule(start, weekly=weekly, months=months)
        assert dates[:weekly] == [start + timedelta(days=7 * k) for k in range(1, weekly + 1)]
        gaps = [(b - a).days for a, b in itertools.pairwise(dates)]
        assert all(gap >= rules.MIN_GAP_DAYS for gap in gaps)
        # After the weekly ones, one a month: never two in the same calendar month.
        monthly = dates[weekly:]
        assert len({(d.year, d.month) for d in monthly}) == len(monthly)


class TestCheckInState:
    DUE = date(2026, 5, 10)

    @pytest.mark.parametrize(
        ("today", "expected"),
        [
            (date(2026, 5, 9), CheckInState.UPCOMING),
            (date(2026, 5, 10), CheckInState.DUE),
            (date(2026, 5, 13), CheckInState.DUE),
            (date(2026, 5, 14), CheckInState.MISSED),
        ],
    )
    def test_due_through_the_grace_days_then_missed(
        self, today: date, expected: CheckInState
    ) -> None:
        state = rules.checkin_state(due_on=self.DUE, completed=False, today=today, grace_days=3)
        assert state is expected

    def test_completed_wins_even_late(self) -> None:
        state = rules.checkin_state(
            due_on=self.DUE, completed=True, today=date(2027, 1, 1), grace_days=3
        )
        assert state is CheckInState.COMPLETED

    @given(
        today=st.dates(min_value=date(2026, 4, 1), max_value=date(2026, 6, 30)),
        grace=st.integers(0, 14),
    )
    def test_reminder_and_missed_alert_never_both_and_once(self, today: date, grace: int) -> None:
        remind = rules.needs_reminder(
            due_on=self.DUE, completed=False, reminder_sent=False, today=today, grace_days=grace
        )
        alert = rules.needs_missed_alert(
            due_on=self.DUE, completed=False, alerted=False, today=today, grace_days=grace
        )
        assert not (remind and alert)
        assert remind == (self.DUE <= today <= self.DUE + timedelta(days=grace))
        assert alert == (today > self.DUE + timedelta(days=grace))
        assert not rules.needs_reminder(
            due_on=self.DUE, completed=False, reminder_sent=True, today=today, grace_days=grace
        )
        assert not rules.needs_missed_alert(
            due_on=self.DUE, completed=False, alerted=True, today=today, grace_days=grace
        )
        assert not rules.needs_reminder(
            due_on=self.DUE, completed=True, reminder_sent=False, today=today, grace_days=grace
        )

    def test_may_complete_from_a_week_before(self) -> None:
        assert rules.may_complete_checkin(due_on=self.DUE, today=date(2026, 5, 3))
        assert not rules.may_complete_checkin(due_on=self.DUE, today=date(2026, 5, 2))


class TestFollowUps:
    def test_due_30_90_180_365_days_after_discharge(self) -> None:
        assert rules.follow_up_dates(date(2026, 1, 1)) == [
            (30, date(2026, 1, 31)),
            (90, date(2026, 4, 1)),
            (180, date(2026, 6, 30)),
            (365, date(2027, 1, 1)),
        ]

    def test_open_from_a_week_before(self) -> None:
        assert rules.follow_up_open(due_on=date(2026, 1, 31), today=date(2026, 1, 24))
        assert not rules.follow_up_open(due_on=date(2026, 1, 31), today=date(2026, 1, 23))


class TestPlanContent:
    def test_warning_signs_then_coping_steps_are_required(self) -> None:
        assert rules.missing_for_final(rules.PlanFacts("", "")) == "warning_signs"
        assert rules.missing_for_final(rules.PlanFacts("Isolating", " ")) == "coping_steps"
        assert rules.missing_for_final(rules.PlanFacts("Isolating", "Call Sam")) is None

    def test_lines_drop_bullets_and_blanks(self) -> None:
        assert rules.lines("- Isolating\n\n* Not sleeping\n• Skipping meals \n") == [
            "Isolating",
            "Not sleeping",
            "Skipping meals",
        ]
