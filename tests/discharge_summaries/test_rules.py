"""The pure rules of discharge summaries: events, the last day in care, stays, counts,
statuses as of a day, what a role reads, what signing needs and what it covers."""

from __future__ import annotations

import dataclasses
import itertools
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.attendance.models import AttendanceStatus
from stepdown.continuum.models import Transition
from stepdown.discharge_summaries import rules
from stepdown.discharge_summaries.models import Prognosis, SummaryKind, SummaryStatus
from stepdown.kit.errors import Conflict, Invalid
from stepdown.security.roles import Role
from stepdown.security.signing import content_hash
from stepdown.treatment_plans.models import PlanStatus

DAY = date(2026, 3, 10)


class TestEvents:
    def test_a_referral_out_from_care_asks_for_a_summary(self) -> None:
        assert rules.asks_for_summary(Transition.REFER_OUT, DAY + timedelta(days=9), DAY)

    def test_a_referral_at_admission_does_not(self) -> None:
        """An episode that opens at a partner's detox has no care here to summarise."""
        assert not rules.asks_for_summary(Transition.REFER_OUT, DAY, DAY)

    @pytest.mark.parametrize("transition", [t for t in Transition if t is not Transition.REFER_OUT])
    def test_other_changes_do_not(self, transition: Transition) -> None:
        assert not rules.asks_for_summary(transition, DAY + timedelta(days=9), DAY)

    def test_the_discharge_day_is_the_last_day_in_care(self) -> None:
        assert rules.last_day_in_care(SummaryKind.DISCHARGE, DAY, DAY - timedelta(30)) == DAY

    def test_a_referral_ends_care_here_the_day_before(self) -> None:
        admitted = DAY - timedelta(days=30)
        assert rules.last_day_in_care(SummaryKind.REFERRAL_OUT, DAY, admitted) == DAY - timedelta(
            days=1
        )
        assert rules.last_day_in_care(SummaryKind.REFERRAL_OUT, DAY, DAY) == DAY


def _segments(starts: list[int], open_end: bool) -> list[rules.SegmentFacts]:
    """Contiguous segments starting on the given day offsets from DAY (sorted, distinct)."""
    days = [DAY + timedelta(days=n) for n in starts]
    ends: list[date | None] = [*days[1:], None if open_end else days[-1] + timedelta(days=5)]
    return [
        rules.SegmentFacts(f"Level {i}", f"L{i}", "none", start, end, "step_down")
        for i, (start, end) in enumerate(zip(days, ends, strict=True))
    ]


class TestStays:
    def test_each_stay_is_cut_at_the_last_day(self) -> None:
        segments = _segments([0, 10, 20], open_end=True)
        found = rules.stays(segments, DAY + timedelta(days=14))
        assert [(s.code, s.first_day, s.last_day) for s in found] == [
            ("L0", DAY, DAY + timedelta(days=9)),
            ("L1", DAY + timedelta(days=10), DAY + timedelta(days=14)),
        ]
        assert [s.days for s in found] == [10, 5]

    @given(
        starts=st.lists(st.integers(0, 200), min_size=1, max_size=8, unique=True).map(sorted),
        open_end=st.booleans(),
        cut=st.integers(0, 220),
    )
    def test_stays_tile_the_stay_up_to_the_last_day(
        self, starts: list[int], open_end: bool, cut: int
    ) -> None:
        segments = _segments(starts, open_end)
        last = DAY + timedelta(days=cut)
        found = rules.stays(segments, last)
        assert len(found) == sum(1 for s in segments if s.starts_on <= last)
        for before, after in itertools.pairwise(found):
            assert before.last_day + timedelta(days=1) == after.first_day
        for stay in found:
            assert stay.first_day <= stay.last_day <= last


STATUSES = list(AttendanceStatus)


