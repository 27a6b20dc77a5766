"""Exact scoring of the instruments the program administers.

Every item list, range and cut-off below names its source next to it. Item labels are our own
short paraphrases (several instruments are copyrighted; staff read the licensed form itself).

A missing answer is an error, never a zero: a blank PHQ-9 item 9 scored as 0 would hide the
one answer that needs a same-day response.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from stepdown.kit.errors import Invalid


class InstrumentError(Invalid, ValueError):
    """Answers that cannot be scored; the message names the item so staff can fix that answer."""


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class CssrsRisk(StrEnum):
    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


PHQ9_ITEM9_POSITIVE = "phq9_item9_positive"
CSSRS_HIGH = "cssrs_high"
# Flags that must reach a clinician the same day, whatever else the score says.
SAFETY_FLAGS = frozenset({PHQ9_ITEM9_POSITIVE, CSSRS_HIGH})


@dataclass(frozen=True)
class Item:
    number: str
    label: str
    allowed: tuple[int, ...]


@dataclass(frozen=True)
class Band:
    label: str
    low: int
    high: int


@dataclass(frozen=True)
class InstrumentSpec:
    code: str
    name: str
    source: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...] = ()
    # Only the AUDIT-C moves its cut-off by sex (Bradley 2007).
    bands_for_women: tuple[Band, ...] | None = None
    subscales: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    has_total: bool = True
    loinc_panel: str | None = None
    loinc_total: str | None = None

    @property
    def item_count(self) -> int:
        return len(self.items)

    @property
    def total_range(self) -> tuple[int, int]:
        return sum(min(i.allowed) for i in self.items), sum(max(i.allowed) for i in self.items)

    def bands_for(self, sex: Sex | None = None) -> tuple[Band, ...]:
        if sex is Sex.FEMALE and self.bands_for_women is not None:
            return self.bands_for_women
        return self.bands

    def band_for(self, total: int, sex: Sex | None = None) -> str:
        return next(b.label for b in self.bands_for(sex) if b.low <= total <= b.high)


@dataclass(frozen=True)
class Score:
    instrument: str
    total: int | None
    band: str | None
    subscales: Mapping[str, int] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()

    @property
    def safety_alert(self) -> bool:
        return bool(self.flags & SAFETY_FLAGS)


Answers = Sequence[int | None]


def _items(allowed: tuple[int, ...], *labels: str, first: int = 1) -> tuple[Item, ...]:
    return tuple(Item(str(n), label, allowed) for n, label in enumerate(labels, start=first))


def _bands(*bands: tuple[str, int, int]) -> tuple[Band, ...]:
    return tuple(Band(*b) for b in bands)


# PHQ-9: nine DSM-IV criteria, each 0 not at all, 1 several days, 2 more than half the days,
# 3 nearly every day, over the last two weeks; total 0-27; the tenth (difficulty) question is not
# scored. Cut points 5/10/15/20 = mild/moderate/moderately severe/severe; >= 10 had 88%
# sensitivity and specificity for major depression (Kroenke, Spitzer, Williams 2001, J Gen Intern
# Med 16:606). LOINC: panel 44249-1, total 44261-6 (US Core FHIR examples; loinc.org not read).
PHQ9 = InstrumentSpec(
    code="phq9",
    name="PHQ-9",
    source="Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606",
    items=_items(
        (0, 1, 2, 3),
        "Loss of interest or enjoyment",
        "Low, depressed or hopeless mood",
        "Sleeping too little or too much",
        "Tiredness or low energy",
        "Poor appetite or overeating",
        "Feeling like a failure or bad about oneself",
        "Trouble concentrating",
        "Slowed down, or restless and fidgety",
        "Thoughts of being better off dead or of self-harm",
    ),
    bands=_bands(
        ("minimal", 0, 4),
        ("mild", 5, 9),
        ("moderate", 10, 14),
        ("moderately severe", 15, 19),
        ("severe", 20, 27),
    ),
    loinc_panel="44249-1",
    loinc_total="44261-6",
)

# GAD-7: seven items on the PHQ 0-3 scale, total 0-21; 5/10/15 = mild/moderate/severe; >= 10 is
# the cut point for further evaluation (Spitzer, Kroenke, Williams, Lowe 2006, Arch Intern Med
# 166:1092). LOINC: panel 69737-5 (public FHIR code, not loinc.org), total 70274-6 (MII PRO IG).
GAD7 = InstrumentSpec(
    code="gad7",
    name="GAD-7",
    source="Spitzer, Kroenke, Williams & Lowe 2006, Arch Intern Med 166:1092",
    items=_items(
        (0, 1, 2, 3),
        "Nervous, anxious or on edge",
        "Unable to stop or control worry",
        "Worrying too much about many things",
        "Trouble relaxing",
        "So restless it is hard to sit still",
        "Easily annoyed or irritable",
        "Afraid something awful might happen",
    ),
    bands=_bands(("minimal", 0, 4), ("mild", 5, 9), ("moderate", 10, 14), ("severe", 15, 21)),
    loinc_panel="69737-5",
    loinc_total="70274-6",
)

_AUDIT_CONSUMPTION = (
    "How often the client drinks (0 never ... 4 four or more times a week)",
    "Drinks on a typical drinking day (0 one or two ... 4 ten or more)",
    "How often six or more drinks on one occasion (0 never ... 4 daily or almost)",
)
_AUDIT_HARM_SCALE = (0, 2, 4)

# AUDIT: items 1-8 score 0-4; items 9 and 10 score only 0 (no), 2 (yes, not in the last year) or
# 4 (yes, in the last year); total 0-40. Risk zones I 0-7 (alcohol education), II 8-15 (simple
# advice), III 16-19 (advice, brief counselling, monitoring), IV 20-40 (referral to a specialist
# for diagnostic evaluation and treatment) (Babor, Higgins-Biddle, Saunders, Monteiro 2001, WHO
# AUDIT manual 2nd ed., WHO/MSD/MSB/01.6a). No AUDIT total LOINC code was verified.
AUDIT = InstrumentSpec(
    code="audit",
    name="AUDIT",
    source="Babor et al. 2001, WHO/MSD/MSB/01.6a (AUDIT manual, 2nd ed.)",
    items=(
        *_items((0, 1, 2, 3, 4), *_AUDIT_CONSUMPTION),
        *_items(
            (0, 1, 2, 3, 4),
            "Could not stop drinking once started, last year",
            "Failed to do what was expected because of drinking, last year",
            "Needed a morning drink after heavy drinking, last year",
            "Guilt or remorse after drinking, last year",
            "Could not remember the night before because of drinking, last year",
            first=4,
        ),
        *_items(
            _AUDIT_HARM_SCALE,
            "Someone injured because of the client's drinking (0 no, 2 not last year, 4 last year)",
            "Someone concerned or advised cutting down (0 no, 2 not last year, 4 last year)",
            first=9,
        ),
    ),
    bands=_bands(("zone I", 0, 7), ("zone II", 8, 15), ("zone III", 16, 19), ("zone IV", 20, 40)),
)

# AUDIT-C: AUDIT items 1-3, total 0-12 (Bush et al. 1998, Arch Intern Med 158:1789). Positive at
# >= 4 for men and >= 3 for women (Bradley et al. 2007, Alcohol Clin Exp Res 31:1208; the same
# thresholds in the US Core AUDIT-C example). LOINC: panel 72109-2 (HL7 MCC IG table of LOINC
# panels), total 75626-2 (US Core Observation example).
AUDIT_C = InstrumentSpec(
    code="auditc",
    name="AUDIT-C",
    source="Bush et al. 1998, Arch Intern Med 158:1789; Bradley et al. 2007, ACER 31:1208",
    items=_items((0, 1, 2, 3, 4), *_AUDIT_CONSUMPTION),
    bands=_bands(("negative", 0, 3), ("positive", 4, 12)),
    bands_for_women=_bands(("negative", 0, 2), ("positive", 3, 12)),
    loinc_panel="72109-2",
    loinc_total="75626-2",
)

# DAST-10: ten yes/no questions about the last 12 months, answered 1 = yes, 0 = no. One point per
# "yes" except question 3 (always able to stop), where "no" scores the point; total 0-10. Bands
# 0 none, 1-2 low, 3-5 moderate, 6-8 substantial, 9-10 severe (Skinner 1982, Addict Behav 7:363;
# interpretation table as given by NIDA CDE 3254089 and the Australian comorbidity guidelines,
# Appendix W). No DAST-10 LOINC code was verified.
DAST10 = InstrumentSpec(
    code="dast10",
    name="DAST-10",
    source="Skinner 1982, Addict Behav 7:363",
    items=_items(
        (0, 1),
        "Used drugs other than for medical reasons (1 yes, 0 no)",
        "Used more than one drug at a time (1 yes, 0 no)",
        "Always able to stop using when wanted (1 yes, 0 no; a 'no' scores)",
        "Blackouts or flashbacks from drug use (1 yes, 0 no)",
        "Felt bad or guilty about drug use (1 yes, 0 no)",
        "Spouse or parents complained about drug use (1 yes, 0 no)",
        "Neglected family because of drug use (1 yes, 0 no)",
        "Illegal activities to obtain drugs (1 yes, 0 no)",
        "Withdrawal symptoms after stopping (1 yes, 0 no)",
        "Medical problems from drug use (1 yes, 0 no)",
    ),
    bands=_bands(
        ("none", 0, 0), ("low", 1, 2), ("moderate", 3, 5), ("substantial", 6, 8), ("severe", 9, 10)
    ),
)

_DAYS = (0, 1, 2, 3, 4)  # 0 = none, 1 = 1-3, 2 = 4-8, 3 = 9-15, 4 = 16-30 of the past 30 days
_EXTENT = (0, 1, 2, 3, 4)  # 0 = not at all, 1 slightly, 2 moderately, 3 considerably, 4 extremely

# BAM (Brief Addiction Monitor), past 30 days: 17 numbered items, each answered in five ordered
# categories scored 0-4 (days: 0, 1-3, 4-8, 9-15, 16-30; health: excellent ... poor; extent: not
# at all ... extremely); item 14 (enough legal income) is no = 0, yes = 4. Item 5 is skipped when
# item 4 is 0. Item 7 (days per drug class, 7A-7G) only elaborates item 6 and is on no subscale,
# so it is not asked here. Subscales: Use = 4+5+6 (0-12), Risk = 1+2+3+8+11+15 (0-24),
# Protective = 9+10+12+13+14+16 (0-24); item 17 rates progress and is on no subscale; no total
# is used (Cacciola et al. 2013, J Subst Abuse Treat 44:256; VA BAM form as published in the VA
# "Volume 6: Patient Resources"; VISN 4 MIRECC scoring notes). The VA BAM manual itself could not
# be read here: the 0-4 coding of item 14 comes from the published form's order and secondary
# summaries (Blueprint, Kipu). No cut-offs are encoded: the BAM tracks change over time.
BAM = InstrumentSpec(
    code="bam",
    name="BAM",
    source="Cacciola et al. 2013, J Subst Abuse Treat 44:256; VA Brief Addiction Monitor form",
    items=(
        Item("1", "Physical health (0 excellent ... 4 poor)", _EXTENT),
        Item("2", "Nights with trouble falling or staying asleep (days scale)", _DAYS),
        Item("3", "Days depressed, anxious, angry or very upset most of the day", _DAYS),
        Item("4", "Days with any alcohol", _DAYS),
        Item("5", "Days with heavy drinking (5+ drinks; 4+ for women or over 65)", _DAYS),
        Item("6", "Days with illegal drugs or misused prescription medicine", _DAYS),
        Item("8", "Bothered by cravings or urges to use (extent)", _EXTENT),
        Item("9", "Confidence in staying fully abstinent the next 30 days (extent)", _EXTENT),
        Item("10", "Days at self-help meetings", _DAYS),
        Item("11", "Days in situations or with people that raise the risk of use", _DAYS),
        Item("12", "Religion or spirituality supports recovery (extent)", _EXTENT),
        Item("13", "Days spent mostly at work, school or volunteering", _DAYS),
        Item("14", "Enough legal income for necessities (0 no, 4 yes)", (0, 4)),
        Item("15", "Bothered by arguments or trouble with family or friends (extent)", _EXTENT),
        Item("16", "Days in contact with family or friends who support recovery", _DAYS),
        Item("17", "Satisfied with progress toward recovery goals (extent)", _EXTENT),
    ),
    subscales=MappingProxyType(
        {
            "use": ("4", "5", "6"),
            "risk": ("1", "2", "3", "8", "11", "15"),
            "protective": ("9", "10", "12", "13", "14", "16"),
        }
    ),
    has_total=False,
)

# C-SSRS screener (past-month version): questions 1-5 on ideation in the past month, 1 = yes,
# 0 = no; question 6 on suicidal behaviour, answered 0 = never, 1 = yes but more than 3 months
# ago, 2 = yes within the past 3 months. Answers to questions the skip pattern leaves out are
# recorded as 0; a "yes" is never rejected, because refusing to record risk is worse than an
# inconsistent form.
CSSRS = InstrumentSpec(
    code="cssrs",
    name="C-SSRS screener",
    source="Columbia Lighthouse Project: C-SSRS screener and clinical triage guidelines",
    items=(
        *_items(
            (0, 1),
            "Wished to be dead or not to wake up (past month)",
            "Had actual thoughts of killing oneself (past month)",
            "Thought about how one might do it (past month)",
            "Had some intention of acting on the thoughts (past month)",
            "Worked out a plan and intends to carry it out (past month)",
        ),
        Item(
            "6",
            "Did, started or prepared anything to end one's life (0 never, 1 over 3 months "
            "ago, 2 within 3 months)",
            (0, 1, 2),
        ),
    ),
    has_total=False,
)


def _validated(spec: InstrumentSpec, answers: Answers) -> dict[str, int]:
    if len(answers) > spec.item_count:
        raise InstrumentError(
            f"{spec.name} has {spec.item_count} items, got {len(answers)} answers",
            field="answers",
        )
    values: dict[str, int] = {}
    for position, item in enumerate(spec.items):
        answer = answers[position] if position < len(answers) else None
        if answer is None:
            raise InstrumentError(f"item {item.number}: missing", field=f"item {item.number}")
        if answer not in item.allowed:
            allowed = ", ".join(str(a) for a in item.allowed)
            raise InstrumentError(
                f"item {item.number}: {answer} is not one of {allowed}", field=f"item {item.number}"
            )
        values[item.number] = answer
    return values


def _summed(spec: InstrumentSpec, answers: Answers) -> tuple[dict[str, int], int]:
    values = _validated(spec, answers)
    return values, sum(values.values())


def score_phq9(answers: Answers) -> Score:
    values, total = _summed(PHQ9, answers)
    flags = set()
    # Any answer above "not at all" on item 9 needs a same-day safety follow-up, whatever the
    # total (Kroenke 2001 PHQ-9; the domain brief's safety rule).
    if values["9"] > 0:
        flags.add(PHQ9_ITEM9_POSITIVE)
    if total >= 10:  # Kroenke 2001: >= 10, 88% sensitivity and specificity for major depression
        flags.add("phq9_screen_positive")
    return Score(PHQ9.code, total, PHQ9.band_for(total), flags=frozenset(flags))


def score_gad7(answers: Answers) -> Score:
    _, total = _summed(GAD7, answers)
    # Spitzer 2006: a score of 10 or more warrants further evaluation.
    flags = frozenset({"gad7_screen_positive"}) if total >= 10 else frozenset()
    return Score(GAD7.code, total, GAD7.band_for(total), flags=flags)


def score_audit(answers: Answers) -> Score:
    values, total = _summed(AUDIT, answers)
    # Babor 2001 (AUDIT manual, interpretation notes): give the next level of intervention when
    # questions 4-6 score 2 or more, or question 9 or 10 scores 4. "2 or more on questions 4, 5
    # and 6" is read as their sum, which also covers any single item at 2 or more.
    dependence = values["4"] + values["5"] + values["6"] >= 2
    harm = values["9"] == 4 or values["10"] == 4
    flags = frozenset({"audit_next_level_of_intervention"}) if dependence or harm else frozenset()
    return Score(AUDIT.code, total, AUDIT.band_for(total), flags=flags)


def score_audit_c(answers: Answers, sex: Sex) -> Score:
    _, total = _summed(AUDIT_C, answers)
    band = AUDIT_C.band_for(total, sex)
    flags = frozenset({"audit_c_positive"}) if band == "positive" else frozenset()
    return Score(AUDIT_C.code, total, band, flags=flags)


def score_dast10(answers: Answers) -> Score:
    values = _validated(DAST10, answers)
    # Skinner 1982: question 3 is keyed for "no"; every other question for "yes".
    total = sum(1 - answer if number == "3" else answer for number, answer in values.items())
    return Score(DAST10.code, total, DAST10.band_for(total))


def score_bam(answers: Answers) -> Score:
    values = _validated(BAM, answers)
    # Heavy-drinking days are a subset of drinking days; the form skips item 5 when item 4 is 0.
    if values["5"] > values["4"]:
        raise InstrumentError(
            f"item 5: {values['5']} heavy-drinking days category exceeds item 4 ({values['4']})",
            field="item 5",
        )
    subscales = {name: sum(values[n] for n in numbers) for name, numbers in BAM.subscales.items()}
    return Score(BAM.code, None, None, subscales=subscales)


def score_cssrs_screener(answers: Answers) -> Score:
    values = _validated(CSSRS, answers)
    ideation = {n for n in ("1", "2", "3", "4", "5") if values[n] == 1}
    # Columbia triage guidelines: "yes" to 4 or 5 (intent) in the past month, or any suicidal
    # behaviour in the past 3 months, is high (imminent) risk needing safety precautions until a
    # mental-health professional evaluates. The screener's triage colours put "yes" to 3, or
    # behaviour more than 3 months ago, at moderate and "yes" to 1-2 only at low. That
    # low/moderate split was read in secondary summaries (Blueprint scoring notes), not on
    # Columbia's own triage form.
    if ideation & {"4", "5"} or values["6"] == 2:
        risk = CssrsRisk.HIGH
    elif "3" in ideation or values["6"] == 1:
        risk = CssrsRisk.MODERATE
    elif ideation:
        risk = CssrsRisk.LOW
    else:
        risk = CssrsRisk.NONE
    flags = frozenset({CSSRS_HIGH}) if risk is CssrsRisk.HIGH else frozenset()
    return Score(CSSRS.code, None, risk.value, flags=flags)


INSTRUMENTS: Mapping[str, InstrumentSpec] = MappingProxyType(
    {spec.code: spec for spec in (PHQ9, GAD7, AUDIT, AUDIT_C, DAST10, BAM, CSSRS)}
)

_SCORERS: Mapping[str, Callable[[Answers], Score]] = MappingProxyType(
    {
        PHQ9.code: score_phq9,
        GAD7.code: score_gad7,
        AUDIT.code: score_audit,
        DAST10.code: score_dast10,
        BAM.code: score_bam,
        CSSRS.code: score_cssrs_screener,
    }
)


def instrument(code: str) -> InstrumentSpec:
    """Accept the printed names too ("PHQ-9", "C-SSRS") so staff type what is on the form."""
    key = code.lower().replace("-", "").replace("_", "").replace(" ", "")
    try:
        return INSTRUMENTS[key]
    except KeyError:
        known = ", ".join(INSTRUMENTS)
        raise InstrumentError(
            f"unknown instrument {code!r} (known: {known})", field="instrument"
        ) from None


def score(code: str, answers: Answers, *, sex: Sex | None = None) -> Score:
    spec = instrument(code)
    if spec is AUDIT_C:
        if sex is None:
            raise InstrumentError("sex: missing (the AUDIT-C cut-off depends on it)", field="sex")
        return score_audit_c(answers, sex)
    return _SCORERS[spec.code](answers)
