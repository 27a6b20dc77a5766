"""Minutes credited, weekly hours against the minimum, and the alert triggers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.attendance import rules
from stepdown.attendance.models import AttendanceStatus as S
from stepdown.kit.errors import Invalid

P, L, E, T = S.PRESENT, S.LATE, S.LEFT_EARLY, S.TELEHEALTH
X, U = S.ABSENT_EXCUSED, S.ABSENT_UNEXCUSED


class TestCreditedMinutes:
    @pytest.mark.parametrize(
        ("status", "scheduled", "late", "left", "expected"),
        [
            (P, 180, 0, 0, 180),
            (T, 90, 0, 0, 90),
            (L, 180, 15, 0, 165),
            (E, 180, 0, 30, 150),
            (E, 180, 10, 30, 140),  # late and left early: both missed
            (L, 90, 89, 0, 1),
            (X, 180, 0, 0, 0),
            (U, 180, 0, 0, 0),
        ],
    )
    def test_policy(self, status: S, scheduled: int, late: int, left: int, expected: int) -> None:
        assert rules.credited_minutes(status, scheduled, late, left) == expected

    @pytest.mark.parametrize(
        ("status", "scheduled", "late", "left", "field"),
        [
            (L, 90, 90, 0, "late_minutes"),  # missed it all: that is an absence
            (E, 90, 0, 120, "left_early_minutes"),
            (L, 90, -5, 0, "late_minutes"),
            (E, 90, 0, -1, "left_early_minutes"),
            (P, 90, 15, 0, "late_minutes"),  # minutes with the wrong status
            (U, 90, 0, 10, "left_early_minutes"),
            (L, 90, 0, 0, "late_minutes"),  # late, but by how much?
            (E, 90, 0, 0, "left_early_minutes"),
            (P, 0, 0, 0, "scheduled"),
        ],
    )
    def test_refusals_name_the_field(
        self, status: S, scheduled: int, late: int, left: int, field: str
    ) -> None:
        with pytest.raises(Invalid) as caught:
            rules.credited_minutes(status, scheduled, late, left)
        assert caught.value.field == field

    @given(
        status=st.sampled_from(list(S)),
        scheduled=st.integers(min_value=1, max_value=600),
        late=st.integers(min_value=-10, max_value=700),
        left=st.integers(min_value=-10, max_value=700),
    )
    def test_never_negative_nor_above_scheduled(
        self, status: S, scheduled: int, late: int, left: int
    ) -> None:
        try:
            credited = rules.credited_minutes(status, scheduled, late, left)
        except Invalid:
            return
        assert 0 <= credited <= scheduled
        if status in rules.ABSENT:
            assert credited == 0
        else:
            assert credited == scheduled - late - left > 0


class TestScheduledMinutes:
    def test_from_wall_clock(self) -> None:
        assert rules.scheduled_minutes("18:00", "21:00") == 180
        assert rules.scheduled_minutes("09:30", "10:20") == 50

    @pytest.mark.parametrize(("start", "end"), [("18:00", "18:00"), ("19:00", "18:00")])
    def test_end_before_start(self, start: str, end: str) -> None:
        with pytest.raises(Invalid, match="must start before"):
            rules.scheduled_minutes(start, end)

    @pytest.mark.parametrize("bad", ["6pm", "25:00", "18:75", ""])
    def test_bad_times(self, bad: str) -> None:
        with pytest.raises(Invalid):
            rules.scheduled_minutes(bad, "23:00")


def test_week_starts_monday() -> None:
    assert rules.week_of(date(2026, 12, 3)) == date(2026, 11, 30)  # a Thursday
    assert rules.week_of(date(2026, 11, 30)) == date(2026, 11, 30)
    assert rules.week_of(date(2026, 12, 6)) == date(2026, 11, 30)  # Sunday


class TestStreak:
    @pytest.mark.parametrize(
        ("statuses", "expected"),
        [
            ([], 0),
            ([U], 1),
            ([U, U], 2),
            ([U, P, U], 1),
            ([U, X, U], 2),  # an excused absence neither breaks nor extends a run
            ([U, U, L], 0),
            ([P, U, U, U], 3),
            ([X, X], 0),
            ([U, T], 0),  # telehealth counts as attending
        ],
    )
    def test_trailing_unexcused(self, statuses: list[S], expected: int) -> None:
        assert rules.unexcused_streak(statuses) == expected

    @given(st.lists(st.sampled_from(list(S)), max_size=30))
    def test_matches_a_plain_reading(self, statuses: list[S]) -> None:
        """The run is the unexcused absences after the last attended booking."""
        attended = [i for i, s in enumerate(statuses) if s in rules.ATTENDED]
        tail = statuses[attended[-1] + 1 :] if attended else statuses
        assert rules.unexcused_streak(statuses) == tail.count(U)


def _week(**overrides: object) -> rules.WeekFacts:
    fields: dict[str, object] = {
        "level_code": "IOP",
        "required_hours": 9.0,
        "planned": 540,
        "delivered": 0,
        "remaining": 540,
    }
    fields.update(overrides)
    return rules.WeekFacts(**fields)  # type: ignore[arg-type]


class TestWeeklyHours:
    def test_on_track_when_everything_still_to_come(self) -> None:
        verdict = rules.compliance(_week())
        assert verdict.status is rules.Compliance.ON_TRACK
        assert verdict.reasons == ()

    def test_booked_under_the_minimum(self) -> None:
        verdict = rules.compliance(_week(planned=360, remaining=360))
        assert verdict.status is rules.Compliance.UNDER_BOOKED
        assert verdict.reasons == ("booked 6.0 h of the 9.0 h IOP minimum",)
        assert verdict.shortfall == 180

    def test_short_with_no_sessions_left(self) -> None:
        week = _week(planned=540, delivered=330, remaining=0)
        verdict = rules.compliance(week)
        assert verdict.status is rules.Compliance.SHORT
        assert verdict.reasons == ("3.5 h short with no sessions left this week",)
        assert verdict.shortfall == 210

    def test_projection_counts_what_is_still_scheduled(self) -> None:
        # 2 of 3 sessions held: one absence, one held; the third cannot make up the loss.
        week = _week(planned=540, delivered=180, remaining=180)
        assert week.projected == 360
        assert week.will_end_short
        assert rules.week_alert_due(week)
        verdict = rules.compliance(week)
        assert verdict.reasons[0] == "will end 3.0 h short: 3.0 h delivered + 3.0 h still scheduled"

    def test_meeting_the_minimum_with_room_to_spare(self) -> None:
        week = _week(planned=720, delivered=360, remaining=180)  # missed one of four
        assert not week.will_end_short
        assert not rules.week_alert_due(week)
        assert rules.compliance(week).status is rules.Compliance.ON_TRACK

    def test_schedule_alone_does_not_alert(self) -> None:
        week = _week(planned=360, delivered=180, remaining=180)
        assert week.will_end_short
        assert not rules.week_alert_due(week)

    def test_no_minimum(self) -> None:
        week = _week(level_code="AFTERCARE", required_hours=None, planned=0, remaining=0)
        assert rules.compliance(week).status is rules.Compliance.NO_MINIMUM
        assert not rules.week_alert_due(week)

    def test_unrecorded_sessions_named(self) -> None:
        week = _week(delivered=180, remaining=180, unrecorded=180, unrecorded_count=1)
        verdict = rules.compliance(week)
        assert verdict.status is rules.Compliance.NOT_RECORDED
        assert verdict.reasons == ("attendance not taken for 1 past session",)

    def test_streak_comes_first(self) -> None:
        week = _week(delivered=0, remaining=180, streak=2)
        verdict = rules.compliance(week)
        assert verdict.status is rules.Compliance.ABSENCES
        assert verdict.reasons[0] == "2 unexcused absences in a row"
        assert verdict.reasons[1].startswith("will end 6.0 h short")

    @given(
        planned=st.integers(0, 2000),
        delivered_share=st.floats(0, 1),
        remaining_share=st.floats(0, 1),
        required=st.one_of(st.none(), st.floats(0, 30)),
    )
    def test_shortfall_is_never_negative_and_zero_means_fine(
        self, planned: int, delivered_share: float, remaining_share: float, required: float | None
    ) -> None:
        delivered = int(planned * delivered_share)
        remaining = int((planned - delivered) * remaining_share)
        week = _week(
            planned=planned, delivered=delivered, remaining=remaining, required_hours=required
        )
        verdict = rules.compliance(week)
        assert verdict.shortfall >= 0
        if verdict.shortfall == 0 and planned >= (week.required_minutes or 0):
            assert verdict.status in (rules.Compliance.ON_TRACK, rules.Compliance.NO_MINIMUM)


def test_a_week_short_only_by_its_bookings_is_under_booked() -> None:
    """Everything booked was delivered: the schedule, not the client, is short."""
    week = _week(planned=60, delivered=60, remaining=0)
    verdict = rules.compliance(week)
    assert verdict.status is rules.Compliance.UNDER_BOOKED
    assert verdict.reasons == ("booked 1.0 h of the 9.0 h IOP minimum",)
    assert verdict.shortfall == 480
