"""What a daily check-in may contain, when one needs a clinician today, and its trend.

The scales, chosen for a phone screen and a few seconds of the client's time:

- **Craving, 0-10** ("none" to "the strongest I can imagine"): a single-item intensity
  rating, the most common self-report of craving. Sayette et al. (2000), "The measurement
  of drug craving", Addiction 95(Suppl 2):S189-S210, review such ratings and note that they
  carry no norms or cut-offs; the alert threshold below is therefore the program's clinical
  rule (issue 6), not a validated score.
- **Mood, 0-10** ("very low" to "very good"): a face-valid unidimensional mood question
  ("How is your mood today?"), the simplest of the options in the APH ecological momentary
  assessment handbook, chapter 5 "Mood"
  (https://jruwaard.github.io/aph_ema_handbook/mood.html). Same direction as everyday
  speech: higher is better. Craving runs the other way (higher is worse), so the chart
  draws both on the same 0-10 axis with their direction spelled out in the legend.
- **Sleep**: hours last night (0-24, in half hours) and quality 1-5 (very poor to very
  good); both optional, because a client may not know.
- **Risky situations** since the last check-in: a few common relapse triggers to tick, and
  a short free text for anything else.
- **Use since the last check-in**: yes or no, with an optional word on what.
- **Thoughts of self-harm since the last check-in**: yes or no ("have you had thoughts of
  hurting yourself or of ending your life?"), required on the form. The JSON API keeps it
  optional so clients written before the question still work; a check-in without an answer
  is stored as None and shown as "not answered", never read as "no". A "yes" is the most
  urgent thing a check-in can report: it raises an urgent safety alert (issue 11), which the
  safety gate (``stepdown.safety.rules``) treats as live suicide risk until a clinician
  acknowledges it after a safety assessment. Sources: under the Columbia Lighthouse
  Project's C-SSRS screener and triage guidance
  (https://cssrs.columbia.edu/the-columbia-scale-c-ssrs/triage-c-ssrs/) a "yes" about
  suicidal thoughts is a positive screen that calls for the rest of the C-SSRS and a
  clinician's assessment; one yes/no question cannot tell passive thoughts from intent or a
  plan, so the program's same-day safety follow-up policy (issue 11; the rule it already
  applies to PHQ-9 item 9 above 0) makes every "yes" an urgent alert for a same-day safety
  assessment. What the client is shown right after answering follows SAMHSA's guidance for
  the 988 Suicide & Crisis Lifeline (in service since 16 July 2022): call 911 in immediate
  danger; call or text 988 any time.

Several check-ins on one day are allowed: a craving that spikes in the evening after a calm
morning check-in is exactly what the clinician must hear about. The portal says when the
client already checked in today; the trend takes each day's worst values so a later calm
entry never hides an earlier spike.

Pure functions only: no I/O, so the tests can cover every input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from zoneinfo import ZoneInfo

SCALE_MIN, SCALE_MAX = 0, 10
SLEEP_QUALITY_MIN, SLEEP_QUALITY_MAX = 1, 5
SLEEP_HOURS_MAX = Decimal(24)
SLEEP_STEP = Decimal("0.5")
# Issue 6: "a check-in reporting use or craving >= 8 alerts the primary clinician the same day".
CRAVING_ALERT_AT = 8
SUBSTANCE_MAX = 200
RISKY_OTHER_MAX = 300
NOTE_MAX = 2000
TREND_WINDOW_DAYS = 7

CRAVING_LABELS = {0: "none", 10: "the strongest I can imagine"}
MOOD_LABELS = {0: "very low", 10: "very good"}
SLEEP_QUALITY_LABELS = {1: "Very poor", 2: "Poor", 3: "Fair", 4: "Good", 5: "Very good"}


class RiskySituation(StrEnum):
    """Common high-risk situations for relapse, in the client's own terms."""

    PEOPLE_WHO_USE = "people_who_use"
    PLACES_I_USED = "places_i_used"
    OFFERED = "offered"
    STRESS_OR_CONFLICT = "stress_or_conflict"
    ALONE_OR_BORED = "alone_or_bored"
    MONEY = "money"

    @property
    def label(self) -> str:
        return RISKY_LABELS[self]


