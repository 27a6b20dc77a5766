"""The placement rule table: what a row is, and the rows the program starts with.

A row is plain data so the clinical director can read it and, later, edit it: an id, the fact
it looks at, its conditions as ``fact op value`` text (all must hold), the action and what it
drives, and the sentence the clinician sees (``{value}`` is the looked-at fact's value). Facts
are named in ``FACTS``; ``stepdown.placement.rules`` explains how a table is applied.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Level(StrEnum):
    HOSPITAL = "HOSPITAL"
    DETOX = "DETOX"
    RESIDENTIAL = "RESIDENTIAL"
    PHP = "PHP"
    IOP = "IOP"
    OP = "OP"
    AFTERCARE = "AFTERCARE"


# In-house levels, least to most intensive. Hospital, detox and residential care are referred
# out, in this order when more than one is needed: hospital-level care (ASAM level 4,
# medically managed intensive inpatient, which also manages withdrawal: 4-WM) first, then
# detox (continuum.md: detox must come before PHP or IOP), then residential care.
IN_HOUSE = (Level.AFTERCARE, Level.OP, Level.IOP, Level.PHP)
REFERRALS = (Level.HOSPITAL, Level.DETOX, Level.RESIDENTIAL)


class Track(StrEnum):
    DAY = "day"
    EVENING = "evening"
    NONE = "none"


class Action(StrEnum):
    SAFETY = "safety"
    REFER = "refer out"
    AT_LEAST = "at least"
    OTHERWISE = "otherwise"
    SERVICE = "add service"
    TRACK = "track"
    WARN = "consistency warning"


# What each fact means, for reasons and for the director reading the table.
FACTS: Mapping[str, str] = MappingProxyType(
    {
        "d1": "Dimension 1 (acute intoxication and/or withdrawal potential)",
        "d2": "Dimension 2 (biomedical conditions and complications)",
        "d3": "Dimension 3 (emotional, behavioral or cognitive conditions and complications)",
        "d4": "Dimension 4 (readiness to change)",
        "d5": "Dimension 5 (relapse, continued use or continued problem potential)",
        "d6": "Dimension 6 (recovery/living environment)",
        "highest_dimension": "highest of the six dimension ratings",
        "withdrawal_risk": "withdrawal risk (CIWA-Ar/COWS)",
        "environment_stable": "living environment stable and substance-free",
        "recent_level": "most recent level of care",
        "age": "age",
        "adolescent": "adolescent (under 18)",
        "co_occurring": "co-occurring mental-health condition",
        "phq9_total": "PHQ-9 total",
        "phq9_item9_positive": "PHQ-9 item 9 above 0",
        "cssrs_risk": "C-SSRS screener risk",
        "audit_zone": "AUDIT risk zone",
        "dast10_band": "DAST-10 band",
        "day_available": "free on weekday daytimes",
        "evening_available": "free on weekday evenings",
        "level": "recommended level",
    }
)

FactValue = int | str | None

Operand = int | str | tuple[str, ...]

_OPERATORS: Mapping[str, Callable[[FactValue, Operand], bool]] = MappingProxyType(
    {
        "==": operator.eq,
        "!=": operator.ne,
        ">=": lambda a, b: isinstance(a, int) and isinstance(b, int) and a >= b,
        "<=": lambda a, b: isinstance(a, int) and isinstance(b, int) and a <= b,
        "in": lambda a, b: isinstance(b, tuple) and a in b,
        "not in": lambda a, b: isinstance(b, tuple) and a not in b,
    }
)


class RuleTableError(ValueError):
    """A rule table that cannot be applied; the message names the rule."""


@dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    value: Operand

    def holds(self, facts: Mapping[str, FactValue]) -> bool:
        actual = facts[self.fact]
        # An instrument nobody gave (None) never fires a rule.
        return actual is not None and _OPERATORS[self.op](actual, self.value)


@functools.cache
def parse_condition(text: str) -> Condition:
    """``d1 >= 3``, ``environment_stable == false``, ``level in IOP|OP``."""
    for op in ("not in", "in", ">=", "<=", "==", "!="):
        fact, sep, raw = text.partition(f" {op} ")
        if sep:
            break
    else:
        raise RuleTableError(f"condition {text!r}: expected 'fact op value'")
    fact, raw = fact.strip(), raw.strip()
    if fact not in FACTS:
        raise RuleTableError(f"condition {text!r}: unknown fact {fact!r}")
    value: Operand
    if op in ("in", "not in"):
        value = tuple(v.strip() for v in raw.split("|"))
    elif raw in ("true", "false"):
        value = raw == "true"  # bool is an int, so facts compare with == as expected
    elif raw.isdigit():
        value = int(raw)
    else:
        value = raw
    return Condition(fact, op, value)


@dataclass(frozen=True)
class Rule:
    id: str
    looks_at: str
    when: tuple[str, ...]
    action: Action
    drives: str
    sentence: str
    then: Level | None = None  # REFER only: the least in-house level after the referral

    @property
    def conditions(self) -> tuple[Condition, ...]:
        return tuple(parse_condition(text) for text in self.when)

    def fires(self, facts: Mapping[str, FactValue]) -> bool:
        return all(c.holds(facts) for c in self.conditions)


# Sources, cited per row below:
#   ASAM  The ASAM Criteria, 3rd ed. (2013): six dimensions rated 0-4; the highest-severity
#         dimension drives intensity; the level descriptions summarised in the ASAM patient
#         placement criteria crosswalk (level I-IV by dimension) and the domain brief.
#   CONT  continuum.md: the program's own fit criteria for PHP, IOP and OP, its step-down order
#         (PHP -> IOP -> OP -> aftercare), detox and residential care referred out, detox
#         before PHP or IOP, IOP day or evening tracks, PHP daytime only, add-on services.
#   HOSP  ASAM level 4, medically managed intensive inpatient services: 24-hour medically
#         directed care in an acute-care (hospital) setting for the most severe problems
#         (Medicaid IAP summary of The ASAM Criteria, reproduced in "Addictions Counseling
#         Essentials", ch. 1.2, https://cod.pressbooks.pub/addictionscounseling/; domain
#         brief: 3.1-3.7 residential, 4 medically managed intensive inpatient).
#   WARN  Consistency rows: Kroenke 2001 (PHQ-9 bands), Columbia C-SSRS triage, Babor 2001
#         (AUDIT zones), Skinner 1982 (DAST-10 bands), each against the ASAM 0-4 rating
#         scale (0 none, 1 mild).
DEFAULT_RULES: tuple[Rule, ...] = (
    # Suicide risk is not a row: the safety gate (stepdown.safety.rules) is applied by the
    # evaluator before any row, so no edited table can place a client at risk in outpatient
    # care. SAFETY rows a director adds still show as top reasons.
    # --- Refer out first ---------------------------------------------------------------------
    # ASAM D1 (withdrawal needing medical management is level 3.7-WM/4-WM); CONT: detox is
    # referred out and comes before PHP or IOP.
    Rule(
        id="REF-D1-DETOX",
        looks_at="d1",
        when=("d1 >= 3",),
        action=Action.REFER,
        drives=Level.DETOX,
        then=Level.IOP,
        sentence="Dimension 1 rated {value}: withdrawal needs medical management → refer to "
        "detox first; PHP or IOP follows after",
    ),
    # CONT: no withdrawal management in house. The CIWA-Ar/COWS score bands behind the rating
    # are medical staff's; the CIWA-Ar bands in the domain brief were not verified here.
    Rule(
        id="REF-WITHDRAWAL-DETOX",
        looks_at="withdrawal_risk",
        when=("withdrawal_risk in moderate|severe",),
        action=Action.REFER,
        drives=Level.DETOX,
        then=Level.IOP,
        sentence="Withdrawal risk {value} (CIWA-Ar/COWS): withdrawal is not managed on site → "
        "refer to detox first; PHP or IOP follows after",
    ),
    # HOSP: D2 severity 4 (severe, life-threatening biomedical problems) calls for medically
    # managed intensive inpatient care, ASAM level 4, in a hospital: not a residential program
    # (residential care, levels 3.1-3.7, is not medically managed).
    Rule(
        id="REF-D2-HOSPITAL",
        looks_at="d2",
        when=("d2 >= 4",),
        action=Action.REFER,
        drives=Level.HOSPITAL,
        then=Level.IOP,
        sentence="Dimension 2 rated {value}: severe biomedical problems need 24-hour medical "
        "and nursing care → refer to hospital (medically managed inpatient) care; IOP or PHP "
        "follows after",
    ),
    # HOSP: D3 severity 4 (severe psychiatric or cognitive problems, e.g. imminent danger to
    # self or others) is level 4 as well: psychiatric inpatient care in a hospital.
    Rule(
        id="REF-D3-HOSPITAL",
        looks_at="d3",
        when=("d3 >= 4",),
        action=Action.REFER,
        drives=Level.HOSPITAL,
        then=Level.PHP,
        sentence="Dimension 3 rated {value}: severe psychiatric or cognitive problems need "
        "24-hour care → refer to hospital (psychiatric inpatient) care; PHP follows after",
    ),
    # ASAM D6: an environment dangerous to recovery needs 24-hour care away from it; CONT:
    # clients live at home in PHP, IOP and OP.
    Rule(
        id="REF-D6-RESIDENTIAL",
        looks_at="d6",
        when=("d6 >= 4",),
        action=Action.REFER,
        drives=Level.RESIDENTIAL,
        then=Level.IOP,
        sentence="Dimension 6 rated {value}: the living environment endangers recovery → "
        "refer to residential care; IOP follows once there is a safe home",
    ),
    # ASAM D5 with D6 (level 3.5): unable to control use and no support at home needs 24-hour
    # structure.
    Rule(
        id="REF-D5-D6-RESIDENTIAL",
        looks_at="d5",
        when=("d5 >= 3", "d6 >= 3"),
        action=Action.REFER,
        drives=Level.RESIDENTIAL,
        then=Level.IOP,
        sentence="Dimension 5 rated {value} with Dimension 6 at 3 or more: use is not "
        "controllable from this home → refer to residential care; PHP or IOP follows after",
    ),
    # ASAM 3.1 (low-intensity residential, e.g. halfway house) for environmental risk; CONT:
    # IOP assumes a stable, substance-free home.
    Rule(
        id="REF-UNSTABLE-HOME",
        looks_at="environment_stable",
        when=("environment_stable == false", "d6 >= 3"),
        action=Action.REFER,
        drives=Level.RESIDENTIAL,
        then=Level.IOP,
        sentence="Stable, substance-free home: {value}, and Dimension 6 at 3 or more → refer "
        "to low-intensity residential care or sober living; IOP follows after",
    ),
    # --- Intensity: each row sets a floor; the highest wins ----------------------------------
    # CONT: PHP gives frequent medical monitoring; ASAM D1 at 2 needs monitored withdrawal.
    Rule(
        id="FLOOR-D1-PHP",
        looks_at="d1",
        when=("d1 == 2",),
        action=Action.AT_LEAST,
        drives=Level.PHP,
        sentence="Dimension 1 rated {value}: some withdrawal potential → PHP for daily medical "
        "monitoring",
    ),
    # ASAM D2; CONT: PHP for medical monitoring, IOP with medical monitoring as needed.
    Rule(
        id="FLOOR-D2-PHP",
        looks_at="d2",
        when=("d2 == 3",),
        action=Action.AT_LEAST,
        drives=Level.PHP,
        sentence="Dimension 2 rated {value}: biomedical problems need frequent medical "
        "monitoring → PHP",
    ),
    Rule(
        id="FLOOR-D2-IOP",
        looks_at="d2",
        when=("d2 == 2",),
        action=Action.AT_LEAST,
        drives=Level.IOP,
        sentence="Dimension 2 rated {value}: biomedical problems to watch during treatment → "
        "at least IOP, with medical monitoring as needed",
    ),
    # ASAM D3; CONT: PHP has extensive clinical and psychiatric support, IOP suits
    # co-occurring disorders.
    Rule(
        id="FLOOR-D3-PHP",
        looks_at="d3",
        when=("d3 == 3",),
        action=Action.AT_LEAST,
        drives=Level.PHP,
        sentence="Dimension 3 rated {value}: psychiatric symptoms need extensive clinical and "
        "psychiatric support → PHP",
    ),
    Rule(
        id="FLOOR-D3-IOP",
        looks_at="d3",
        when=("d3 == 2",),
        action=Action.AT_LEAST,
        drives=Level.IOP,
        sentence="Dimension 3 rated {value}: psychiatric symptoms could derail recovery → at "
        "least IOP",
    ),
    # ASAM D4 (ambivalence warrants level II with motivational strategies, not 24-hour care);
    # CONT: IOP for the motivated client who needs structure.
    Rule(
        id="FLOOR-D4-IOP",
        looks_at="d4",
        when=("d4 >= 3",),
        action=Action.AT_LEAST,
        drives=Level.IOP,
        sentence="Dimension 4 rated {value}: ambivalent about or opposed to change → at least "
        "IOP, a structured schedule with motivational work",
    ),
    # ASAM D5; CONT: PHP for daily structure, IOP for frequent cravings.
    Rule(
        id="FLOOR-D5-PHP",
        looks_at="d5",
        when=("d5 >= 3",),
        action=Action.AT_LEAST,
        drives=Level.PHP,
        sentence="Dimension 5 rated {value}: high risk of continued use → daily structure in PHP",
    ),
    Rule(
        id="FLOOR-D5-IOP",
        looks_at="d5",
        when=("d5 == 2",),
        action=Action.AT_LEAST,
        drives=Level.IOP,
        sentence="Dimension 5 rated {value}: frequent cravings or relapse risk → IOP's "
        "structured schedule",
    ),
    # ASAM D6.
    Rule(
        id="FLOOR-D6-PHP",
        looks_at="d6",
        when=("d6 == 3",),
        action=Action.AT_LEAST,
        drives=Level.PHP,
        sentence="Dimension 6 rated {value}: home life works against recovery → PHP's daily "
        "structure while the home situation is addressed",
    ),
    Rule(
        id="FLOOR-D6-IOP",
        looks_at="d6",
        when=("d6 == 2",),
        action=Action.AT_LEAST,
        drives=Level.IOP,
        sentence="Dimension 6 rated {value}: limited support at home → at least IOP",
    ),
    # CONT: OP fits strong support; IOP assumes a stable, substance-free home.
    Rule(
        id="FLOOR-UNSTABLE-HOME-IOP",
        looks_at="environment_stable",
        when=("environment_stable == false",),
        action=Action.AT_LEAST,
        drives=Level.IOP,
        sentence="Stable, substance-free home: {value} → more than OP is needed: at least IOP, "
        "with case management",
    ),
    # CONT: IOP for moderate-to-severe use, OP for mild use. AUDIT zone III-IV (Babor 2001)
    # and DAST-10 6 or more (Skinner 1982) read as moderate-to-severe use.
    Rule(
        id="FLOOR-AUDIT-IOP",
        looks_at="audit_zone",
        when=("audit_zone >= 3",),
        action=Action.AT_LEAST,
        drives=Level.IOP,
        sentence="AUDIT zone {value} of 4 (harmful or dependent drinking): moderate-to-severe "
        "use → at least IOP",
    ),
    Rule(
        id="FLOOR-DAST-IOP",
        looks_at="dast10_band",
        when=("dast10_band in substantial|severe",),
        action=Action.AT_LEAST,
        drives=Level.IOP,
        sentence="DAST-10 band {value}: moderate-to-severe drug use → at least IOP",
    ),
    # CONT: PHP for early post-detox stabilization needing daily structure and monitoring.
    Rule(
        id="FLOOR-POST-DETOX-PHP",
        looks_at="recent_level",
        when=("recent_level == detox", "highest_dimension >= 2"),
        action=Action.AT_LEAST,
        drives=Level.PHP,
        sentence="Most recent level of care: {value}, with a dimension still at 2 or more: "
        "early post-detox stabilization needs daily structure and medical monitoring → PHP",
    ),
    # CONT: IOP for those transitioning from detox, inpatient or PHP; steps go PHP -> IOP -> OP.
    Rule(
        id="FLOOR-STEP-DOWN-IOP",
        looks_at="recent_level",
        when=("recent_level in detox|residential|php",),
        action=Action.AT_LEAST,
        drives=Level.IOP,
        sentence="Most recent level of care: {value} → IOP keeps the structure through the "
        "transition (steps go PHP → IOP → OP)",
    ),
    # CONT: OP for mild use, strong support and low relapse risk, or after completing IOP.
    Rule(
        id="FLOOR-OP",
        looks_at="recent_level",
        when=("recent_level in none|iop",),
        action=Action.AT_LEAST,
        drives=Level.OP,
        sentence="Most recent level of care: {value}, and no dimension above 1: mild use, "
        "support in place, low relapse risk → OP",
    ),
    # CONT: aftercare after OP: check-ins, alumni events, 12-step and support groups.
    Rule(
        id="OTHERWISE-AFTERCARE",
        looks_at="recent_level",
        when=(),
        action=Action.OTHERWISE,
        drives=Level.AFTERCARE,
        sentence="Most recent level of care: {value}, and nothing asks for more → step down "
        "to aftercare (check-ins, alumni events, support groups)",
    ),
    # --- Services any level can carry (CONT add-ons) ----------------------------------------
    Rule(
        id="SVC-CO-OCCURRING",
        looks_at="co_occurring",
        when=("co_occurring == true",),
        action=Action.SERVICE,
        drives="psychiatric care",
        sentence="Co-occurring mental-health condition: {value} → add psychiatric care",
    ),
    # Kroenke 2001 / PHQ-9 guidance: 15 or more (moderately severe, severe) warrants active
    # treatment with medication and/or psychotherapy.
    Rule(
        id="SVC-PHQ9-PSYCHIATRY",
        looks_at="phq9_total",
        when=("phq9_total >= 15",),
        action=Action.SERVICE,
        drives="psychiatric care",
        sentence="PHQ-9 total {value} (moderately severe or severe depression) → add "
        "psychiatric evaluation for depression treatment",
    ),
    # Columbia triage: answers short of imminent risk still call for a behavioral-health
    # evaluation.
    Rule(
        id="SVC-CSSRS-MODERATE",
        looks_at="cssrs_risk",
        when=("cssrs_risk == moderate",),
        action=Action.SERVICE,
        drives="psychiatric care",
        sentence="C-SSRS screener risk {value} → behavioral-health evaluation and a safety "
        "plan, within psychiatric care",
    ),
    # ASAM adolescent criteria (hour thresholds differ, see rules.weekly_hours); CONT: family
    # therapy as an add-on.
    Rule(
        id="SVC-ADOLESCENT",
        looks_at="age",
        when=("adolescent == true",),
        action=Action.SERVICE,
        drives="adolescent groups and family therapy",
        sentence="Age {value}, under 18 → adolescent groups and family therapy; adolescent "
        "hour thresholds apply",
    ),
    # CONT: case management add-on; sober-living referrals.
    Rule(
        id="SVC-HOUSING",
        looks_at="environment_stable",
        when=("environment_stable == false",),
        action=Action.SERVICE,
        drives="case management and sober-living referral",
        sentence="Stable, substance-free home: {value} → case management and a sober-living "
        "referral",
    ),
    # --- Consistency: instruments that disagree with the ratings ---------------------------
    # The recommendation says so; the clinician decides which is right (a rating is never
    # changed by the engine).
    # Kroenke 2001: PHQ-9 20-27 is severe depression; ASAM D3 rated 0-1 means no or mild
    # emotional or behavioural problems.
    Rule(
        id="WARN-PHQ9-D3",
        looks_at="phq9_total",
        when=("phq9_total >= 20", "d3 <= 1"),
        action=Action.WARN,
        drives="check Dimension 3",
        sentence="PHQ-9 total {value} (severe depression) but Dimension 3 is rated 0-1: check "
        "the Dimension 3 rating",
    ),
    # Columbia triage: moderate or high screener risk calls for a behavioral-health
    # evaluation; that is not a D3 of 0-1.
    Rule(
        id="WARN-CSSRS-D3",
        looks_at="cssrs_risk",
        when=("cssrs_risk in moderate|high", "d3 <= 1"),
        action=Action.WARN,
        drives="check Dimension 3",
        sentence="C-SSRS screener risk {value} but Dimension 3 is rated 0-1: check the "
        "Dimension 3 rating",
    ),
    # Babor 2001: AUDIT zone IV (20-40) warrants diagnostic evaluation for alcohol
    # dependence, which carries withdrawal potential; a D1 of 0 says there is none.
    Rule(
        id="WARN-AUDIT-D1",
        looks_at="audit_zone",
        when=("audit_zone == 4", "d1 == 0"),
        action=Action.WARN,
        drives="check Dimension 1",
        sentence="AUDIT zone {value} (possible alcohol dependence) but Dimension 1 is rated 0: "
        "check withdrawal potential (CIWA-Ar)",
    ),
    # Skinner 1982: DAST-10 9-10 is a severe drug problem; ASAM D5 rated 0-1 means low
    # relapse potential.
    Rule(
        id="WARN-DAST-D5",
        looks_at="dast10_band",
        when=("dast10_band == severe", "d5 <= 1"),
        action=Action.WARN,
        drives="check Dimension 5",
        sentence="DAST-10 band {value} but Dimension 5 is rated 0-1: check the relapse-risk rating",
    ),
    # --- Track: the first row that fires decides ---------------------------------------------
    Rule(
        id="TRACK-REFERRED-OUT",
        looks_at="level",
        when=("level in HOSPITAL|DETOX|RESIDENTIAL",),
        action=Action.TRACK,
        drives=Track.NONE,
        sentence="Referred out to 24-hour care ({value}): no program track until the client "
        "returns",
    ),
    Rule(
        id="TRACK-AFTERCARE",
        looks_at="level",
        when=("level == AFTERCARE",),
        action=Action.TRACK,
        drives=Track.NONE,
        sentence="Aftercare is check-ins, alumni events and meetings, not a track",
    ),
    # CONT: PHP runs full days, daytime; home at night.
    Rule(
        id="TRACK-PHP-DAY",
        looks_at="day_available",
        when=("level == PHP", "day_available == true"),
        action=Action.TRACK,
        drives=Track.DAY,
        sentence="PHP runs in the daytime only (5-6 h a day) and daytimes are free → day track",
    ),
    # CONT: IOP day or evening tracks to fit work, school and caregiving; OP is flexible.
    Rule(
        id="TRACK-EVENING",
        looks_at="evening_available",
        when=("level in IOP|OP", "day_available == false", "evening_available == true"),
        action=Action.TRACK,
        drives=Track.EVENING,
        sentence="Work, school or caregiving fills the day but evenings are free → evening track",
    ),
    Rule(
        id="TRACK-DAY",
        looks_at="day_available",
        when=("level in IOP|OP", "day_available == true"),
        action=Action.TRACK,
        drives=Track.DAY,
        sentence="Daytimes are free → day track",
    ),
    Rule(
        id="TRACK-NONE-FITS",
        looks_at="level",
        when=(),
        action=Action.TRACK,
        drives=Track.NONE,
        sentence="The client cannot attend any {value} track with the hours they have free "
        "(PHP is daytime only; IOP and OP run day or evening) → plan time off work or school, "
        "or agree another level with the client",
    ),
)