class TestSessionCounts:
    def test_counts_by_kind_in_a_fixed_order(self) -> None:
        found = rules.count_sessions(
            [
                rules.Booking("group", AttendanceStatus.PRESENT, 90),
                rules.Booking("group", AttendanceStatus.LATE, 75),
                rules.Booking("group", AttendanceStatus.ABSENT_UNEXCUSED, 0),
                rules.Booking("individual", AttendanceStatus.TELEHEALTH, 50),
                rules.Booking("family", AttendanceStatus.ABSENT_EXCUSED, 0),
            ]
        )
        assert [(c.kind, c.attended, c.excused, c.unexcused, c.minutes) for c in found] == [
            ("group", 2, 0, 1, 165),
            ("individual", 1, 0, 0, 50),
            ("family", 0, 1, 0, 0),
        ]
        assert found[0].hours == "2.8 h"

    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["group", "individual", "family", "other"]),
                st.sampled_from(STATUSES),
                st.integers(0, 240),
            ),
            max_size=40,
        )
    )
    def test_every_booking_of_a_counted_kind_is_counted_once(
        self, rows: list[tuple[str, AttendanceStatus, int]]
    ) -> None:
        found = {c.kind: c for c in rules.count_sessions(rules.Booking(*r) for r in rows)}
        assert list(found) == list(rules.SESSION_KINDS)
        for kind, count in found.items():
            mine = [r for r in rows if r[0] == kind]
            assert count.attended + count.excused + count.unexcused == len(mine)
            assert count.minutes == sum(r[2] for r in mine)


class TestHistory:
    def test_the_plan_in_effect_is_the_newest_signed_by_the_day(self) -> None:
        episode = uuid.uuid4()
        plans = [
            rules.PlanVersion(uuid.uuid4(), episode, 1, PlanStatus.SUPERSEDED, DAY),
            rules.PlanVersion(uuid.uuid4(), episode, 2, PlanStatus.ACTIVE, DAY + timedelta(9)),
            rules.PlanVersion(uuid.uuid4(), episode, 3, PlanStatus.DRAFT, None),
            rules.PlanVersion(uuid.uuid4(), uuid.uuid4(), 4, PlanStatus.ACTIVE, DAY),
        ]
        chosen = rules.plan_in_effect(plans, episode, DAY + timedelta(days=5))
        assert chosen is not None
        assert chosen.version == 1
        later = rules.plan_in_effect(plans, episode, DAY + timedelta(days=30))
        assert later is not None
        assert later.version == 2
        assert rules.plan_in_effect(plans, episode, DAY - timedelta(days=1)) is None

    def test_a_status_is_the_latest_change_dated_by_the_day(self) -> None:
        t0 = datetime(2026, 3, 1, tzinfo=UTC)
        changes = [
            rules.StatusChange(DAY, t0 + timedelta(hours=2), "met"),
            rules.StatusChange(DAY, t0 + timedelta(hours=1), "in_progress"),
            rules.StatusChange(DAY - timedelta(days=3), t0, "in_progress"),
            rules.StatusChange(DAY + timedelta(days=3), t0, "discontinued"),
        ]
        assert rules.status_on(changes, DAY) == "met"
        assert rules.status_on(changes, DAY - timedelta(days=1)) == "in_progress"
        assert rules.status_on(changes, DAY - timedelta(days=4)) is None


def _facts() -> rules.Facts:
    return rules.Facts(
        kind="discharge",
        admitted_on=DAY,
        event_on=DAY + timedelta(days=40),
        last_day=DAY + timedelta(days=40),
        disposition="Discharged (completed)",
        partner=None,
        levels=(rules.LevelStay("IOP", "IOP", "evening", DAY, DAY + timedelta(40), "admit"),),
        sessions=rules.count_sessions([rules.Booking("group", AttendanceStatus.PRESENT, 90)]),
        testing=rules.TestingCount(ordered=2, collected=2, resulted_specimens=2),
        diagnoses=(rules.DiagnosisLine("F10.20", "Alcohol dependence", "principal", "", DAY),),
        plan_version=1,
        goals=(
            rules.GoalLine(
                "Stay sober", (rules.ObjectiveLine("Three meetings a week", DAY, "met"),)
            ),
        ),
        medications=(rules.MedicationLine("Naltrexone", "Dr. A", DAY, True),),
        referrals=(rules.ReferralLine("Housing", "Harbor House", "Accepted", DAY),),
        aftercare_status="final",
        aftercare=(rules.Line("Meetings", "AA, Saturdays"),),
    )