RISKY_LABELS: dict[RiskySituation, str] = {
    RiskySituation.PEOPLE_WHO_USE: "I was around people who use",
    RiskySituation.PLACES_I_USED: "I was in a place where I used to use",
    RiskySituation.OFFERED: "Someone offered me alcohol or drugs",
    RiskySituation.STRESS_OR_CONFLICT: "Strong stress or a conflict",
    RiskySituation.ALONE_OR_BORED: "I was alone, bored or isolated for long",
    RiskySituation.MONEY: "I had cash on hand (payday, a windfall)",
}


class Trigger(StrEnum):
    """Why a check-in needs the primary clinician today, most urgent first."""

    CRISIS = "crisis"  # thoughts of self-harm: a same-day safety assessment
    USE = "use"
    CRAVING = "craving"

    @property
    def label(self) -> str:
        return {
            Trigger.CRISIS: "thoughts of self-harm",
            Trigger.USE: "use",
            Trigger.CRAVING: "craving ≥ 8",
        }[self]


# The substance findings share one alert (use outranks craving); thoughts of self-harm have
# an alert of their own, a safety alert, which says nothing about substances.
SUBSTANCE_TRIGGERS = (Trigger.USE, Trigger.CRAVING)

# Columbia C-SSRS triage and the program's same-day safety follow-up policy (see the module
# docstring): the alert names the finding and the action, and no more clinical detail. The
# safety gate quotes it in its reasons, which placement and review pages show.
CRISIS_ALERT_SUMMARY = (
    "Check-in: the client reported thoughts of self-harm; same-day safety assessment needed"
)


