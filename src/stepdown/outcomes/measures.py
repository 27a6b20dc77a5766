"""The program's outcome measures: pure functions over ``outcomes.facts``, one per measure.

Each docstring states the definition, its exact windows and its source; ``docs/domain.md``
("Outcome measures") repeats them for readers who never open the code. Conventions shared
by all of them:

- Days are program-local calendar days; a range ``[start, end]`` includes both ends.
- Weeks run Monday to Sunday and are named by their Monday.
- An episode's last day in care is the day before ``discharged_on`` (segments are half-open).
- A window that has not closed by ``as_of`` leaves its episode out of the denominator and is
  counted as "window still open", never as a success or a failure.
- Unknown is never good news: a missing follow-up score, an unrecorded follow-up call or an
  unanswered contact counts against the rate, never for it.
- Every result carries the episode ids behind each count it may drill down to.
"""

from __future__ import annotations

import math
import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from stepdown.outcomes.facts import (
    AttendedDay,
    AuthFact,
    CheckInDay,
    Contact,
    ContactKind,
    EpisodeFact,
    FollowUpFact,
    LevelFact,
    OutcomeData,
    Score,
    Specimen,
    SpecimenOutcome,
)

Ids = tuple[uuid.UUID, ...]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks(start: date, end: date) -> list[date]:
    """The Mondays of every week that has a day in ``[start, end]``."""
    first = monday(start)
    return [first + timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- Census, admissions, discharges ------------------------------------------------------


@dataclass(frozen=True)
class Census:
    mondays: tuple[date, ...]
    levels: tuple[str, ...]
    counts: dict[str, tuple[int, ...]]  # level -> clients in care at it on each Monday


def census_by_level(
    episodes: Sequence[EpisodeFact], levels: Sequence[LevelFact], start: date, end: date
) -> Census:
    """Point census: on each Monday of the range, the clients whose episode has a segment
    at each level that day (clients referred out count at the partner's level, on hold).
    Denominator: clients in care on that Monday."""
    days = [d for d in weeks(start, end) if start <= d <= end] or [start]
    first = days[0]
    order = [lv.code for lv in sorted(levels, key=lambda lv: lv.order)]
    counts: dict[str, list[int]] = {code: [0] * len(days) for code in order}
    for episode in episodes:
        for stretch in episode.stretches:
            stop = min(
                (d for d in (stretch.ends_on, episode.discharged_on) if d is not None),
                default=date.max,
            )
            # Only the Mondays this stretch covers: proportional to the weeks in care, not to
            # episodes x weeks of the range.
            lo = max(0, -(-(stretch.starts_on - first).days // 7))
            row = counts.setdefault(stretch.level, [0] * len(days))
            for i in range(lo, len(days)):
                if days[i] >= stop:
                    break
                row[i] += 1
    used = tuple(code for code in counts if any(counts[code]))
    return Census(tuple(days), used, {code: tuple(counts[code]) for code in used})


@dataclass(frozen=True)
class Flow:
    mondays: tuple[date, ...]
    admissions: tuple[int, ...]
    discharges: tuple[int, ...]


def admissions_and_discharges(episodes: Sequence[EpisodeFact], start: date, end: date) -> Flow:
    """Admissions (``admitted_on``) and discharges (``discharged_on``) falling in the range,
    per week. Denominator: none; these are counts of episodes."""
    mondays = weeks(start, end)
    index = {d: i for i, d in enumerate(mondays)}
    admitted = [0] * len(mondays)
    discharged = [0] * len(mondays)
    for episode in episodes:
        if start <= episode.admitted_on <= end:
            admitted[index[monday(episode.admitted_on)]] += 1
        if episode.discharged_on is not None and start <= episode.discharged_on <= end:
            discharged[index[monday(episode.discharged_on)]] += 1
    return Flow(tuple(mondays), tuple(admitted), tuple(discharged))


@dataclass(frozen=True)
class Reasons:
    total: int
    counts: dict[str, int]  # DischargeType value -> episodes, most frequent first
    members: dict[str, Ids]


def discharge_reasons(episodes: Sequence[EpisodeFact], start: date, end: date) -> Reasons:
    """How episodes discharged in the range ended (``DischargeType``). Denominator: the
    episodes discharged in the range."""
    members: dict[str, list[uuid.UUID]] = defaultdict(list)
    for episode in episodes:
        if episode.discharged_on is not None and start <= episode.discharged_on <= end:
            members[episode.discharge_type or "unknown"].append(episode.episode_id)
    ordered = sorted(members, key=lambda k: (-len(members[k]), k))
    return Reasons(
        total=sum(len(v) for v in members.values()),
        counts={k: len(members[k]) for k in ordered},
        members={k: tuple(members[k]) for k in ordered},
    )


# --- Retention ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    """A Kaplan-Meier survival curve: ``survival[i]`` holds from ``days[i]`` until the next
    day; ``at_risk[i]`` is the number still followed at ``days[i]``."""

    days: tuple[float, ...]
    survival: tuple[float, ...]
    lower: tuple[float | None, ...]
    upper: tuple[float | None, ...]
    n: int
    events: int
    longest: int  # the longest follow-up, in days

    def at(self, day: int) -> float | None:
        """S(day): the share still in care after ``day`` days; None beyond the follow-up
        (nobody left to observe), unless the curve has already reached 0."""
        if self.n == 0:
            return None
        value = 1.0
        for d, s in zip(self.days, self.survival, strict=True):
            if d > day:
                break
            value = s
        if day > self.longest and value > 0:
            return None
        return value


def kaplan_meier(durations: Sequence[int], observed: Sequence[bool]) -> Curve:
    """The product-limit estimate of the share still engaged after t days, with its 95 %
    confidence band (exponential Greenwood), computed by ``lifelines``' KaplanMeierFitter
    (Davidson-Pilon 2019, JOSS 4:1317; Kaplan & Meier 1958). ``observed`` is False for a
    censored duration (still in care when observation ended). With nothing censored, S(t)
    is the plain share of durations longer than t."""
    if len(durations) != len(observed):
        raise ValueError("durations and observed differ in length")
    if not durations:
        return Curve((), (), (), (), n=0, events=0, longest=0)
    # Imported here: lifelines pulls in pandas and scipy (about a second), and only the
    # outcome report needs it, not every CLI command or worker that imports this package.
    from lifelines import KaplanMeierFitter

    fitter = KaplanMeierFitter()
    fitter.fit(list(durations), event_observed=list(observed))
    timeline = [float(t) for t in fitter.survival_function_.index]
    survival = [float(s) for s in fitter.survival_function_.iloc[:, 0]]
    band = fitter.confidence_interval_survival_function_

    def finite(value: float) -> float | None:
        return None if math.isnan(value) else round(float(value), 6)

    return Curve(
        days=tuple(timeline),
        survival=tuple(round(s, 6) for s in survival),
        lower=tuple(finite(v) for v in band.iloc[:, 0]),
        upper=tuple(finite(v) for v in band.iloc[:, 1]),
        n=len(durations),
        events=sum(1 for o in observed if o),
        longest=max(durations),
    )


def product_limit(durations: Sequence[int], observed: Sequence[bool]) -> Curve:
    """The same Kaplan-Meier estimate without its confidence band, in plain Python: S(t)
    is the product over event days d <= t of (1 - events on d / at risk on d). For the
    many small curves of a table (one per admission month), where fitting each with
    ``lifelines`` would cost a page most of its time; tests hold the two equal."""
    if len(durations) != len(observed):
        raise ValueError("durations and observed differ in length")
    if not durations:
        return Curve((), (), (), (), n=0, events=0, longest=0)
    events: Counter[int] = Counter(d for d, o in zip(durations, observed, strict=True) if o)
    leaving: Counter[int] = Counter(durations)
    at_risk, value = len(durations), 1.0
    days: list[float] = []
    survival: list[float] = []
    for day in sorted(set(durations) | {0}):
        if events[day]:
            value *= 1 - events[day] / at_risk
        days.append(float(day))
        survival.append(round(value, 6))
        at_risk -= leaving[day]
    return Curve(
        days=tuple(days),
        survival=tuple(survival),
        lower=(None,) * len(days),
        upper=(None,) * len(days),
        n=len(durations),
        events=sum(events.values()),
        longest=max(durations),
    )


RETENTION_DAYS = (30, 60, 90)


@dataclass(frozen=True)
class Retention:
    by_first_level: dict[str, Curve]
    by_cohort: dict[str, Curve]
    overall: Curve
    observed_until: date


def _duration(episode: EpisodeFact, until: date) -> tuple[int, bool]:
    if episode.discharged_on is not None and episode.discharged_on <= until:
        return (episode.discharged_on - episode.admitted_on).days, True
    return (until - episode.admitted_on).days, False


def retention(episodes: Sequence[EpisodeFact], start: date, end: date, as_of: date) -> Retention:
    """Days engaged in the continuum (admission to discharge, aftercare included; time
    referred out to detox or residential counts, since the episode stays open) for the
    episodes admitted in the range, followed until the range's end or ``as_of``, whichever
    is earlier; an episode still open then is censored. Kaplan-Meier by first level and by
    admission month. NIDA: "most addicted people need at least 3 months in treatment"
    (Principles of Drug Addiction Treatment, 3rd ed., 2018), hence 30/60/90 days.
    Denominator: episodes admitted in the range."""
    until = min(end, as_of)
    admitted = [e for e in episodes if start <= e.admitted_on <= until]

    def curve(group: Iterable[EpisodeFact], fit: Callable[..., Curve] = kaplan_meier) -> Curve:
        pairs = [_duration(e, until) for e in group]
        return fit([d for d, _ in pairs], [o for _, o in pairs])

    by_level: dict[str, list[EpisodeFact]] = defaultdict(list)
    by_cohort: dict[str, list[EpisodeFact]] = defaultdict(list)
    for episode in admitted:
        by_level[episode.first_level].append(episode)
        by_cohort[episode.cohort].append(episode)
    return Retention(
        by_first_level={k: curve(v) for k, v in sorted(by_level.items())},
        by_cohort={k: curve(v, product_limit) for k, v in sorted(by_cohort.items())},
        overall=curve(admitted),
        observed_until=until,
    )


@dataclass(frozen=True)
class StayLength:
    level: str
    episodes: int
    median_days: float
    members: Ids


def length_of_stay(
    episodes: Sequence[EpisodeFact], levels: Sequence[LevelFact], start: date, end: date
) -> list[StayLength]:
    """Median days at each level per episode, for the episodes discharged in the range
    (every stretch at the level summed, so a return after a step up adds to it).
    Denominator: discharged episodes that spent time at the level."""
    days: dict[str, list[int]] = defaultdict(list)
    members: dict[str, list[uuid.UUID]] = defaultdict(list)
    for episode in episodes:
        if episode.discharged_on is None or not start <= episode.discharged_on <= end:
            continue
        total: Counter[str] = Counter()
        for s in episode.stretches:
            stop = min(s.ends_on or episode.discharged_on, episode.discharged_on)
            total[s.level] += max((stop - s.starts_on).days, 0)
        for level, n in total.items():
            days[level].append(n)
            members[level].append(episode.episode_id)
    order = {lv.code: lv.order for lv in levels}
    return [
        StayLength(
            level, len(days[level]), float(statistics.median(days[level])), tuple(members[level])
        )
        for level in sorted(days, key=lambda c: (order.get(c, 99), c))
    ]


# --- Depression and anxiety (NCQA DRR-E style) --------------------------------------------

ELEVATED_ABOVE = 9  # index: a total > 9 (PHQ-9 10+ moderate: Kroenke 2001; GAD-7 10+: Spitzer 2006)
REMISSION_BELOW = 5
WINDOW_FROM, WINDOW_TO = 120, 240  # days after the index score, inclusive


@dataclass(frozen=True)
class IndexEpisode:
    episode_id: uuid.UUID
    index_day: date
    index_total: int
    latest: int | None  # the most recent total in the window; None: no follow-up score
    points: tuple[tuple[float, int], ...]  # (weeks since the index, total) up to day 240


@dataclass(frozen=True)
class SymptomOutcome:
    instrument: str
    indexed: int  # episodes with an elevated index score in the range
    pending: int  # of them, windows still open at as_of
    followed: Ids  # a score in the window
    responded: Ids  # latest in the window at least 50 % below the index
    remitted: Ids  # latest in the window below 5
    not_responded: Ids
    closed: tuple[IndexEpisode, ...]
    trajectories: tuple[IndexEpisode, ...]  # every indexed episode, window open or not

    @property
    def denominator(self) -> int:
        return len(self.closed)


def symptom_outcomes(
    episodes: Sequence[EpisodeFact],
    scores: Sequence[Score],
    instrument: str,
    start: date,
    end: date,
    as_of: date,
) -> SymptomOutcome:
    """NCQA HEDIS DRR-E, adapted to a program's episodes: the index is the episode's first
    elevated score (total > 9) while in care, dated in the range; the follow-up window is
    days 120-240 after it (4-8 months), inclusive; the client's most recent score in the
    window decides: response if it is at least 50 % below the index (latest <= index / 2),
    remission if it is below 5. Scores after discharge (aftercare follow-ups) count. No
    score in the window counts as neither. Denominator: indexed episodes whose window has
    closed by ``as_of``. Source: NCQA, "Depression Remission or Response for Adolescents and
    Adults (DRR-E)", HEDIS measure description."""
    by_client: dict[uuid.UUID, list[Score]] = defaultdict(list)
    for score in scores:
        if score.instrument == instrument and score.total is not None:
            by_client[score.client_id].append(score)
    for history in by_client.values():
        history.sort(key=lambda s: s.day)
    closed: list[IndexEpisode] = []
    every: list[IndexEpisode] = []
    pending = 0
    for episode in episodes:
        last = episode.discharged_on - timedelta(days=1) if episode.discharged_on else as_of
        mine = by_client.get(episode.client_id, [])
        index = next(
            (
                s
                for s in mine
                if episode.admitted_on <= s.day <= last and (s.total or 0) > ELEVATED_ABOVE
            ),
            None,
        )
        if index is None or index.total is None or not start <= index.day <= end:
            continue
        window_start = index.day + timedelta(days=WINDOW_FROM)
        window_end = index.day + timedelta(days=WINDOW_TO)
        in_window = [s for s in mine if window_start <= s.day <= window_end]
        points = tuple(
            (round((s.day - index.day).days / 7, 2), s.total or 0)
            for s in mine
            if index.day <= s.day <= window_end
        )
        found = IndexEpisode(
            episode.episode_id,
            index.day,
            index.total,
            in_window[-1].total if in_window else None,
            points,
        )
        every.append(found)
        if window_end > as_of:
            pending += 1
        else:
            closed.append(found)
    followed = tuple(e.episode_id for e in closed if e.latest is not None)
    responded = tuple(
        e.episode_id for e in closed if e.latest is not None and 2 * e.latest <= e.index_total
    )
    remitted = tuple(
        e.episode_id for e in closed if e.latest is not None and e.latest < REMISSION_BELOW
    )
    return SymptomOutcome(
        instrument=instrument,
        indexed=len(every),
        pending=pending,
        followed=followed,
        responded=responded,
        remitted=remitted,
        not_responded=tuple(e.episode_id for e in closed if e.episode_id not in set(responded)),
        closed=tuple(closed),
        trajectories=tuple(every),
    )


TRAJECTORY_BIN_WEEKS = 4


def median_by_bin(outcome: SymptomOutcome) -> list[tuple[int, float, int]]:
    """(first week of the bin, median total, clients) per 4-week bin since the index; each
    client's last score in a bin stands for them, so nobody counts twice in one bin."""
    bins: dict[int, dict[uuid.UUID, int]] = defaultdict(dict)
    for found in outcome.trajectories:
        for weeks_since, total in found.points:
            bins[int(weeks_since // TRAJECTORY_BIN_WEEKS) * TRAJECTORY_BIN_WEEKS][
                found.episode_id
            ] = total
    return [
        (week, float(statistics.median(v.values())), len(v)) for week, v in sorted(bins.items())
    ]


# --- Use ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestWeek:
    monday: date
    counts: dict[SpecimenOutcome, int]

    @property
    def resulted(self) -> int:
        return self.counts[SpecimenOutcome.NEGATIVE] + self.counts[SpecimenOutcome.POSITIVE]

    @property
    def negative_pct(self) -> float | None:
        return pct(self.counts[SpecimenOutcome.NEGATIVE], self.resulted)


SHOWN_OUTCOMES = tuple(o for o in SpecimenOutcome if o is not SpecimenOutcome.PENDING)


def drug_tests_by_week(
    episodes: Sequence[EpisodeFact], specimens: Sequence[Specimen], start: date, end: date
) -> list[TestWeek]:
    """Per week of the range, the scoped clients' drug-test orders by outcome. % negative =
    negative specimens / (negative + unexpectedly positive) specimens: a positive the
    client's prescriptions explain counts as negative (it is expected), while refused,
    missed and invalid specimens are counted apart and never as negative (SAMHSA TIP 63
    and ASAM's 2017 drug-testing consensus: a refusal or a missed test is treated as
    presumptively positive clinically, so it must never improve a negative rate).
    Denominator: resulted specimens that week."""
    clients = {e.client_id for e in episodes}
    mondays = weeks(start, end)
    counts = {d: dict.fromkeys(SpecimenOutcome, 0) for d in mondays}
    for specimen in specimens:
        mine = specimen.client_id is None or specimen.client_id in clients
        if mine and start <= specimen.day <= end:
            counts[monday(specimen.day)][specimen.outcome] += specimen.n
    return [TestWeek(d, counts[d]) for d in mondays]


MONTHS_OF_CARE = 6  # months 0-5 shown apart, later ones together as "6+"


@dataclass(frozen=True)
class UseMonth:
    month: int  # month of care, 0 = the first 30 days; MONTHS_OF_CARE = that and later
    bam: int
    bam_any_use: int
    bam_use_mean: float | None
    checkins: int
    checkins_used: int


def _month_of_care(episodes: Sequence[EpisodeFact], day: date) -> int | None:
    for episode in episodes:
        if episode.admitted_on <= day and (
            episode.discharged_on is None or day < episode.discharged_on
        ):
            return min((day - episode.admitted_on).days // 30, MONTHS_OF_CARE)
    return None


def use_by_month_of_care(
    episodes: Sequence[EpisodeFact],
    scores: Sequence[Score],
    checkin_months: Mapping[int, tuple[int, int]],
    start: date,
    end: date,
) -> list[UseMonth]:
    """Self-reported use by month of care (30-day months since admission, month 0 the first
    30 days), for reports dated in the range while in care. BAM: the share of
    administrations reporting any day of alcohol (item 4) or drug use (item 6) in the past
    30 days, and the mean Use subscale (items 4+5+6, 0-12; Cacciola et al. 2013). Check-ins:
    the share of daily check-ins answering yes to "used since your last check-in", counted
    by month of care in SQL (``repository._checkin_months``: {month: (check-ins, used)}).
    Denominators: BAM administrations and check-ins in that month of care."""
    by_client: dict[uuid.UUID, list[EpisodeFact]] = defaultdict(list)
    for episode in episodes:
        by_client[episode.client_id].append(episode)
    bam: dict[int, list[Score]] = defaultdict(list)
    for score in scores:
        if score.instrument != "bam" or not start <= score.day <= end:
            continue
        month = _month_of_care(by_client.get(score.client_id, []), score.day)
        if month is not None:
            bam[month].append(score)
    result = []
    for month in range(MONTHS_OF_CARE + 1):
        given = bam.get(month, [])
        subscale = [s.use_subscale for s in given if s.use_subscale is not None]
        checkins, used = checkin_months.get(month, (0, 0))
        result.append(
            UseMonth(
                month=month,
                bam=len(given),
                bam_any_use=sum(
                    1
                    for s in given
                    if (s.alcohol_days_band or 0) > 0 or (s.drug_days_band or 0) > 0
                ),
                bam_use_mean=round(statistics.fmean(subscale), 2) if subscale else None,
                checkins=checkins,
                checkins_used=used,
            )
        )
    return result


# --- Continuum ---------------------------------------------------------------------------

ADMISSION, DISCHARGE = "Admission", "Discharge"


@dataclass(frozen=True)
class Matrix:
    rows: tuple[str, ...]  # from: Admission, then levels
    columns: tuple[str, ...]  # to: levels, then Discharge
    counts: dict[tuple[str, str], int]
    members: dict[tuple[str, str], Ids]


def transition_matrix(
    episodes: Sequence[EpisodeFact], levels: Sequence[LevelFact], start: date, end: date
) -> Matrix:
    """Moves between levels that took effect in the range: admission to the first level,
    each segment change (the diagonal is a change of track at the same level), and the last
    level to discharge. Denominator: moves in the range."""
    members: dict[tuple[str, str], list[uuid.UUID]] = defaultdict(list)
    for episode in episodes:
        previous = ADMISSION
        for stretch in episode.stretches:
            if start <= stretch.starts_on <= end:
                members[(previous, stretch.level)].append(episode.episode_id)
            previous = stretch.level
        if episode.discharged_on is not None and start <= episode.discharged_on <= end:
            members[(previous, DISCHARGE)].append(episode.episode_id)
    order = {lv.code: lv.order for lv in levels}
    seen = sorted(
        {k for pair in members for k in pair} - {ADMISSION, DISCHARGE},
        key=lambda c: (order.get(c, 99), c),
    )
    return Matrix(
        rows=(ADMISSION, *seen),
        columns=(*seen, DISCHARGE),
        counts={k: len(v) for k, v in members.items()},
        members={k: tuple(v) for k, v in members.items()},
    )


STEP_WINDOWS = (30, 90)
# Endings that are not a success: the client left, or the program ended the stay.
UNPLANNED_ENDINGS = frozenset({"left_against_advice", "administrative"})


@dataclass(frozen=True)
class StepDownResult:
    days: int
    held: Ids  # stayed at the lower level or below, or completed, for the whole window
    failed: Ids  # stepped up, referred out, left or was readmitted within the window
    pending: int  # window still open

    @property
    def denominator(self) -> int:
        return len(self.held) + len(self.failed)


def step_down_success(
    episodes: Sequence[EpisodeFact],
    admissions: Mapping[uuid.UUID, Sequence[date]],
    start: date,
    end: date,
    as_of: date,
) -> list[StepDownResult]:
    """Step downs effective in the range that held: no step up and no referral out to
    detox or residential within N days (30 and 90) of the step down, no against-advice or
    administrative discharge within them, and no new admission of the client within them
    after a discharge. A step down whose window ends after ``as_of`` is pending.
    Denominator: step downs in the range whose window has closed. (A program-level
    adaptation; the 30/90-day horizons follow the issue and common payer readmission
    windows.)"""
    results = []
    for days in STEP_WINDOWS:
        held: list[uuid.UUID] = []
        failed: list[uuid.UUID] = []
        pending = 0
        for episode in episodes:
            for stretch in episode.stretches:
                if stretch.transition != "step_down" or not start <= stretch.starts_on <= end:
                    continue
                horizon = stretch.starts_on + timedelta(days=days)
                if horizon > as_of:
                    pending += 1
                    continue
                later = [
                    s
                    for s in episode.stretches
                    if stretch.starts_on < s.starts_on <= horizon
                    and s.transition in ("step_up", "refer_out")
                ]
                left = (
                    episode.discharged_on is not None
                    and episode.discharged_on <= horizon
                    and episode.discharge_type in UNPLANNED_ENDINGS
                )
                readmitted = any(
                    stretch.starts_on < admitted <= horizon
                    for admitted in admissions.get(episode.client_id, ())
                )
                (failed if later or left or readmitted else held).append(episode.episode_id)
        results.append(StepDownResult(days, tuple(held), tuple(failed), pending))
    return results


FOLLOW_UP_WINDOWS = (7, 30)
SERVICE_CONTACTS = frozenset({ContactKind.RELAPSE_PREVENTION, ContactKind.FOLLOW_UP})


@dataclass(frozen=True)
class FollowUpResult:
    days: int
    met: Ids
    missed: Ids
    pending: int

    @property
    def denominator(self) -> int:
        return len(self.met) + len(self.missed)


def _service_days(
    attendance: Sequence[AttendedDay],
    contacts: Sequence[Contact],
    kinds: frozenset[ContactKind],
    checkins: Sequence[CheckInDay] = (),
) -> dict[uuid.UUID, list[date]]:
    days: dict[uuid.UUID, set[date]] = defaultdict(set)
    for checkin in checkins:
        days[checkin.client_id].add(checkin.day)
    for a in attendance:
        if a.minutes > 0:
            days[a.client_id].add(a.day)
    for c in contacts:
        if c.kind in kinds:
            days[c.client_id].add(c.day)
    return {k: sorted(v) for k, v in days.items()}


def _within(days: Sequence[date], first: date, last: date) -> bool:
    return any(first <= d <= last for d in days)


def follow_up_after_transition(
    episodes: Sequence[EpisodeFact],
    attendance: Sequence[AttendedDay],
    contacts: Sequence[Contact],
    start: date,
    end: date,
    as_of: date,
) -> list[FollowUpResult]:
    """NCQA FUI-like: after a step down or a return from detox or residential care
    effective on day D (the higher-intensity stay's last day is D-1), a follow-up service
    within 7 and within 30 days after that last day, i.e. on D..D+6 and D..D+29: an
    attended session or appointment (credited minutes > 0), a completed relapse-prevention
    check-in or a reached follow-up call. The client's own daily check-in is not a
    service. Denominator: such transitions in the range whose window has closed by
    ``as_of``. Source: NCQA HEDIS "Follow-Up After High-Intensity Care for Substance Use
    Disorder (FUI)" (follow-up within 7 and 30 days, on a date after the discharge)."""
    served = _service_days(attendance, contacts, SERVICE_CONTACTS)
    results = []
    for days in FOLLOW_UP_WINDOWS:
        met: list[uuid.UUID] = []
        missed: list[uuid.UUID] = []
        pending = 0
        for episode in episodes:
            for stretch in episode.stretches:
                if stretch.transition not in ("step_down", "return_from_referral"):
                    continue
                if not start <= stretch.starts_on <= end:
                    continue
                last = stretch.starts_on + timedelta(days=days - 1)
                if last > as_of:
                    pending += 1
                    continue
                hit = _within(served.get(episode.client_id, []), stretch.starts_on, last)
                (met if hit else missed).append(episode.episode_id)
        results.append(FollowUpResult(days, tuple(met), tuple(missed), pending))
    return results


def aftercare_engagement(
    episodes: Sequence[EpisodeFact],
    contacts: Sequence[Contact],
    start: date,
    end: date,
    as_of: date,
    checkins: Sequence[CheckInDay] = (),
) -> list[FollowUpResult]:
    """After a discharge in the range (deaths excluded), any contact within 7 and within
    30 days: a check-in, a relapse-prevention check-in, a reached follow-up call or an
    alumni event attended, dated ``discharged_on``..``discharged_on + N - 1`` (the N days
    after the last day in care). Denominator: discharges in the range whose window has
    closed by ``as_of``."""
    reached = _service_days((), contacts, frozenset(ContactKind), checkins)
    results = []
    for days in FOLLOW_UP_WINDOWS:
        met: list[uuid.UUID] = []
        missed: list[uuid.UUID] = []
        pending = 0
        for episode in episodes:
            gone = episode.discharged_on
            if gone is None or not start <= gone <= end or episode.discharge_type == "deceased":
                continue
            last = gone + timedelta(days=days - 1)
            if last > as_of:
                pending += 1
                continue
            hit = _within(reached.get(episode.client_id, []), gone, last)
            (met if hit else missed).append(episode.episode_id)
        results.append(FollowUpResult(days, tuple(met), tuple(missed), pending))
    return results


@dataclass(frozen=True)
class FollowUpOutcome:
    days_after: int
    due: Ids
    recorded: int
    reached: int
    abstinent: Ids
    readmitted: int
    unreached: Ids


def follow_up_outcomes(
    episodes: Sequence[EpisodeFact],
    followups: Sequence[FollowUpFact],
    days_after: Sequence[int],
    start: date,
    end: date,
    as_of: date,
) -> list[FollowUpOutcome]:
    """The 30/90/180/365-day post-discharge follow-ups that fell due in the range (and by
    ``as_of``): due, recorded, reached, abstinent, readmitted. A discharge with no
    follow-up recorded still counts as due; abstinence is a share of all due, so a client
    never reached is never counted abstinent. Deaths are excluded. Denominator: discharges
    whose N-day follow-up fell due in the range."""
    by_key = {(f.episode_id, f.days_after): f for f in followups}
    result = []
    for n in days_after:
        due: list[uuid.UUID] = []
        abstinent: list[uuid.UUID] = []
        unreached: list[uuid.UUID] = []
        recorded = reached = readmitted = 0
        for episode in episodes:
            if episode.discharged_on is None or episode.discharge_type == "deceased":
                continue
            on = episode.discharged_on + timedelta(days=n)
            if not start <= on <= end or on > as_of:
                continue
            due.append(episode.episode_id)
            found = by_key.get((episode.episode_id, n))
            if found is None or not found.recorded:
                unreached.append(episode.episode_id)
                continue
            recorded += 1
            if found.reached:
                reached += 1
                if found.abstinent:
                    abstinent.append(episode.episode_id)
                if found.readmitted:
                    readmitted += 1
            else:
                unreached.append(episode.episode_id)
        result.append(
            FollowUpOutcome(
                n, tuple(due), recorded, reached, tuple(abstinent), readmitted, tuple(unreached)
            )
        )
    return result


# --- Dose --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dose:
    site_id: uuid.UUID
    level: str
    required_hours: float
    hours: tuple[float, ...]  # delivered per client-week
    short: Ids  # episodes with a week below the minimum
    weeks_by_episode: tuple[tuple[uuid.UUID, bool], ...]  # per client-week: whose, met

    @property
    def weeks(self) -> int:
        return len(self.hours)

    @property
    def met(self) -> int:
        return sum(1 for h in self.hours if h >= self.required_hours)

    @property
    def median(self) -> float | None:
        return round(statistics.median(self.hours), 1) if self.hours else None


def dose(
    episodes: Sequence[EpisodeFact],
    levels: Sequence[LevelFact],
    attendance: Sequence[AttendedDay],
    start: date,
    end: date,
    as_of: date,
) -> list[Dose]:
    """Hours delivered against the level's weekly minimum (the catalog's
    ``weekly_hours_min``: PHP 20, IOP 9, OP 1; ASAM 4th ed. and the Medicare IOP/PHP rules
    in docs/domain.md), per client-week: weeks (Monday-Sunday) inside the range and before
    ``as_of`` that a client spent whole at one in-house level that has a minimum. Hours are
    credited minutes / 60 (late arrivals and early departures already deducted).
    Denominator: such client-weeks, per site and level."""
    minimum = {
        lv.code: lv.weekly_hours_min
        for lv in levels
        if lv.in_house and lv.weekly_hours_min is not None
    }
    minutes: dict[tuple[uuid.UUID, date], int] = defaultdict(int)
    for a in attendance:
        minutes[(a.client_id, monday(a.day))] += a.minutes
    cells: dict[tuple[uuid.UUID, str], list[float]] = defaultdict(list)
    whose: dict[tuple[uuid.UUID, str], list[tuple[uuid.UUID, bool]]] = defaultdict(list)
    short: dict[tuple[uuid.UUID, str], dict[uuid.UUID, None]] = defaultdict(dict)
    for episode in episodes:
        for stretch in episode.stretches:
            required = minimum.get(stretch.level)
            if required is None:
                continue
            stop = min(d for d in (stretch.ends_on, episode.discharged_on, as_of) if d is not None)
            first = max(monday(stretch.starts_on + timedelta(days=6)), monday(start))
            week = first
            while week + timedelta(days=6) < stop and week + timedelta(days=6) <= end:
                if week >= stretch.starts_on:
                    hours = round(minutes.get((episode.client_id, week), 0) / 60, 2)
                    key = (episode.site_id, stretch.level)
                    cells[key].append(hours)
                    whose[key].append((episode.episode_id, hours >= required))
                    if hours < required:
                        short[key][episode.episode_id] = None
                week += timedelta(weeks=1)
    order = {lv.code: lv.order for lv in levels}
    return [
        Dose(
            site,
            level,
            float(minimum[level]),
            tuple(cells[(site, level)]),
            tuple(short[(site, level)]),
            tuple(whose[(site, level)]),
        )
        for site, level in sorted(cells, key=lambda k: (str(k[0]), order.get(k[1], 99)))
    ]


# --- Insurance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PayerDecisions:
    payer: str
    counts: dict[str, int]  # AuthStatus value -> authorizations
    requested_units: int
    approved_units: int

    @property
    def decided(self) -> int:
        return sum(self.counts.get(k, 0) for k in ("approved", "partial", "denied"))


def authorizations_by_payer(
    episodes: Sequence[EpisodeFact], authorizations: Sequence[AuthFact], start: date, end: date
) -> list[PayerDecisions]:
    """Authorizations for the scoped episodes whose service period starts in the range, by
    payer and status: approved in full, partly approved (fewer units than requested, a
    reduction), denied, and still pending or in appeal. Units are summed over decided ones.
    Denominator: decided authorizations (approved + partial + denied) per payer."""
    scoped = {e.episode_id for e in episodes}
    by_payer: dict[str, list[AuthFact]] = defaultdict(list)
    for auth in authorizations:
        if auth.episode_id in scoped and start <= auth.starts_on <= end:
            by_payer[auth.payer].append(auth)
    result = []
    for payer in sorted(by_payer):
        found = by_payer[payer]
        decided = [a for a in found if a.status in ("approved", "partial", "denied")]
        result.append(
            PayerDecisions(
                payer=payer,
                counts=dict(Counter(a.status for a in found)),
                requested_units=sum(a.requested_units for a in decided),
                approved_units=sum(a.approved_units or 0 for a in decided),
            )
        )
    return result


@dataclass(frozen=True)
class Measures:
    """Every measure of one report, computed once."""

    census: Census
    flow: Flow
    reasons: Reasons
    retention: Retention
    stay: list[StayLength]
    phq9: SymptomOutcome
    gad7: SymptomOutcome
    tests: list[TestWeek]
    use: list[UseMonth]
    matrix: Matrix
    step_downs: list[StepDownResult]
    follow_up: list[FollowUpResult]
    engagement: list[FollowUpResult]
    outcomes: list[FollowUpOutcome]
    dose: list[Dose]
    payers: list[PayerDecisions]
    episodes: int


FOLLOW_UP_DAYS = (30, 90, 180, 365)  # aftercare.rules.FOLLOW_UP_DAYS, the calls the program makes


def compute(data: OutcomeData, start: date, end: date) -> Measures:
    """Every measure over the same episodes and range."""
    e, lv, as_of = data.episodes, data.levels, data.as_of
    return Measures(
        census=census_by_level(e, lv, start, end),
        flow=admissions_and_discharges(e, start, end),
        reasons=discharge_reasons(e, start, end),
        retention=retention(e, start, end, as_of),
        stay=length_of_stay(e, lv, start, end),
        phq9=symptom_outcomes(e, data.scores, "phq9", start, end, as_of),
        gad7=symptom_outcomes(e, data.scores, "gad7", start, end, as_of),
        tests=drug_tests_by_week(e, data.specimens, start, end),
        use=use_by_month_of_care(e, data.scores, data.checkin_months, start, end),
        matrix=transition_matrix(e, lv, start, end),
        step_downs=step_down_success(e, data.admissions, start, end, as_of),
        follow_up=follow_up_after_transition(e, data.attendance, data.contacts, start, end, as_of),
        engagement=aftercare_engagement(
            e, data.contacts, start, end, as_of, data.checkins_after_discharge
        ),
        outcomes=follow_up_outcomes(e, data.followups, FOLLOW_UP_DAYS, start, end, as_of),
        dose=dose(e, lv, data.attendance_weeks, start, end, as_of),
        payers=authorizations_by_payer(e, data.authorizations, start, end),
        episodes=len(e),
    )
