"""The placement engine against clinical vignettes, table checks and properties.

Expected placements follow the rule table's sources: the ASAM Criteria 3rd ed. (dimension
ratings, highest severity drives intensity, level hours), the program's continuum.md (fit
criteria for PHP, IOP and OP, referral of detox and residential care, track hours) and the
safety rules (Kroenke 2001 PHQ-9 item 9; Columbia C-SSRS triage).
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from stepdown.assessments.rules import CssrsRisk
from stepdown.placement.rule_table import FACTS, parse_condition
from stepdown.placement.rules import (
    DEFAULT_RULES,
    Action,
    Availability,
    DimensionRatings,
    InstrumentSummary,
    Level,
    PlacementFacts,
    RecentLevel,
    Rule,
    RuleTableError,
    SafetyFacts,
    SafetyNote,
    Track,
    WeeklyHours,
    WithdrawalRisk,
    check_rules,
    recommend,
)
from stepdown.safety.rules import GateState

DIMENSIONS = tuple(DimensionRatings.model_fields)


def client(
    d: tuple[int, int, int, int, int, int] = (0, 0, 0, 0, 0, 0),
    *,
    day: bool = True,
    evening: bool = True,
    age: int = 35,
    stable: bool = True,
    recent: str = "none",
    withdrawal: str = "none",
    co_occurring: bool = False,
    **instruments: object,
) -> PlacementFacts:
    return PlacementFacts(
        dimensions=DimensionRatings(**dict(zip(DIMENSIONS, d, strict=True))),
        instruments=InstrumentSummary.model_validate(instruments),
        withdrawal_risk=WithdrawalRisk(withdrawal),
        environment_stable=stable,
        recent_level=RecentLevel(recent),
        age=age,
        co_occurring_mental_health=co_occurring,
        availability=Availability(day=day, evening=evening),
    )


@dataclasses.dataclass(frozen=True)
class Vignette:
    id: str
    facts: PlacementFacts
    level: Level | None
    track: Track
    rule_ids: tuple[str, ...]
    fragment: str


D, T = Level, Track
VIGNETTES = [
    # OP: mild use, support in place, low relapse risk (continuum.md).
    Vignette(
        "new-client-mild-use", client((1, 0, 1, 0, 1, 1)), D.OP, T.DAY, ("FLOOR-OP",), "mild use"
    ),
    Vignette(
        "completed-iop-works-days",
        client((0, 0, 1, 1, 1, 0), recent="iop", day=False),
        D.OP,
        T.EVENING,
        ("FLOOR-OP", "TRACK-EVENING"),
        "evenings are free",
    ),
    Vignette(
        "completed-op-stable",
        client((1, 0, 0, 0, 1, 0), recent="op"),
        D.AFTERCARE,
        T.NONE,
        ("OTHERWISE-AFTERCARE", "TRACK-AFTERCARE"),
        "step down to aftercare",
    ),
    Vignette(
        "audit-zone-ii-only",
        client((0, 0, 0, 0, 1, 1), audit_zone=2, dast10_band="low"),
        D.OP,
        T.DAY,
        ("FLOOR-OP",),
        "→ OP",
    ),
    # Referral out first: dimension 1 or withdrawal risk (ASAM D1; continuum.md detox first).
    Vignette(
        "d1-3-alcohol-withdrawal",
        client((3, 1, 1, 1, 2, 1)),
        D.DETOX,
        T.NONE,
        ("REF-D1-DETOX", "TRACK-REFERRED-OUT"),
        "Dimension 1 rated 3: withdrawal needs medical management → refer to detox first",
    ),
    Vignette(
        "ciwa-severe",
        client((2, 0, 0, 0, 1, 0), withdrawal="severe"),
        D.DETOX,
        T.NONE,
        ("REF-WITHDRAWAL-DETOX",),
        "Withdrawal risk severe",
    ),
    Vignette(
        "cows-moderate-opioids",
        client((1, 0, 0, 0, 2, 1), withdrawal="moderate"),
        D.DETOX,
        T.NONE,
        ("REF-WITHDRAWAL-DETOX",),
        "PHP or IOP follows after",
    ),
    Vignette(
        "detox-then-residential",
        client((3, 0, 0, 0, 1, 4)),
        D.DETOX,
        T.NONE,
        ("REF-D1-DETOX", "REF-D6-RESIDENTIAL"),
        "endangers recovery",
    ),
    # Dimension 1 at 2: PHP's daily medical monitoring.
    Vignette(
        "d1-2", client((2, 0, 1, 1, 1, 1)), D.PHP, T.DAY, ("FLOOR-D1-PHP",), "medical monitoring"
    ),
    # Dimension 2 (biomedical).
    Vignette(
        "d2-4-unstable-medical",
        client((0, 4, 1, 1, 1, 1)),
        D.HOSPITAL,
        T.NONE,
        ("REF-D2-HOSPITAL",),
        "hospital (medically managed inpatient) care",
    ),
    Vignette(
        "d2-3", client((0, 3, 0, 0, 1, 0)), D.PHP, T.DAY, ("FLOOR-D2-PHP",), "frequent medical"
    ),
    Vignette(
        "d2-2",
        client((0, 2, 0, 0, 1, 0)),
        D.IOP,
        T.DAY,
        ("FLOOR-D2-IOP",),
        "medical monitoring as needed",
    ),
    # Dimension 3 and co-occurring needs.
    Vignette(
        "d3-4-psychosis",
        client((0, 0, 4, 1, 1, 1), co_occurring=True),
        D.HOSPITAL,
        T.NONE,
        ("REF-D3-HOSPITAL", "SVC-CO-OCCURRING"),
        "hospital (psychiatric inpatient) care; PHP follows after",
    ),
    Vignette(
        "d3-3",
        client((0, 0, 3, 1, 1, 1), co_occurring=True),
        D.PHP,
        T.DAY,
        ("FLOOR-D3-PHP", "TRACK-PHP-DAY"),
        "extensive clinical and psychiatric support",
    ),
    Vignette(
        "co-occurring-depression",
        client((0, 0, 2, 1, 1, 1), co_occurring=True),
        D.IOP,
        T.DAY,
        ("FLOOR-D3-IOP", "SVC-CO-OCCURRING"),
        "add psychiatric care",
    ),
    Vignette(
        "phq9-severe",
        client((0, 0, 2, 1, 1, 1), phq9_total=21),
        D.IOP,
        T.DAY,
        ("SVC-PHQ9-PSYCHIATRY",),
        "PHQ-9 total 21",
    ),
    # Dimension 4.
    Vignette(
        "d4-ambivalent", client((0, 0, 0, 3, 1, 1)), D.IOP, T.DAY, ("FLOOR-D4-IOP",), "motivational"
    ),
    # Dimension 5: cravings -> IOP; high relapse risk -> PHP.
    Vignette(
        "cravings-works-days",
        client((0, 0, 1, 1, 2, 1), day=False),
        D.IOP,
        T.EVENING,
        ("FLOOR-D5-IOP", "TRACK-EVENING"),
        "frequent cravings",
    ),
    Vignette(
        "cravings-both-tracks-free",
        client((0, 0, 0, 0, 2, 0)),
        D.IOP,
        T.DAY,
        ("TRACK-DAY",),
        "Daytimes are free",
    ),
    Vignette(
        "d5-3",
        client((0, 0, 1, 1, 3, 1)),
        D.PHP,
        T.DAY,
        ("FLOOR-D5-PHP", "TRACK-PHP-DAY"),
        "daily structure",
    ),
    Vignette(
        "d5-3-d6-3",
        client((0, 0, 1, 1, 3, 3)),
        D.RESIDENTIAL,
        T.NONE,
        ("REF-D5-D6-RESIDENTIAL",),
        "refer to residential care",
    ),
    # Dimension 6 and the home.
    Vignette(
        "d6-4-using-household",
        client((0, 0, 0, 0, 1, 4)),
        D.RESIDENTIAL,
        T.NONE,
        ("REF-D6-RESIDENTIAL",),
        "safe home",
    ),
    Vignette("d6-3", client((0, 0, 0, 0, 1, 3)), D.PHP, T.DAY, ("FLOOR-D6-PHP",), "home life"),
    Vignette(
        "d6-2", client((0, 0, 0, 0, 1, 2)), D.IOP, T.DAY, ("FLOOR-D6-IOP",), "limited support"
    ),
    Vignette(
        "unstable-home",
        client((0, 0, 0, 0, 1, 1), stable=False),
        D.IOP,
        T.DAY,
        ("FLOOR-UNSTABLE-HOME-IOP", "SVC-HOUSING"),
        "sober-living referral",
    ),
    Vignette(
        "unstable-home-d6-3",
        client((0, 0, 0, 0, 1, 3), stable=False),
        D.RESIDENTIAL,
        T.NONE,
        ("REF-UNSTABLE-HOME",),
        "low-intensity residential care or sober living",
    ),
    # Use severity from the instruments (continuum.md: IOP for moderate-to-severe use).
    Vignette(
        "audit-zone-iv",
        client((0, 0, 1, 1, 1, 1), audit_zone=4),
        D.IOP,
        T.DAY,
        ("FLOOR-AUDIT-IOP",),
        "AUDIT zone 4",
    ),
    Vignette(
        "dast-substantial",
        client((0, 0, 1, 1, 1, 1), dast10_band="substantial"),
        D.IOP,
        T.DAY,
        ("FLOOR-DAST-IOP",),
        "DAST-10 band substantial",
    ),
    # Arriving from other programs (continuum.md).
    Vignette(
        "post-detox-still-craving",
        client((1, 0, 1, 1, 2, 1), recent="detox"),
        D.PHP,
        T.DAY,
        ("FLOOR-POST-DETOX-PHP",),
        "early post-detox stabilization",
    ),
    Vignette(
        "post-detox-stable",
        client((1, 0, 1, 1, 1, 1), recent="detox"),
        D.IOP,
        T.DAY,
        ("FLOOR-STEP-DOWN-IOP",),
        "Most recent level of care: detox",
    ),
    Vignette(
        "step-down-from-php-back-at-work",
        client((0, 0, 1, 1, 1, 1), recent="php", day=False),
        D.IOP,
        T.EVENING,
        ("FLOOR-STEP-DOWN-IOP", "TRACK-EVENING"),
        "PHP → IOP → OP",
    ),
    Vignette(
        "back-from-residential",
        client((0, 0, 1, 1, 1, 1), recent="residential"),
        D.IOP,
        T.DAY,
        ("FLOOR-STEP-DOWN-IOP",),
        "residential",
    ),
    # No track fits.
    Vignette(
        "php-but-works-days",
        client((0, 0, 1, 1, 3, 1), day=False),
        D.PHP,
        T.NONE,
        ("TRACK-NONE-FITS",),
        "cannot attend any PHP track",
    ),
    Vignette(
        "iop-no-free-hours",
        client((0, 0, 0, 0, 2, 0), day=False, evening=False),
        D.IOP,
        T.NONE,
        ("TRACK-NONE-FITS",),
        "cannot attend any IOP track",
    ),
    # Adolescents.
    Vignette(
        "adolescent-cannabis",
        client((0, 0, 1, 1, 2, 1), age=16),
        D.IOP,
        T.DAY,
        ("SVC-ADOLESCENT",),
        "adolescent groups and family therapy",
    ),
    # Safety first (issue 11): live risk is never placed in outpatient care.
    Vignette(
        "phq9-item9",
        client((0, 0, 1, 0, 1, 1), phq9_total=8, phq9_item9_positive=True),
        None,
        T.NONE,
        ("SAFETY-PHQ9-ITEM9", "SAFETY-HOLD"),
        "same-day safety assessment",
    ),
    Vignette(
        "cssrs-high",
        client((0, 0, 2, 1, 1, 1), cssrs_risk=CssrsRisk.HIGH),
        D.HOSPITAL,
        T.NONE,
        ("SAFETY-CSSRS-HIGH", "SAFETY-REFER-HOSPITAL"),
        "crisis or psychiatric inpatient evaluation",
    ),
    Vignette(
        "cssrs-moderate",
        client((0, 0, 1, 1, 1, 1), cssrs_risk=CssrsRisk.MODERATE),
        None,
        T.NONE,
        ("SVC-CSSRS-MODERATE", "SAFETY-CSSRS-MODERATE", "WARN-CSSRS-D3"),
        "safety plan",
    ),
    # Consistency warnings: the instrument and the rating disagree; the engine says so.
    Vignette(
        "severe-phq9-low-d3",
        client((0, 0, 1, 1, 2, 1), phq9_total=22),
        D.IOP,
        T.DAY,
        ("WARN-PHQ9-D3", "SVC-PHQ9-PSYCHIATRY"),
        "check the Dimension 3 rating",
    ),
    Vignette(
        "audit-zone-iv-no-withdrawal",
        client((0, 0, 1, 1, 2, 1), audit_zone=4),
        D.IOP,
        T.DAY,
        ("WARN-AUDIT-D1",),
        "check withdrawal potential",
    ),
    Vignette(
        "dast-severe-low-relapse-risk",
        client((0, 0, 1, 1, 1, 1), dast10_band="severe"),
        D.IOP,
        T.DAY,
        ("WARN-DAST-D5",),
        "check the relapse-risk rating",
    ),
]


@pytest.mark.parametrize("case", VIGNETTES, ids=lambda case: case.id)
def test_vignette(case: Vignette) -> None:
    """Level and track as the cited DEFAULT_RULES rows give them (ASAM 3rd ed.; continuum.md;
    Kroenke 2001 and Columbia triage for safety), and the named rules among the reasons."""
    result = recommend(case.facts)
    assert (result.level, result.track) == (case.level, case.track)
    assert set(case.rule_ids) <= {r.rule_id for r in result.reasons}
    sentences = [r.sentence for r in result.reasons]
    assert any(case.fragment in s for s in sentences), sentences


def test_vignettes_exercise_every_default_rule() -> None:
    covered = {rule_id for case in VIGNETTES for rule_id in case.rule_ids}
    assert {rule.id for rule in DEFAULT_RULES} <= covered


class TestRecommendationDetail:
    def test_reason_names_rule_fact_value_and_sentence(self) -> None:
        reason = recommend(client((3, 1, 1, 1, 2, 1))).reasons[0]
        assert reason.rule_id == "REF-D1-DETOX"
        assert reason.fact == "Dimension 1 (acute intoxication and/or withdrawal potential)"
        assert reason.value == "3"
        assert reason.sentence == (
            "Dimension 1 rated 3: withdrawal needs medical management → refer to detox first; "
            "PHP or IOP follows after"
        )

    @pytest.mark.parametrize(
        ("facts", "then"),
        [
            (client((3, 1, 1, 1, 1, 1)), Level.IOP),
            (client((2, 0, 0, 0, 1, 0), withdrawal="severe"), Level.PHP),
            (client((0, 0, 4, 1, 1, 1)), Level.PHP),
            (client((3, 0, 0, 0, 1, 4)), Level.RESIDENTIAL),
        ],
        ids=["detox-then-iop", "detox-then-php", "psychiatric-then-php", "detox-then-residential"],
    )
    def test_referral_says_what_follows(self, facts: PlacementFacts, then: Level) -> None:
        """continuum.md: detox comes before PHP or IOP; the in-house level follows."""
        result = recommend(facts)
        assert result.referral_out
        assert result.then_level is then
        assert result.weekly_hours is None

    def test_safety_reasons_come_first(self) -> None:
        facts = client(
            (3, 0, 0, 0, 1, 0), phq9_item9_positive=True, phq9_total=12, cssrs_risk=CssrsRisk.HIGH
        )
        reasons = recommend(facts).reasons
        assert [r.rule_id for r in reasons[:3]] == [
            "SAFETY-CSSRS-HIGH",
            "SAFETY-PHQ9-ITEM9",
            "SAFETY-REFER-HOSPITAL",
        ]
        assert recommend(facts).safety_assessment_needed

    @pytest.mark.parametrize(
        ("facts", "hours"),
        [
            (client((0, 0, 0, 0, 3, 0)), WeeklyHours(at_least=20)),
            (client((0, 0, 0, 0, 2, 0)), WeeklyHours(at_least=9, below=20)),
            (client((0, 0, 0, 0, 2, 0), age=15), WeeklyHours(at_least=6, below=20)),
            (client(), WeeklyHours(below=9)),
            (client(age=17), WeeklyHours(below=6)),
            (client(recent="op"), None),
        ],
        ids=["php", "iop-adult", "iop-adolescent", "op-adult", "op-adolescent", "aftercare"],
    )
    def test_weekly_hours_follow_asam_thresholds(
        self, facts: PlacementFacts, hours: WeeklyHours | None
    ) -> None:
        """ASAM 3rd ed.: PHP >= 20 h; IOP >= 9 h adults, >= 6 adolescents; OP < 9 / < 6."""
        assert recommend(facts).weekly_hours == hours

    def test_hours_read_plainly(self) -> None:
        assert str(WeeklyHours(at_least=20)) == "at least 20 h/week"
        assert str(WeeklyHours(at_least=9, below=20)) == "9 to under 20 h/week"
        assert str(WeeklyHours(below=9)) == "under 9 h/week"

    def test_services_listed_once(self) -> None:
        facts = client((0, 0, 2, 1, 1, 1), co_occurring=True, phq9_total=18)
        assert recommend(facts).services == ("psychiatric care",)

    def test_facts_are_validated(self) -> None:
        with pytest.raises(ValidationError):
            client((5, 0, 0, 0, 0, 0))
        with pytest.raises(ValidationError):
            client(audit_zone=5)


class TestRuleTable:
    def test_default_table_is_valid(self) -> None:
        check_rules(DEFAULT_RULES)

    def test_every_fact_is_described(self) -> None:
        assert set(FACTS) == set(client().fact_values())

    def test_directors_edited_table_is_used(self) -> None:
        """An edited row changes the outcome: frequent cravings now mean PHP."""
        edited = tuple(
            dataclasses.replace(r, drives=Level.PHP) if r.id == "FLOOR-D5-IOP" else r
            for r in DEFAULT_RULES
        )
        assert recommend(client((0, 0, 0, 0, 2, 0)), edited).level is Level.PHP
        assert recommend(client((0, 0, 0, 0, 2, 0))).level is Level.IOP

    def test_conditions_parse(self) -> None:
        assert parse_condition("d1 >= 3").value == 3
        assert parse_condition("environment_stable == false").value is False
        assert parse_condition("level in IOP|OP").value == ("IOP", "OP")
        assert parse_condition("recent_level not in op|iop").op == "not in"

    @pytest.mark.parametrize(
        ("rule_id", "change", "message"),
        [
            ("REF-D1-DETOX", {"when": ("d7 >= 3",)}, "unknown fact 'd7'"),
            ("REF-D1-DETOX", {"when": ("d1 3",)}, "expected 'fact op value'"),
            ("REF-D1-DETOX", {"looks_at": "mood"}, "unknown fact 'mood'"),
            ("REF-D1-DETOX", {"drives": Level.PHP}, "cannot drive 'PHP'"),
            ("REF-D1-DETOX", {"then": None}, "only a referral, names then"),
            ("FLOOR-D5-IOP", {"then": Level.OP}, "only a referral, names then"),
            ("FLOOR-D5-IOP", {"when": ("level == IOP",)}, "only TRACK rules"),
            ("FLOOR-D5-IOP", {"sentence": "rated {rating}"}, "may only use {value}"),
            ("TRACK-DAY", {"drives": "weekend"}, "cannot drive 'weekend'"),
        ],
        ids=[
            "unknown-fact",
            "bad-syntax",
            "unknown-looks-at",
            "referral-to-in-house",
            "referral-without-then",
            "then-outside-referral",
            "level-outside-track",
            "bad-placeholder",
            "unknown-track",
        ],
    )
    def test_faulty_rows_are_refused_by_name(
        self, rule_id: str, change: dict[str, object], message: str
    ) -> None:
        table = tuple(
            dataclasses.replace(r, **change) if r.id == rule_id else r  # type: ignore[arg-type]
            for r in DEFAULT_RULES
        )
        with pytest.raises(RuleTableError, match=f"rule {rule_id}: .*{message}"):
            check_rules(table)
        with pytest.raises(RuleTableError):
            recommend(client(), table)

    def test_duplicate_ids_refused(self) -> None:
        with pytest.raises(RuleTableError, match="rule REF-D1-DETOX: duplicate id"):
            check_rules((*DEFAULT_RULES, DEFAULT_RULES[0]))

    @pytest.mark.parametrize("dropped", ["OTHERWISE-AFTERCARE", "TRACK-NONE-FITS"])
    def test_table_needs_its_fallbacks(self, dropped: str) -> None:
        table = tuple(r for r in DEFAULT_RULES if r.id != dropped)
        with pytest.raises(RuleTableError, match="needs an unconditional"):
            check_rules(table)

    def test_rows_read_as_data(self) -> None:
        rule = next(r for r in DEFAULT_RULES if r.id == "REF-D1-DETOX")
        assert rule == Rule(
            id="REF-D1-DETOX",
            looks_at="d1",
            when=("d1 >= 3",),
            action=Action.REFER,
            drives=Level.DETOX,
            then=Level.IOP,
            sentence=rule.sentence,
        )


facts_strategy = st.builds(
    PlacementFacts,
    dimensions=st.builds(DimensionRatings, **{name: st.integers(0, 4) for name in DIMENSIONS}),
    instruments=st.builds(
        InstrumentSummary,
        phq9_total=st.none() | st.integers(0, 27),
        phq9_item9_positive=st.booleans(),
        cssrs_risk=st.none() | st.sampled_from(CssrsRisk),
        audit_zone=st.none() | st.integers(1, 4),
        dast10_band=st.none()
        | st.sampled_from(["none", "low", "moderate", "substantial", "severe"]),
    ),
    withdrawal_risk=st.sampled_from(WithdrawalRisk),
    environment_stable=st.booleans(),
    recent_level=st.sampled_from(RecentLevel),
    age=st.integers(0, 120),
    co_occurring_mental_health=st.booleans(),
    availability=st.builds(Availability, day=st.booleans(), evening=st.booleans()),
    safety=st.none()
    | st.builds(
        SafetyFacts,
        state=st.sampled_from(GateState),
        reasons=st.just((SafetyNote(rule_id="SAFETY-X", sentence="as read from the chart"),)),
    ),
)

# Referred-out levels by how much care they give: hospital (ASAM 4) above detox above
# residential, all above the in-house levels.
INTENSITY = [
    Level.AFTERCARE,
    Level.OP,
    Level.IOP,
    Level.PHP,
    Level.RESIDENTIAL,
    Level.DETOX,
    Level.HOSPITAL,
]
REFERRED_OUT = (Level.HOSPITAL, Level.DETOX, Level.RESIDENTIAL)


@given(facts=facts_strategy)
def test_any_client_gets_a_deterministic_catalog_recommendation_with_reasons(
    facts: PlacementFacts,
) -> None:
    result = recommend(facts)
    assert result == recommend(facts.model_copy())
    assert result.level is None or result.level in Level
    assert result.track in Track
    assert result.reasons
    engine_ids = {r.rule_id for r in result.reasons if r.action is Action.SAFETY}
    assert {r.rule_id for r in result.reasons} - engine_ids <= {r.id for r in DEFAULT_RULES}
    assert result.referral_out == (result.level in REFERRED_OUT)
    if result.referral_out or result.level is None:
        assert result.track is Track.NONE
        assert result.then_level is not None
    if result.level is Level.PHP:
        assert result.track is not Track.EVENING
    if facts.live_risk:
        assert result.reasons[0].action is Action.SAFETY


@given(facts=facts_strategy)
def test_live_risk_never_gets_an_outpatient_level(facts: PlacementFacts) -> None:
    """Issue 11: while suicide risk is live, placement never returns OP, IOP or aftercare
    (nor PHP): a hold for a safety assessment today, or hospital-level care."""
    result = recommend(facts)
    if facts.live_risk:
        assert result.level in (None, Level.HOSPITAL)
        assert result.weekly_hours is None
    else:
        assert result.level is not None


def _calm(facts: PlacementFacts) -> PlacementFacts:
    """The same facts without any sign of live suicide risk."""
    calm = facts.model_copy(
        update={
            "instruments": facts.instruments.model_copy(
                update={"cssrs_risk": None, "phq9_item9_positive": False}
            ),
            "safety": None,
        }
    )
    assert not calm.live_risk
    return calm


@given(facts=facts_strategy, dimension=st.sampled_from(DIMENSIONS))
def test_a_worse_rating_never_lowers_intensity(facts: PlacementFacts, dimension: str) -> None:
    """ASAM: the highest-severity dimension drives intensity, so raising one never lowers it."""
    current = getattr(facts.dimensions, dimension)
    worse = facts.model_copy(
        update={"dimensions": facts.dimensions.model_copy(update={dimension: min(current + 1, 4)})}
    )
    before, after = recommend(facts), recommend(worse)
    if facts.live_risk:  # the gate does not read the ratings; what follows it does
        assert (before.level, after.level) in ((None, None), (Level.HOSPITAL, Level.HOSPITAL))
        if before.level is None:  # a hold keeps the ratings' whole answer as what follows
            before_level, after_level = before.then_level, after.then_level
        else:  # the gate's hospital referral absorbs the ratings' own: read them alone
            before_level, after_level = recommend(_calm(facts)).level, recommend(_calm(worse)).level
    else:
        before_level, after_level = before.level, after.level
    assert before_level is not None
    assert after_level is not None
    assert INTENSITY.index(after_level) >= INTENSITY.index(before_level)