class CheckInError(ValueError):
    """One field's value is not allowed; ``field`` names the form and API field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Draft:
    """A check-in as submitted, before validation (numbers may still be out of range)."""

    craving: int | None
    mood: int | None
    used_since_last: bool | None
    sleep_hours: Decimal | None = None
    sleep_quality: int | None = None
    risky_situations: Sequence[str] = ()
    risky_other: str = ""
    substance: str = ""
    note: str = ""
    # None: not answered. Only an API client written before the question may leave it out;
    # the form asks it every time and sets ``self_harm_required``, so a blank is refused.
    self_harm_thoughts: bool | None = None
    self_harm_required: bool = False


@dataclass(frozen=True)
class Valid:
    """A check-in that passed every rule, with text trimmed and situations de-duplicated."""

    craving: int
    mood: int
    used_since_last: bool
    sleep_hours: Decimal | None
    sleep_quality: int | None
    risky_situations: tuple[RiskySituation, ...]
    risky_other: str
    substance: str
    note: str
    self_harm_thoughts: bool | None  # None: not answered (never "no")


def _scale(field: str, value: int | None, low: int, high: int, what: str) -> int:
    if value is None:
        raise CheckInError(field, f"choose your {what} from {low} to {high}")
    if not low <= value <= high:
        raise CheckInError(field, f"{what} must be from {low} to {high}, not {value}")
    return value


def _text(field: str, value: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit:
        raise CheckInError(field, f"keep this under {limit} characters (it has {len(value)})")
    return value


def parse_sleep_hours(raw: str) -> Decimal | None:
    """A form's sleep hours: blank is unknown; ``7,5`` is read as 7.5 (a phone keypad may
    offer a comma)."""
    raw = raw.strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise CheckInError("sleep_hours", f"{raw!r} is not a number of hours") from None
    if not value.is_finite():
        raise CheckInError("sleep_hours", f"{raw!r} is not a number of hours")
    return value


def validate(draft: Draft) -> Valid:
    """Every field checked in form order, so the first problem named is the first one seen."""
    craving = _scale("craving", draft.craving, SCALE_MIN, SCALE_MAX, "craving")
    mood = _scale("mood", draft.mood, SCALE_MIN, SCALE_MAX, "mood")
    sleep_hours = draft.sleep_hours
    if sleep_hours is not None:
        if not Decimal(0) <= sleep_hours <= SLEEP_HOURS_MAX:
            raise CheckInError("sleep_hours", "hours of sleep must be from 0 to 24")
        if sleep_hours % SLEEP_STEP != 0:
            raise CheckInError("sleep_hours", "give hours of sleep in half hours, e.g. 6.5")
    sleep_quality = draft.sleep_quality
    if sleep_quality is not None:
        _scale(
            "sleep_quality", sleep_quality, SLEEP_QUALITY_MIN, SLEEP_QUALITY_MAX, "sleep quality"
        )
    situations: list[RiskySituation] = []
    for raw in draft.risky_situations:
        try:
            situation = RiskySituation(raw)
        except ValueError:
            raise CheckInError("risky_situations", f"{raw!r} is not one of the choices") from None
        if situation not in situations:
            situations.append(situation)
    risky_other = _text("risky_other", draft.risky_other, RISKY_OTHER_MAX)
    if draft.used_since_last is None:
        raise CheckInError("used_since_last", "say whether you used since your last check-in")
    substance = _text("substance", draft.substance, SUBSTANCE_MAX)
    if substance and not draft.used_since_last:
        raise CheckInError("substance", "leave this blank when you did not use")
    if draft.self_harm_thoughts is None and draft.self_harm_required:
        raise CheckInError(
            "self_harm_thoughts",
            "answer yes or no: have you had thoughts of hurting yourself or of ending your life?",
        )
    note = _text("note", draft.note, NOTE_MAX)
    return Valid(
        craving=craving,
        mood=mood,
        used_since_last=draft.used_since_last,
        sleep_hours=sleep_hours,
        sleep_quality=sleep_quality,
        risky_situations=tuple(situations),
        risky_other=risky_other,
        substance=substance,
        note=note,
        self_harm_thoughts=draft.self_harm_thoughts,
    )


def triggers(
    *, craving: int, used_since_last: bool, self_harm_thoughts: bool | None = None
) -> tuple[Trigger, ...]:
    """Most urgent first: thoughts of self-harm, then reported use, then a craving at or
    above 8. Only an explicit "yes" is a crisis; "not answered" (None) raises nothing here
    and is shown as such, never as "no"."""
    found: list[Trigger] = []
    if self_harm_thoughts is True:
        found.append(Trigger.CRISIS)
    if used_since_last:
        found.append(Trigger.USE)
    if craving >= CRAVING_ALERT_AT:
        found.append(Trigger.CRAVING)
    return tuple(found)


def alert_summary(found: Sequence[Trigger], *, craving: int, substance: str, via: str) -> str:
    """One line for the clinician's alert list about the substance findings (a crisis has
    its own alert, ``CRISIS_ALERT_SUMMARY``); the substance named is the client's word (the
    alert table is PHI like the check-in itself)."""
    parts = []
    if Trigger.USE in found:
        parts.append(f"reported use ({substance})" if substance else "reported use")
    parts.append(f"craving {craving} of 10")
    return f"Check-in {via}: " + ", ".join(parts) + ": contact the client today"


def answer_label(value: bool | None) -> str:
    """A yes/no answer as the chart and the CLI show it; None is "not answered", not "no"."""
    if value is None:
        return "not answered"
    return "yes" if value else "no"


def local_day(at: datetime, zone: ZoneInfo) -> date:
    """The program's calendar day for a moment: a check-in at 21:00 in New York belongs to
    that evening, not to the next UTC day."""
    if at.tzinfo is None:
        raise ValueError("local_day needs an aware datetime")
    return at.astimezone(zone).date()


@dataclass(frozen=True)
class Entry:
    """The facts the trend needs from one check-in."""

    day: date
    craving: int
    mood: int


@dataclass(frozen=True)
class DayPoint:
    """One day with at least one check-in: its worst craving and its lowest mood."""

    day: date
    craving: int
    mood: int


@dataclass(frozen=True)
class AveragePoint:
    """The mean of the daily values over the 7 days ending on ``day`` (days without a
    check-in are left out, not counted as zero)."""

    day: date
    craving: float
    mood: float
    days: int  # how many days in the window had a check-in


def daily(entries: Iterable[Entry], *, start: date, end: date) -> list[DayPoint]:
    """Days in ``[start, end]`` with a check-in, oldest first."""
    worst: dict[date, tuple[int, int]] = {}
    for e in entries:
        if not start <= e.day <= end:
            continue
        craving, mood = worst.get(e.day, (e.craving, e.mood))
        worst[e.day] = (max(craving, e.craving), min(mood, e.mood))
    return [DayPoint(day, c, m) for day, (c, m) in sorted(worst.items())]


def rolling_average(
    points: Sequence[DayPoint], *, window: int = TREND_WINDOW_DAYS
) -> list[AveragePoint]:
    """A trailing average at each day that has a check-in."""
    if window < 1:
        raise ValueError("window must be at least one day")
    result = []
    for point in points:
        since = point.day - timedelta(days=window - 1)
        inside = [p for p in points if since <= p.day <= point.day]
        result.append(
            AveragePoint(
                point.day,
                round(sum(p.craving for p in inside) / len(inside), 2),
                round(sum(p.mood for p in inside) / len(inside), 2),
                len(inside),
            )
        )
    return result
