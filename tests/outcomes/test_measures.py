"""Each outcome measure against values computed by hand on a five-client cohort.

The cohort (all 2026; D is the day a move takes effect):

- A: PHP 01-05, steps down to IOP 01-19 and to OP 03-02, completes 04-13 (98 days).
- B: IOP 01-05, leaves against advice 01-25 (20 days).
- C: IOP 01-12, referred out to detox 02-02, back to IOP 02-09, steps down to OP 03-16,
  steps up to IOP 04-01, still in care (censored).
- D: OP 02-02, administrative discharge 03-04 (30 days: the 30-day boundary).
- E: PHP 03-02, steps down to IOP 03-16, leaves against advice 05-25 (84 days).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepdown.outcomes import measures as m
from stepdown.outcomes.facts import (
    AttendedDay,
    AuthFact,
    Contact,
    ContactKind,
    EpisodeFact,
    FollowUpFact,
    LevelFact,
    Score,
    Specimen,
    SpecimenOutcome,
    Stretch,
)

START, END, AS_OF = date(2026, 1, 1), date(2026, 6, 30), date(2026, 6, 30)
SITE = uuid.UUID(int=1)
LEVELS = (
    LevelFact("DETOX", "Detox", 1, None, False),
    LevelFact("PHP", "PHP", 3, 20.0, True),
    LevelFact("IOP", "IOP", 4, 9.0, True),
    LevelFact("OP", "OP", 5, 1.0, True),
    LevelFact("AFTERCARE", "Aftercare", 6, None, True),
)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def make_episode(
    name: str,
    moves: list[tuple[str, date, str]],
    *,
    discharged: date | None = None,
    how: str | None = None,
    payer: str = "Acme Health",
) -> EpisodeFact:
    """An episode from its moves (level, effective day, transition), in order."""
    stretches = tuple(
        Stretch(level, "day", on, moves[i + 1][1] if i + 1 < len(moves) else discharged, move)
        for i, (level, on, move) in enumerate(moves)
    )
    return EpisodeFact(
        episode_id=uuid.uuid5(uuid.NAMESPACE_DNS, f"episode-{name}"),
        client_id=uuid.uuid5(uuid.NAMESPACE_DNS, f"client-{name}"),
        site_id=SITE,
        payer=payer,
        admitted_on=moves[0][1],
        discharged_on=discharged,
        discharge_type=how,
        stretches=stretches,
    )


A = make_episode(
    "A",
    [("PHP", d(1, 5), "admit"), ("IOP", d(1, 19), "step_down"), ("OP", d(3, 2), "step_down")],
    discharged=d(4, 13),
    how="completed",
)
B = make_episode("B", [("IOP", d(1, 5), "admit")], discharged=d(1, 25), how="left_against_advice")
C = make_episode(
    "C",
    [
        ("IOP", d(1, 12), "admit"),
        ("DETOX", d(2, 2), "refer_out"),
        ("IOP", d(2, 9), "return_from_referral"),
        ("OP", d(3, 16), "step_down"),
        ("IOP", d(4, 1), "step_up"),
    ],
    payer="Self-pay",
)
D = make_episode("D", [("OP", d(2, 2), "admit")], discharged=d(3, 4), how="administrative")
E = make_episode(
    "E",
    [("PHP", d(3, 2), "admit"), ("IOP", d(3, 16), "step_down")],
    discharged=d(5, 25),
    how="left_against_advice",
)
COHORT = (A, B, C, D, E)


def ids(*episodes: EpisodeFact) -> set[uuid.UUID]:
    return {e.episode_id for e in episodes}


class TestCensusAndFlow:
    def test_point_census_on_mondays(self) -> None:
        census = m.census_by_level(COHORT, LEVELS, START, END)
        first = census.mondays.index(d(1, 5))
        on_feb_2 = census.mondays.index(d(2, 2))
        assert census.counts["PHP"][first] == 1
        assert census.counts["IOP"][first] == 1
        # A at IOP, C referred out (detox), D admitted that day, B gone since 01-25.
        assert census.counts["IOP"][on_feb_2] == 1
        assert census.counts["DETOX"][on_feb_2] == 1
        assert census.counts["OP"][on_feb_2] == 1
        assert census.mondays[0] == d(1, 5)  # 2026-01-01 is a Thursday: first Monday inside

    def test_a_discharge_day_is_not_in_care(self) -> None:
        census = m.census_by_level(COHORT, LEVELS, d(4, 13), d(4, 13))
        assert "PHP" not in census.counts
        assert sum(c[0] for c in census.counts.values()) == 2  # C at IOP, E at IOP

    def test_admissions_and_discharges_per_week(self) -> None:
        flow = m.admissions_and_discharges(COHORT, START, END)
        week = {monday: i for i, monday in enumerate(flow.mondays)}
        assert flow.mondays[0] == d(12, 29) - timedelta(days=365)  # Monday 2025-12-29
        assert flow.admissions[week[d(1, 5)]] == 2
        assert flow.admissions[week[d(1, 12)]] == 1
        assert flow.discharges[week[d(1, 19)]] == 1  # B, 01-25 is a Sunday
        assert sum(flow.admissions) == 5
        assert sum(flow.discharges) == 4

    def test_discharge_reasons(self) -> None:
        reasons = m.discharge_reasons(COHORT, START, END)
        assert reasons.total == 4
        assert reasons.counts == {"left_against_advice": 2, "administrative": 1, "completed": 1}
        assert set(reasons.members["left_against_advice"]) == ids(B, E)


class TestRetention:
    def test_kaplan_meier_by_hand(self) -> None:
        r = m.retention(COHORT, START, END, AS_OF)
        # Durations 20, 30, 84, 98 (discharged) and 169 (C, censored at 06-30).
        assert r.overall.n == 5
        assert r.overall.events == 4
        assert r.overall.at(19) == 1.0
        assert r.overall.at(20) == pytest.approx(0.8)
        assert r.overall.at(30) == pytest.approx(0.6)  # D left on day 30: not retained
        assert r.overall.at(60) == pytest.approx(0.6)
        assert r.overall.at(90) == pytest.approx(0.4)
        assert r.overall.at(98) == pytest.approx(0.2)
        assert r.overall.at(169) == pytest.approx(0.2)
        assert r.overall.at(170) is None  # nobody followed that long

    def test_by_first_level_and_cohort(self) -> None:
        r = m.retention(COHORT, START, END, AS_OF)
        assert set(r.by_first_level) == {"PHP", "IOP", "OP"}
        assert r.by_first_level["PHP"].at(90) == pytest.approx(0.5)  # A 98 days, E 84
        assert r.by_first_level["IOP"].at(30) == pytest.approx(0.5)  # B 20, C censored 169
        assert r.by_first_level["OP"].at(30) == 0.0
        assert set(r.by_cohort) == {"2026-01", "2026-02", "2026-03"}
        assert r.by_cohort["2026-01"].n == 3

    def test_observation_ends_with_the_range(self) -> None:
        """A range ending 02-28: A (98 days) is still in care then, so it is censored."""
        r = m.retention(COHORT, START, d(2, 28), AS_OF)
        assert r.overall.n == 4  # E was admitted after the range
        # Only B (20 days) left by 02-28; D leaves 03-04, so D is censored at 26 days, A at
        # 54 and C at 47.
        assert r.overall.events == 1
        assert r.overall.longest == 54
        assert r.by_first_level["OP"].events == 0
        assert r.overall.at(30) == pytest.approx(0.75)

    def test_length_of_stay(self) -> None:
        stays = {s.level: s for s in m.length_of_stay(COHORT, LEVELS, START, END)}
        assert stays["PHP"].median_days == 14
        assert stays["PHP"].episodes == 2
        assert stays["IOP"].median_days == 42  # A 42, B 20, E 70
        assert stays["OP"].median_days == 36  # A 42, D 30
        assert "DETOX" not in stays  # C is still in care


@settings(deadline=None)  # lifelines loads pandas and scipy on its first fit
@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=60))
def test_kaplan_meier_without_censoring_is_the_plain_share(durations: list[int]) -> None:
    curve = m.kaplan_meier(durations, [True] * len(durations))
    for day in [*sorted(set(durations)), 0, max(durations)]:
        expected = sum(1 for x in durations if x > day) / len(durations)
        assert curve.at(day) == pytest.approx(expected, abs=1e-6)


@settings(deadline=None)  # lifelines loads pandas and scipy on its first fit
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=400), st.booleans()),
        min_size=1,
        max_size=60,
    )
)
def test_kaplan_meier_never_rises(pairs: list[tuple[int, bool]]) -> None:
    curve = m.kaplan_meier([p[0] for p in pairs], [p[1] for p in pairs])
    assert all(a >= b for a, b in zip(curve.survival, curve.survival[1:], strict=False))
    assert all(0.0 <= s <= 1.0 for s in curve.survival)
    assert curve.days == tuple(sorted(curve.days))


def test_kaplan_meier_of_nobody() -> None:
    assert m.kaplan_meier([], []).at(30) is None


SYMPTOM_AS_OF = date(2026, 12, 31)
F = make_episode("F", [("IOP", d(9, 1), "admit")])


def phq(episode: EpisodeFact, on: date, total: int) -> Score:
    return Score(episode.client_id, "phq9", on, total)


PHQ = (
    phq(A, d(1, 5), 20),  # index
    phq(A, d(1, 5) + timedelta(days=125), 12),
    phq(A, d(1, 5) + timedelta(days=227), 10),  # latest in window: exactly half -> response
    phq(B, d(1, 5), 9),  # not elevated
    phq(B, d(1, 12), 15),  # index: the first elevated score
    phq(C, d(1, 12), 4),  # never elevated: not indexed
    phq(D, d(2, 2), 18),  # index
    phq(D, d(2, 2) + timedelta(days=120), 4),  # first day of the window: remission
    phq(D, d(2, 2) + timedelta(days=241), 20),  # a day after the window: ignored
    phq(E, d(3, 2), 11),  # index
    phq(E, d(3, 2) + timedelta(days=240), 6),  # last day of the window: 6 > 5.5, no response
    phq(F, d(9, 1), 16),  # window still open at the end of the year
)


class TestSymptoms:
    def test_drr_e_response_and_remission(self) -> None:
        o = m.symptom_outcomes((*COHORT, F), PHQ, "phq9", START, SYMPTOM_AS_OF, SYMPTOM_AS_OF)
        assert o.indexed == 5
        assert o.pending == 1
        assert o.denominator == 4
        assert set(o.followed) == ids(A, D, E)
        assert set(o.responded) == ids(A, D)
        assert set(o.remitted) == ids(D)
        assert set(o.not_responded) == ids(B, E)
        index = {e.episode_id: e for e in o.closed}
        assert index[B.episode_id].index_total == 15
        assert index[B.episode_id].latest is None

    def test_gad7_is_read_apart(self) -> None:
        gad = (Score(A.client_id, "gad7", d(1, 5), 12),)
        o = m.symptom_outcomes(COHORT, PHQ + gad, "gad7", START, END, SYMPTOM_AS_OF)
        assert o.indexed == 1
        assert set(o.not_responded) == ids(A)

    def test_an_index_outside_the_range_is_left_out(self) -> None:
        o = m.symptom_outcomes(COHORT, PHQ, "phq9", d(2, 1), d(2, 28), SYMPTOM_AS_OF)
        assert {e.episode_id for e in o.closed} == ids(D)

    def test_trajectory_bins_take_each_clients_last_score(self) -> None:
        o = m.symptom_outcomes((*COHORT, F), PHQ, "phq9", START, SYMPTOM_AS_OF, SYMPTOM_AS_OF)
        bins = {week: (median, n) for week, median, n in m.median_by_bin(o)}
        assert bins[0] == (16.0, 5)  # index scores 20, 15, 18, 11, 16
        # Weeks 32-35: A's 10 (week 32.4) and E's 6 (week 34.3); D's 20 on day 241 is past
        # the window and not drawn.
        assert bins[32] == (8.0, 2)


class TestUse:
    def test_drug_tests_by_week(self) -> None:
        specimens = (
            Specimen(A.client_id, d(1, 5), SpecimenOutcome.NEGATIVE),
            Specimen(B.client_id, d(1, 6), SpecimenOutcome.POSITIVE),
            Specimen(C.client_id, d(1, 12), SpecimenOutcome.REFUSED),
            Specimen(C.client_id, d(1, 13), SpecimenOutcome.MISSED),
            Specimen(A.client_id, d(1, 14), SpecimenOutcome.INVALID),
            Specimen(C.client_id, d(1, 15), SpecimenOutcome.NEGATIVE),
            Specimen(C.client_id, d(1, 16), SpecimenOutcome.PENDING),
        )
        by_week = {w.monday: w for w in m.drug_tests_by_week(COHORT, specimens, START, END)}
        assert by_week[d(1, 5)].negative_pct == 50.0
        second = by_week[d(1, 12)]
        assert second.resulted == 1
        assert second.negative_pct == 100.0
        assert second.counts[SpecimenOutcome.REFUSED] == 1
        assert second.counts[SpecimenOutcome.MISSED] == 1
        assert second.counts[SpecimenOutcome.INVALID] == 1
        assert by_week[d(1, 19)].negative_pct is None  # nothing resulted: no rate

    def test_use_by_month_of_care(self) -> None:
        scores = (
            Score(A.client_id, "bam", d(1, 6), None, 1, 0, 2),
            Score(A.client_id, "bam", d(2, 10), None, 0, 0, 0),  # day 36: month 2
            Score(C.client_id, "bam", d(2, 20), None, 0, 2, 3),
            Score(B.client_id, "bam", d(2, 1), None, 4, 4, 12),  # after B's discharge
        )
        checkins = {0: (2, 1), 1: (1, 1)}  # counted in SQL (tests/outcomes/test_service.py)
        months = {u.month: u for u in m.use_by_month_of_care(COHORT, scores, checkins, START, END)}
        assert (months[0].bam, months[0].bam_any_use, months[0].bam_use_mean) == (1, 1, 2.0)
        assert (months[1].bam, months[1].bam_any_use, months[1].bam_use_mean) == (2, 1, 1.5)
        assert (months[0].checkins, months[0].checkins_used) == (2, 1)
        assert (months[1].checkins, months[1].checkins_used) == (1, 1)
        assert months[6].bam == 0
        assert months[6].bam_use_mean is None


class TestContinuum:
    def test_transition_matrix(self) -> None:
        x = m.transition_matrix(COHORT, LEVELS, START, END)
        assert x.rows == ("Admission", "DETOX", "PHP", "IOP", "OP")
        assert x.columns == ("DETOX", "PHP", "IOP", "OP", "Discharge")
        assert x.counts[("Admission", "PHP")] == 2
        assert x.counts[("Admission", "IOP")] == 2
        assert x.counts[("PHP", "IOP")] == 2
        assert x.counts[("IOP", "OP")] == 2
        assert x.counts[("IOP", "DETOX")] == 1
        assert x.counts[("DETOX", "IOP")] == 1
        assert x.counts[("OP", "IOP")] == 1
        assert x.counts[("OP", "Discharge")] == 2
        assert x.counts[("IOP", "Discharge")] == 2
        assert x.counts[("Admission", "OP")] == 1
        assert sum(x.counts.values()) == 16

    def test_step_down_success(self) -> None:
        admissions = {e.client_id: (e.admitted_on,) for e in COHORT}
        thirty, ninety = m.step_down_success(COHORT, admissions, START, END, AS_OF)
        # A 01-19 and 03-02 hold; C 03-16 steps up 04-01; E 03-16 holds 30 days, not 90
        # (left against advice 05-25).
        assert set(thirty.failed) == ids(C)
        assert len(thirty.held) == 3
        assert set(ninety.failed) == ids(C, E)
        assert len(ninety.held) == 2
        assert thirty.pending == ninety.pending == 0

    def test_a_readmission_ends_a_step_downs_success(self) -> None:
        admissions = {A.client_id: (A.admitted_on, d(4, 20))}
        _, ninety = m.step_down_success((A,), admissions, START, END, AS_OF)
        assert set(ninety.failed) == ids(A)  # 03-02 + 90 days covers the 04-20 readmission

    def test_a_window_still_open_is_pending(self) -> None:
        thirty, ninety = m.step_down_success(COHORT, {}, START, END, d(4, 10))
        assert ninety.pending == 4
        assert ninety.denominator == 0
        assert thirty.pending == 2  # C and E (03-16 + 30 = 04-15)

    def test_follow_up_after_step_down_or_return(self) -> None:
        attendance = (
            AttendedDay(A.client_id, d(1, 20), 60),
            AttendedDay(A.client_id, d(3, 10), 90),  # 8 days after 03-02: 30-day only
            AttendedDay(C.client_id, d(2, 15), 180),  # D+6 after the 02-09 return
            AttendedDay(E.client_id, d(3, 22), 0),  # absent: no credit, no follow-up
            AttendedDay(E.client_id, d(3, 23), 180),  # D+7: outside 7 days
        )
        contacts = (
            Contact(C.client_id, d(4, 14), ContactKind.RELAPSE_PREVENTION),  # D+29 after 03-16
            Contact(E.client_id, d(3, 17), ContactKind.CHECK_IN),  # a self check-in: no service
        )
        seven, thirty = m.follow_up_after_transition(
            COHORT, attendance, contacts, START, END, AS_OF
        )
        assert len(seven.met) == 2
        assert len(seven.missed) == 3
        assert len(thirty.met) == 5
        assert not thirty.missed

    def test_aftercare_engagement(self) -> None:
        contacts = (
            Contact(A.client_id, d(4, 19), ContactKind.CHECK_IN),  # discharge + 6
            Contact(D.client_id, d(4, 2), ContactKind.ALUMNI),  # discharge + 29
            Contact(E.client_id, d(6, 24), ContactKind.FOLLOW_UP),  # discharge + 30: too late
        )
        seven, thirty = m.aftercare_engagement(COHORT, contacts, START, END, AS_OF)
        assert set(seven.met) == ids(A)
        assert set(seven.missed) == ids(B, D, E)
        assert set(thirty.met) == ids(A, D)
        assert set(thirty.missed) == ids(B, E)

    def test_follow_up_outcomes_count_the_unreached_as_not_abstinent(self) -> None:
        followups = (
            FollowUpFact(A.episode_id, 30, d(5, 13), True, True, True, False),
            FollowUpFact(D.episode_id, 30, d(4, 3), True, False, None, None),
            FollowUpFact(E.episode_id, 30, d(6, 24), True, True, False, True),
        )
        thirty, ninety = m.follow_up_outcomes(COHORT, followups, (30, 90), START, END, AS_OF)
        assert set(thirty.due) == ids(A, B, D, E)
        assert (thirty.recorded, thirty.reached, thirty.readmitted) == (3, 2, 1)
        assert set(thirty.abstinent) == ids(A)
        assert set(thirty.unreached) == ids(B, D)
        assert set(ninety.due) == ids(B, D)  # A's (07-12) and E's (08-23) fall after 06-30


class TestDose:
    def test_whole_weeks_at_a_level_against_its_minimum(self) -> None:
        attendance = tuple(AttendedDay(A.client_id, d(1, 5 + i), 300) for i in range(5)) + tuple(
            AttendedDay(A.client_id, d(1, 12 + i), 300) for i in range(3)
        )
        doses = {x.level: x for x in m.dose((A,), LEVELS, attendance, START, END, AS_OF)}
        php = doses["PHP"]
        assert php.hours == (25.0, 15.0)
        assert php.met == 1
        assert php.median == 20.0
        assert php.short == (A.episode_id,)
        # IOP 01-19 to 03-02: six whole weeks, no attendance recorded at all.
        assert doses["IOP"].weeks == 6
        assert doses["IOP"].met == 0
        # OP 03-02 to 04-13 (discharge): six whole weeks.
        assert doses["OP"].weeks == 6

    def test_a_partial_week_is_not_counted(self) -> None:
        # E starts PHP on Monday 03-02 and steps down Monday 03-16: two whole weeks.
        doses = {x.level: x for x in m.dose((E,), LEVELS, (), START, END, AS_OF)}
        assert doses["PHP"].weeks == 2


def test_authorizations_by_payer() -> None:
    auths = (
        AuthFact(A.episode_id, "Acme Health", "PHP", "approved", 10, 10, d(1, 5)),
        AuthFact(A.episode_id, "Acme Health", "IOP", "partial", 24, 12, d(1, 19)),
        AuthFact(B.episode_id, "Acme Health", "IOP", "denied", 24, None, d(1, 5)),
        AuthFact(E.episode_id, "Acme Health", "PHP", "pending", 10, None, d(3, 2)),
        AuthFact(C.episode_id, "Self-pay", "IOP", "approved", 5, 5, d(7, 1)),  # after the range
    )
    (acme,) = m.authorizations_by_payer(COHORT, auths, START, END)
    assert acme.counts == {"approved": 1, "partial": 1, "denied": 1, "pending": 1}
    assert acme.decided == 3
    assert (acme.requested_units, acme.approved_units) == (58, 22)


@settings(deadline=None)  # lifelines loads pandas and scipy on its first fit
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=400), st.booleans()),
        min_size=1,
        max_size=60,
    )
)
def test_the_plain_product_limit_equals_lifelines(pairs: list[tuple[int, bool]]) -> None:
    durations, observed = [p[0] for p in pairs], [p[1] for p in pairs]
    fitted, plain = m.kaplan_meier(durations, observed), m.product_limit(durations, observed)
    assert plain.days == fitted.days
    # Both round to 6 places; a value on a half (0.4921875) may round either way after
    # floating-point products, so two roundings of the same survival differ by up to 1e-6.
    assert plain.survival == pytest.approx(fitted.survival, abs=1.5e-6)
    for day in (0, 1, 30, 60, 90, 400, 401):
        assert plain.at(day) == pytest.approx(fitted.at(day), abs=1.5e-6)
