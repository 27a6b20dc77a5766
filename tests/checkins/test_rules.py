"""Check-in rules: ranges, the alert threshold, the program-local day and the trend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.checkins import rules
from stepdown.checkins.rules import CheckInError, Draft, Entry, RiskySituation, Trigger

OK = Draft(craving=3, mood=6, used_since_last=False)


def _error(draft: Draft) -> CheckInError:
    with pytest.raises(CheckInError) as caught:
        rules.validate(draft)
    return caught.value


class TestRanges:
    @given(craving=st.integers(0, 10), mood=st.integers(0, 10))
    def test_every_value_on_the_scales_is_accepted(self, craving: int, mood: int) -> None:
        valid = rules.validate(Draft(craving=craving, mood=mood, used_since_last=False))
        assert (valid.craving, valid.mood) == (craving, mood)

    @given(value=st.integers().filter(lambda n: not 0 <= n <= 10))
    def test_craving_outside_0_to_10_is_refused_naming_the_field(self, value: int) -> None:
        error = _error(Draft(craving=value, mood=5, used_since_last=False))
        assert error.field == "craving"
        assert str(value) in error.message

    @given(value=st.integers().filter(lambda n: not 0 <= n <= 10))
    def test_mood_outside_0_to_10_is_refused_naming_the_field(self, value: int) -> None:
        assert _error(Draft(craving=5, mood=value, used_since_last=False)).field == "mood"

    @pytest.mark.parametrize(
        ("draft", "field"),
        [
            (Draft(craving=None, mood=5, used_since_last=False), "craving"),
            (Draft(craving=5, mood=None, used_since_last=False), "mood"),
            (Draft(craving=5, mood=5, used_since_last=None), "used_since_last"),
        ],
    )
    def test_a_missing_answer_is_named_never_taken_as_zero(self, draft: Draft, field: str) -> None:
        assert _error(draft).field == field

    @given(halves=st.integers(0, 48))
    def test_sleep_in_half_hours_from_0_to_24_is_accepted(self, halves: int) -> None:
        hours = Decimal(halves) / 2
        valid = rules.validate(Draft(craving=1, mood=1, used_since_last=False, sleep_hours=hours))
        assert valid.sleep_hours == hours

    @pytest.mark.parametrize("hours", ["-0.5", "24.5", "7.25", "100"])
    def test_sleep_out_of_range_or_off_the_half_hour_is_refused(self, hours: str) -> None:
        draft = Draft(craving=1, mood=1, used_since_last=False, sleep_hours=Decimal(hours))
        assert _error(draft).field == "sleep_hours"

    @given(quality=st.integers().filter(lambda n: not 1 <= n <= 5))
    def test_sleep_quality_outside_1_to_5_is_refused(self, quality: int) -> None:
        draft = Draft(craving=1, mood=1, used_since_last=False, sleep_quality=quality)
        assert _error(draft).field == "sleep_quality"

    def test_unknown_risky_situation_is_refused_and_repeats_are_kept_once(self) -> None:
        draft = Draft(craving=1, mood=1, used_since_last=False, risky_situations=["casino"])
        assert _error(draft).field == "risky_situations"
        repeated = ["offered", "offered", "money"]
        valid = rules.validate(
            Draft(craving=1, mood=1, used_since_last=False, risky_situations=repeated)
        )
        assert valid.risky_situations == (RiskySituation.OFFERED, RiskySituation.MONEY)

    def test_a_substance_without_use_is_refused(self) -> None:
        draft = Draft(craving=1, mood=1, used_since_last=False, substance="beer")
        assert _error(draft).field == "substance"

    @pytest.mark.parametrize(
        ("field", "limit"),
        [("note", rules.NOTE_MAX), ("risky_other", rules.RISKY_OTHER_MAX)],
    )
    def test_text_longer_than_its_limit_is_refused(self, field: str, limit: int) -> None:
        draft = Draft(craving=1, mood=1, used_since_last=False, **{field: "x" * (limit + 1)})
        assert _error(draft).field == field
        fits = Draft(craving=1, mood=1, used_since_last=False, **{field: " y" * (limit // 2)})
        assert getattr(rules.validate(fits), field) == (" y" * (limit // 2)).strip()

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [("", None), ("7", Decimal(7)), ("6,5", Decimal("6.5")), (" 8.0 ", Decimal("8.0"))],
    )
    def test_sleep_hours_as_typed(self, raw: str, expected: Decimal | None) -> None:
        assert rules.parse_sleep_hours(raw) == expected

    @pytest.mark.parametrize("raw", ["seven", "NaN", "inf"])
    def test_sleep_hours_that_are_not_a_number(self, raw: str) -> None:
        with pytest.raises(CheckInError) as caught:
            rules.parse_sleep_hours(raw)
        assert caught.value.field == "sleep_hours"


class TestTriggers:
    def test_craving_8_triggers_and_7_does_not(self) -> None:
        assert rules.triggers(craving=8, used_since_last=False) == (Trigger.CRAVING,)
        assert rules.triggers(craving=7, used_since_last=False) == ()

    @given(craving=st.integers(0, 10), used=st.booleans())
    def test_a_trigger_exactly_when_use_or_craving_at_least_8(
        self, craving: int, used: bool
    ) -> None:
        found = rules.triggers(craving=craving, used_since_last=used)
        assert bool(found) == (used or craving >= 8)
        assert (Trigger.USE in found) == used
        assert (Trigger.CRAVING in found) == (craving >= 8)
        if found:
            assert found[0] is (Trigger.USE if used else Trigger.CRAVING)

    def test_summary_names_use_substance_and_craving(self) -> None:
        summary = rules.alert_summary(
            (Trigger.USE, Trigger.CRAVING), craving=9, substance="alcohol", via="entered by staff"
        )
        assert summary == (
            "Check-in entered by staff: reported use (alcohol), craving 9 of 10: "
            "contact the client today"
        )


class TestSelfHarm:
    """Thoughts of self-harm: required on the form, optional in the API, never None as "no"."""

    def test_yes_is_the_most_urgent_trigger(self) -> None:
        found = rules.triggers(craving=9, used_since_last=True, self_harm_thoughts=True)
        assert found == (Trigger.CRISIS, Trigger.USE, Trigger.CRAVING)
        assert rules.triggers(craving=0, used_since_last=False, self_harm_thoughts=True) == (
            Trigger.CRISIS,
        )

    @pytest.mark.parametrize("answer", [False, None])
    def test_no_or_not_answered_is_no_crisis(self, answer: bool | None) -> None:
        assert rules.triggers(craving=0, used_since_last=False, self_harm_thoughts=answer) == ()

    @given(
        craving=st.integers(0, 10), used=st.booleans(), answer=st.sampled_from([True, False, None])
    )
    def test_a_crisis_exactly_on_yes_and_first(
        self, craving: int, used: bool, answer: bool | None
    ) -> None:
        found = rules.triggers(craving=craving, used_since_last=used, self_harm_thoughts=answer)
        assert (Trigger.CRISIS in found) == (answer is True)
        if answer is True:
            assert found[0] is Trigger.CRISIS
        # The substance findings are the same whatever the answer.
        assert tuple(t for t in found if t is not Trigger.CRISIS) == rules.triggers(
            craving=craving, used_since_last=used
        )

    def test_the_form_refuses_a_blank_naming_the_field(self) -> None:
        blank = Draft(craving=3, mood=6, used_since_last=False, self_harm_required=True)
        error = _error(blank)
        assert error.field == "self_harm_thoughts"
        assert "thoughts of hurting yourself" in error.message

    def test_a_blank_is_named_in_form_order(self) -> None:
        """The question comes after use and before the note, so an earlier blank is named first."""
        draft = Draft(craving=None, mood=6, used_since_last=False, self_harm_required=True)
        assert _error(draft).field == "craving"
        draft = Draft(craving=1, mood=6, used_since_last=None, self_harm_required=True)
        assert _error(draft).field == "used_since_last"

    def test_the_api_may_leave_it_out_and_it_stays_not_answered(self) -> None:
        assert rules.validate(OK).self_harm_thoughts is None

    @pytest.mark.parametrize("answer", [True, False])
    def test_an_answer_is_kept(self, answer: bool) -> None:
        draft = Draft(
            craving=3,
            mood=6,
            used_since_last=False,
            self_harm_thoughts=answer,
            self_harm_required=True,
        )
        assert rules.validate(draft).self_harm_thoughts is answer

    def test_none_is_shown_as_not_answered_never_no(self) -> None:
        assert rules.answer_label(None) == "not answered"
        assert rules.answer_label(False) == "no"
        assert rules.answer_label(True) == "yes"

    def test_the_crisis_summary_carries_no_more_than_needed(self) -> None:
        assert rules.CRISIS_ALERT_SUMMARY == (
            "Check-in: the client reported thoughts of self-harm; same-day safety assessment needed"
        )
        assert Trigger.CRISIS.label == "thoughts of self-harm"

    def test_the_substance_summary_ignores_a_crisis(self) -> None:
        found = rules.triggers(craving=9, used_since_last=False, self_harm_thoughts=True)
        summary = rules.alert_summary(found, craving=9, substance="", via="from the portal")
        assert summary == "Check-in from the portal: craving 9 of 10: contact the client today"


class TestLocalDay:
    def test_evening_in_new_york_is_still_that_day(self) -> None:
        at = datetime(2026, 11, 30, 2, 30, tzinfo=UTC)  # 21:30 on the 29th in New York
        assert rules.local_day(at, ZoneInfo("America/New_York")) == date(2026, 11, 29)
        assert rules.local_day(at, ZoneInfo("UTC")) == date(2026, 11, 30)

    def test_naive_time_is_refused(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            rules.local_day(datetime(2026, 11, 30, 12), ZoneInfo("UTC"))  # noqa: DTZ001


D0 = date(2026, 11, 1)


class TestTrend:
    def test_a_day_keeps_its_worst_craving_and_lowest_mood(self) -> None:
        entries = [Entry(D0, 2, 7), Entry(D0, 9, 8), Entry(D0, 4, 3)]
        assert rules.daily(entries, start=D0, end=D0) == [rules.DayPoint(D0, 9, 3)]

    def test_days_outside_the_window_are_left_out(self) -> None:
        entries = [Entry(D0 - timedelta(days=1), 5, 5), Entry(D0, 1, 1)]
        assert [p.day for p in rules.daily(entries, start=D0, end=D0)] == [D0]

    def test_average_skips_days_without_a_check_in(self) -> None:
        days = [
            rules.DayPoint(D0, 2, 8),
            rules.DayPoint(D0 + timedelta(days=3), 6, 4),
            rules.DayPoint(D0 + timedelta(days=7), 10, 0),  # D0 has left the 7-day window
        ]
        averages = rules.rolling_average(days)
        assert [(a.craving, a.mood, a.days) for a in averages] == [
            (2, 8, 1),
            (4, 6, 2),
            (8, 2, 2),
        ]

    @given(
        values=st.lists(
            st.tuples(st.integers(0, 60), st.integers(0, 10), st.integers(0, 10)), max_size=40
        )
    )
    def test_averages_stay_on_the_scale_one_per_day(
        self, values: list[tuple[int, int, int]]
    ) -> None:
        entries = [Entry(D0 + timedelta(days=d), c, m) for d, c, m in values]
        days = rules.daily(entries, start=D0, end=D0 + timedelta(days=60))
        averages = rules.rolling_average(days)
        assert [a.day for a in averages] == sorted({e.day for e in entries})
        for a in averages:
            assert 0 <= a.craving <= 10
            assert 0 <= a.mood <= 10
            assert 1 <= a.days <= 7

    def test_window_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="window"):
            rules.rolling_average([], window=0)