class TestFacts:
    def test_facts_survive_a_trip_through_json(self) -> None:
        facts = _facts()
        stored = json.loads(json.dumps(rules.facts_to_json(facts)))
        assert rules.facts_from_json(stored) == facts
        assert content_hash(stored) == content_hash(rules.facts_to_json(facts))

    @pytest.mark.parametrize(
        ("role", "withheld"),
        [
            (Role.CLINICIAN, set()),
            (Role.DIRECTOR, set()),
            (Role.SYSTEM, set()),
            (Role.CASE_MANAGER, {rules.Section.DIAGNOSES}),
            (Role.UTILIZATION_REVIEW, {rules.Section.REFERRALS, rules.Section.AFTERCARE}),
            (Role.ADMIN, set(rules.Section)),
        ],
    )
    def test_each_role_reads_the_sections_it_reads_at_their_source(
        self, role: Role, withheld: set[rules.Section]
    ) -> None:
        assert rules.withheld_for(role) == withheld

    def test_a_withheld_section_is_emptied_and_the_rest_kept(self) -> None:
        facts = _facts()
        hidden = rules.withhold(facts, {rules.Section.DIAGNOSES, rules.Section.AFTERCARE})
        assert hidden.diagnoses == ()
        assert hidden.aftercare == ()
        assert hidden.aftercare_status == ""
        assert hidden.medications == facts.medications
        assert hidden.levels == facts.levels
        services = rules.withhold(facts, {rules.Section.SERVICES})
        assert services.testing == rules.TestingCount()
        assert all(s.attended == 0 for s in services.sessions)


class TestNarrative:
    def test_signing_names_every_missing_field_and_points_at_the_first(self) -> None:
        with pytest.raises(Invalid) as excinfo:
            rules.require_complete(rules.Narrative(reason="Completed.", recommendations="Meet"))
        assert excinfo.value.field == "prognosis"
        assert "prognosis, course of treatment" in excinfo.value.message
        rules.require_complete(
            rules.Narrative("Done.", Prognosis.GOOD, "", "Weekly therapy", "Engaged")
        )

    def test_lengths_are_bounded_per_field(self) -> None:
        too_long = "x" * (rules.LIMITS["narrative"] + 1)
        with pytest.raises(Invalid) as excinfo:
            rules.check_lengths(rules.Narrative(narrative=too_long))
        assert excinfo.value.field == "narrative"

    def test_an_addendum_has_words(self) -> None:
        with pytest.raises(Invalid):
            rules.check_addendum("   ")
        assert rules.check_addendum("  Fixed the date. ") == "Fixed the date."

    def test_states(self) -> None:
        rules.require_draft(SummaryStatus.DRAFT)
        for status in (SummaryStatus.AWAITING_COSIGNATURE, SummaryStatus.SIGNED):
            with pytest.raises(Conflict) as excinfo:
                rules.require_draft(status)
            assert excinfo.value.rule == rules.FROZEN
            rules.require_filed(status)
        with pytest.raises(Conflict):
            rules.require_filed(SummaryStatus.DRAFT)
        rules.require_awaiting(SummaryStatus.AWAITING_COSIGNATURE)
        with pytest.raises(Conflict):
            rules.require_awaiting(SummaryStatus.SIGNED)


class TestSignedContent:
    def test_the_signature_covers_the_words_and_the_facts(self) -> None:
        ids = {"summary_id": uuid.uuid4(), "episode_id": uuid.uuid4()}
        words = rules.Narrative("Done.", Prognosis.GOOD, "", "Weekly therapy", "Engaged")
        facts = rules.facts_to_json(_facts())

        def digest(narrative: rules.Narrative, stored: dict[str, object]) -> str:
            return content_hash(
                rules.signed_content(
                    **ids,
                    kind=SummaryKind.DISCHARGE,
                    segment_id=None,
                    event_on=DAY,
                    narrative=narrative,
                    facts=stored,
                )
            )

        signed = digest(words, facts)
        assert digest(words, json.loads(json.dumps(facts))) == signed
        assert digest(dataclasses.replace(words, reason="Done!"), facts) != signed
        changed = json.loads(json.dumps(facts))
        changed["medications"] = []
        assert digest(words, changed) != signed
