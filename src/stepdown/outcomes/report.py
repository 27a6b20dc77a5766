"""Turning the measures into the report's figures, on screen or masked for leaving it.

``figures(measures, masked=False)`` is what staff read on the Outcomes page: exact counts.
``masked=True`` is every copy that leaves the screen (the print view, the CSV downloads,
the CLI report): counts of fewer than 11 become "<11" in the tables, and in the charts a
count under 11 (or a rate over fewer than 11) is left out rather than drawn, so a printed
bar cannot give away what its table hides. The drill-down lists behind each figure are in
``members``: key -> episode ids.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from stepdown.outcomes import measures as m
from stepdown.outcomes.facts import SpecimenOutcome
from stepdown.outcomes.figures import SMALL_CELL, Cell, ChartKind, Figure, Series, Table, Threshold

PCT = "Per cent"
SOURCE_NCQA_DRR = "NCQA HEDIS DRR-E (Depression Remission or Response), adapted to episodes"
SOURCE_NCQA_FUI = "NCQA HEDIS FUI (Follow-Up After High-Intensity Care for SUD), adapted"


@dataclass(frozen=True)
class Report:
    title: str
    scope: str
    as_of: date
    episodes: int
    figures: tuple[Figure, ...]
    members: dict[str, tuple[uuid.UUID, ...]]
    masked: bool

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)


def _small(n: int | None) -> bool:
    return n is not None and 0 < n < SMALL_CELL


class _Builder:
    def __init__(self, measures: m.Measures, masked: bool, site_names: dict[uuid.UUID, str]):
        self.measures = measures
        self.masked = masked
        self.site_names = site_names
        self.members: dict[str, tuple[uuid.UUID, ...]] = {}

    def count(self, n: int) -> float | None:
        """A count as a chart may draw it."""
        return None if self.masked and _small(n) else float(n)

    def rate(self, part: int, whole: int) -> float | None:
        """A rate as a chart may draw it: none over fewer than 11 when masked."""
        if self.masked and (_small(whole) or _small(part)):
            return None
        return m.pct(part, whole)

    def table(self, table: Table) -> Table:
        return table.masked() if self.masked else table

    def drill(self, key: str, ids: Sequence[uuid.UUID]) -> str:
        self.members[key] = tuple(ids)
        return key


def _weeks(mondays: Sequence[date]) -> tuple[str, ...]:
    return tuple(d.isoformat() for d in mondays)


def census(b: _Builder) -> Figure:
    c = b.measures.census
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (
            d.isoformat(),
            *(c.counts[level][i] for level in c.levels),
            sum(c.counts[lv][i] for lv in c.levels),
        )
        for i, d in enumerate(c.mondays)
    )
    return Figure(
        key="census",
        title="Census by level",
        definition="Clients in care at each level on each Monday of the range (point census); "
        "clients referred out to detox or residential count at the partner's level.",
        source="Program records (continuum segments)",
        denominator=f"Clients in care on each Monday; {b.measures.episodes} episodes in scope",
        kind=ChartKind.LINE,
        x_label="Week of",
        y_label="Clients",
        x=_weeks(c.mondays),
        series=tuple(
            Series(level, tuple(b.count(n) for n in c.counts[level])) for level in c.levels
        ),
        table=b.table(
            Table(("Week of", *c.levels, "Total"), rows, counts=frozenset((*c.levels, "Total")))
        ),
    )


def flow(b: _Builder) -> Figure:
    f = b.measures.flow
    return Figure(
        key="admissions-discharges",
        title="Admissions and discharges per week",
        definition="Episodes admitted (admission date) and discharged (discharge date) in each "
        "week (Monday to Sunday) of the range.",
        source="Program records (episodes)",
        denominator=f"{sum(f.admissions)} admissions and {sum(f.discharges)} discharges "
        "in the range",
        kind=ChartKind.LINE,
        x_label="Week of",
        y_label="Episodes",
        x=_weeks(f.mondays),
        series=(
            Series("Admissions", tuple(b.count(n) for n in f.admissions)),
            Series("Discharges", tuple(b.count(n) for n in f.discharges)),
        ),
        table=b.table(
            Table(
                ("Week of", "Admissions", "Discharges"),
                tuple(
                    (d.isoformat(), a, x)
                    for d, a, x in zip(f.mondays, f.admissions, f.discharges, strict=True)
                ),
                counts=frozenset({"Admissions", "Discharges"}),
            )
        ),
    )


def _reason_label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def reasons(b: _Builder) -> Figure:
    r = b.measures.reasons
    labels = tuple(_reason_label(k) for k in r.counts)
    return Figure(
        key="discharge-reasons",
        title="Discharge reasons",
        definition="How the episodes discharged in the range ended: completed, left against "
        "advice, administrative, referred out, transferred, deceased.",
        source="Program records (discharge type chosen at discharge)",
        denominator=f"{r.total} episodes discharged in the range",
        kind=ChartKind.BAR,
        x_label="Discharge reason",
        y_label=PCT,
        x=labels,
        series=(
            Series("Share of discharges", tuple(b.rate(n, r.total) for n in r.counts.values())),
        ),
        y_max=100,
        table=b.table(
            Table(
                ("Reason", "Episodes", "Per cent"),
                tuple(
                    (label, n, m.pct(n, r.total))
                    for label, n in zip(labels, r.counts.values(), strict=True)
                ),
                counts=frozenset({"Episodes"}),
                rates={"Per cent": "Episodes"},
            )
        ),
        drill={
            b.drill(f"discharge-reasons:{k}", ids): _reason_label(k) for k, ids in r.members.items()
        },
    )


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _km_median(curve: m.Curve) -> float | None:
    for day, s in zip(curve.days, curve.survival, strict=True):
        if s <= 0.5:
            return day
    return None


def _curve_figure(
    b: _Builder, key: str, title: str, curves: dict[str, m.Curve], group: str
) -> Figure:
    r = b.measures.retention
    grid = sorted({d for c in curves.values() for d in c.days} | {0.0})
    shown = {k: c for k, c in curves.items() if not (b.masked and _small(c.n))}
    series = tuple(
        Series(
            name,
            tuple(_step_at(c, d) for d in grid),
            lower=tuple(_band_at(c, c.lower, d) for d in grid),
            upper=tuple(_band_at(c, c.upper, d) for d in grid),
        )
        for name, c in shown.items()
    )
    rows = tuple(
        (
            name,
            c.n,
            c.events,
            c.n - c.events,
            *(_percent(c.at(days)) for days in m.RETENTION_DAYS),
            _km_median(c),
        )
        for name, c in curves.items()
    )
    columns = (group, "Episodes", "Discharged", "Still in care (censored)")
    retained = tuple(f"Retained at {d} days (%)" for d in m.RETENTION_DAYS)
    return Figure(
        key=key,
        title=title,
        definition="Kaplan-Meier estimate of the share of episodes still engaged in the "
        "continuum (aftercare included) after each day since admission, for episodes admitted "
        f"in the range and followed until {r.observed_until.isoformat()}; episodes still open "
        "then are censored. Shaded: 95 % confidence band.",
        source="Kaplan & Meier 1958 via lifelines; NIDA Principles (3rd ed.): 90 days",
        denominator=f"{r.overall.n} episodes admitted in the range, {r.overall.events} discharged",
        kind=ChartKind.STEP,
        x_label="Days since admission",
        y_label="Share still in care",
        x=tuple(grid),
        series=series,
        y_max=1.0,
        thresholds=(Threshold("90 days", 90, axis="x"),),
        table=b.table(
            Table(
                (*columns, *retained, "Median days (KM)"),
                rows,
                counts=frozenset({"Episodes", "Discharged", "Still in care (censored)"}),
                rates=dict.fromkeys(retained, "Episodes"),
            )
        ),
        empty_reason="" if curves else "No episode was admitted in the range.",
    )


def _step_at(curve: m.Curve, day: float) -> float | None:
    return _band_at(curve, curve.survival, day)


def _band_at(curve: m.Curve, band: Sequence[float | None], day: float) -> float | None:
    """The step function's value at ``day`` (None past the longest follow-up)."""
    if day > curve.longest:
        return None
    i = bisect.bisect_right(curve.days, day)
    return 1.0 if i == 0 else band[i - 1]


def retention_by_level(b: _Builder) -> Figure:
    return _curve_figure(
        b,
        "retention",
        "Retention by first level",
        b.measures.retention.by_first_level,
        "First level",
    )


def retention_by_cohort(b: _Builder) -> Figure:
    r = b.measures.retention
    cohorts = tuple(r.by_cohort)
    return Figure(
        key="retention-cohort",
        title="Retention at 30, 60 and 90 days by admission month",
        definition="For each admission month, the Kaplan-Meier share still engaged 30, 60 and "
        "90 days after admission; blank where the month's follow-up is shorter.",
        source="Kaplan & Meier 1958 via lifelines; NIDA Principles (3rd ed.): 90 days",
        denominator=f"{r.overall.n} episodes admitted in the range, by admission month",
        kind=ChartKind.LINE,
        x_label="Admission month",
        y_label=PCT,
        x=cohorts,
        y_max=100,
        series=tuple(
            Series(
                f"{days} days",
                tuple(
                    None if b.masked and _small(c.n) else _percent(c.at(days))
                    for c in r.by_cohort.values()
                ),
            )
            for days in m.RETENTION_DAYS
        ),
        table=b.table(
            Table(
                ("Admission month", "Episodes", *(f"{d} days (%)" for d in m.RETENTION_DAYS)),
                tuple(
                    (k, c.n, *(_percent(c.at(d)) for d in m.RETENTION_DAYS))
                    for k, c in r.by_cohort.items()
                ),
                counts=frozenset({"Episodes"}),
                rates={f"{d} days (%)": "Episodes" for d in m.RETENTION_DAYS},
            )
        ),
    )


def stay(b: _Builder) -> Figure:
    s = b.measures.stay
    return Figure(
        key="length-of-stay",
        title="Median length of stay per level",
        definition="For episodes discharged in the range, the median number of days spent at "
        "each level (all stretches at the level summed).",
        source="Program records (continuum segments)",
        denominator=f"{b.measures.reasons.total} episodes discharged in the range; per level, "
        "those that spent time at it",
        kind=ChartKind.BAR,
        x_label="Level",
        y_label="Median days",
        x=tuple(x.level for x in s),
        series=(
            Series(
                "Median days",
                tuple(None if b.masked and _small(x.episodes) else x.median_days for x in s),
            ),
        ),
        table=b.table(
            Table(
                ("Level", "Episodes", "Median days"),
                tuple((x.level, x.episodes, x.median_days) for x in s),
                counts=frozenset({"Episodes"}),
                rates={"Median days": "Episodes"},
            )
        ),
    )


def symptoms(b: _Builder) -> Figure:
    outcomes = (b.measures.phq9, b.measures.gad7)
    names = {"phq9": "PHQ-9", "gad7": "GAD-7"}
    parts = ("Follow-up score", "Response (50 % drop)", "Remission (< 5)")
    drill = {}
    for o in outcomes:
        drill[b.drill(f"{o.instrument}-not-responded", o.not_responded)] = (
            f"{names[o.instrument]}: no response"
        )
    return Figure(
        key="symptoms",
        title="Depression (PHQ-9) and anxiety (GAD-7): response and remission",
        definition="Index: an episode's first score above 9 while in care, dated in the range. "
        "Window: days 120-240 after the index. The most recent score in the window decides: "
        "response if at most half the index, remission if below 5. No score in the window "
        "counts as neither.",
        source=f"{SOURCE_NCQA_DRR}; Kroenke 2001 (PHQ-9), Spitzer 2006 (GAD-7)",
        denominator="; ".join(
            f"{names[o.instrument]}: {o.denominator} indexed episodes with a closed window "
            f"({o.pending} still open)"
            for o in outcomes
        ),
        kind=ChartKind.BAR,
        x_label="",
        y_label=PCT,
        x=parts,
        y_max=100,
        series=tuple(
            Series(
                names[o.instrument],
                (
                    b.rate(len(o.followed), o.denominator),
                    b.rate(len(o.responded), o.denominator),
                    b.rate(len(o.remitted), o.denominator),
                ),
            )
            for o in outcomes
        ),
        table=b.table(
            Table(
                (
                    "Instrument",
                    "Indexed",
                    "Window open",
                    "Window closed",
                    "Follow-up score",
                    "Follow-up (%)",
                    "Response",
                    "Response (%)",
                    "Remission",
                    "Remission (%)",
                ),
                tuple(
                    (
                        names[o.instrument],
                        o.indexed,
                        o.pending,
                        o.denominator,
                        len(o.followed),
                        m.pct(len(o.followed), o.denominator),
                        len(o.responded),
                        m.pct(len(o.responded), o.denominator),
                        len(o.remitted),
                        m.pct(len(o.remitted), o.denominator),
                    )
                    for o in outcomes
                ),
                counts=frozenset(
                    {
                        "Indexed",
                        "Window open",
                        "Window closed",
                        "Follow-up score",
                        "Response",
                        "Remission",
                    }
                ),
                rates={
                    "Follow-up (%)": "Window closed",
                    "Response (%)": "Window closed",
                    "Remission (%)": "Window closed",
                },
            )
        ),
        drill=drill,
    )


def trajectories(b: _Builder, outcome: m.SymptomOutcome, name: str) -> Figure:
    bins = m.median_by_bin(outcome)
    faint = (
        ()
        if b.masked
        else tuple(
            Series(
                "",
                tuple(float(t) for _, t in e.points),
                faint=True,
                x=tuple(w for w, _ in e.points),
            )
            for e in outcome.trajectories
            if len(e.points) > 1
        )
    )
    return Figure(
        key=f"{outcome.instrument}-trajectories",
        title=f"{name} trajectories after an elevated index score",
        definition=f"Each faint line is one episode's {name} totals from its index score (above "
        "9) to day 240; the bold line is the median per 4-week bin (each client's last score in "
        "the bin). Dashed: 10 (moderate) and 5 (remission).",
        source=f"{SOURCE_NCQA_DRR}",
        denominator=f"{outcome.indexed} episodes with an elevated index score in the range",
        kind=ChartKind.TRAJECTORIES,
        x_label="Weeks since the index score",
        y_label=f"{name} total",
        x=tuple(float(week) for week, _, _ in bins),
        series=(
            *faint,
            Series(
                "Median",
                tuple(None if b.masked and _small(n) else med for _, med, n in bins),
            ),
        ),
        thresholds=(Threshold("Moderate (10)", 10), Threshold("Remission (< 5)", 5)),
        y_max=27 if outcome.instrument == "phq9" else 21,
        table=b.table(
            Table(
                ("Weeks since index", "Clients", "Median total"),
                tuple((f"{w}-{w + m.TRAJECTORY_BIN_WEEKS - 1}", n, med) for w, med, n in bins),
                counts=frozenset({"Clients"}),
                rates={"Median total": "Clients"},
            )
        ),
    )


def negative_tests(b: _Builder) -> Figure:
    t = b.measures.tests
    return Figure(
        key="drug-tests-negative",
        title="Negative drug tests per week",
        definition="Negative specimens / (negative + unexpectedly positive) specimens each "
        "week. Positives explained by the client's prescriptions count as negative; refused, "
        "missed and invalid specimens are never counted as negative (see the next chart).",
        source="SAMHSA TIP 63; ASAM Appropriate Use of Drug Testing (2017)",
        denominator=f"{sum(w.resulted for w in t)} resulted specimens in the range",
        kind=ChartKind.LINE,
        x_label="Week of",
        y_label=PCT,
        x=_weeks([w.monday for w in t]),
        y_max=100,
        series=(
            Series(
                "Negative",
                tuple(b.rate(w.counts[SpecimenOutcome.NEGATIVE], w.resulted) for w in t),
            ),
        ),
        table=b.table(
            Table(
                ("Week of", "Resulted", "Negative", "Negative (%)"),
                tuple(
                    (
                        w.monday.isoformat(),
                        w.resulted,
                        w.counts[SpecimenOutcome.NEGATIVE],
                        w.negative_pct,
                    )
                    for w in t
                ),
                counts=frozenset({"Resulted", "Negative"}),
                rates={"Negative (%)": "Resulted"},
            )
        ),
    )


def test_outcomes(b: _Builder) -> Figure:
    t = b.measures.tests
    names = tuple(o.value.capitalize() for o in m.SHOWN_OUTCOMES)
    return Figure(
        key="drug-test-outcomes",
        title="Drug-test orders by outcome per week",
        definition="Every order of the week (confirmations excluded) by outcome: negative, "
        "unexpected positive, invalid, refused, missed. Pending orders are left out.",
        source="Program records (drug-test orders and results)",
        denominator=f"{sum(sum(w.counts[o] for o in m.SHOWN_OUTCOMES) for w in t)} orders with "
        "an outcome in the range",
        kind=ChartKind.STACKED,
        x_label="Week of",
        y_label="Orders",
        x=_weeks([w.monday for w in t]),
        series=tuple(
            Series(name, tuple(b.count(w.counts[o]) for w in t))
            for name, o in zip(names, m.SHOWN_OUTCOMES, strict=True)
        ),
        table=b.table(
            Table(
                ("Week of", *names),
                tuple((w.monday.isoformat(), *(w.counts[o] for o in m.SHOWN_OUTCOMES)) for w in t),
                counts=frozenset(names),
            )
        ),
    )


def use(b: _Builder) -> Figure:
    u = b.measures.use
    labels = tuple(
        f"{x.month + 1}" if x.month < m.MONTHS_OF_CARE else f"{m.MONTHS_OF_CARE + 1}+" for x in u
    )
    return Figure(
        key="use",
        title="Self-reported use by month of care",
        definition="BAM: share of administrations reporting any day of alcohol (item 4) or drug "
        "use (item 6) in the past 30 days; check-ins: share answering yes to 'used since your "
        "last check-in'. Month 1 = the first 30 days after admission.",
        source="Cacciola et al. 2013 (BAM); program check-ins",
        denominator=f"{sum(x.bam for x in u)} BAM administrations and "
        f"{sum(x.checkins for x in u)} check-ins in the range",
        kind=ChartKind.LINE,
        x_label="Month of care",
        y_label=PCT,
        x=labels,
        y_max=100,
        series=(
            Series("BAM: any use", tuple(b.rate(x.bam_any_use, x.bam) for x in u)),
            Series("Check-ins: used", tuple(b.rate(x.checkins_used, x.checkins) for x in u)),
        ),
        table=b.table(
            Table(
                (
                    "Month of care",
                    "BAM given",
                    "BAM any use",
                    "BAM any use (%)",
                    "BAM Use subscale (mean)",
                    "Check-ins",
                    "Check-ins used",
                    "Check-ins used (%)",
                ),
                tuple(
                    (
                        label,
                        x.bam,
                        x.bam_any_use,
                        m.pct(x.bam_any_use, x.bam),
                        x.bam_use_mean,
                        x.checkins,
                        x.checkins_used,
                        m.pct(x.checkins_used, x.checkins),
                    )
                    for label, x in zip(labels, u, strict=True)
                ),
                counts=frozenset({"BAM given", "BAM any use", "Check-ins", "Check-ins used"}),
                rates={
                    "BAM any use (%)": "BAM given",
                    "BAM Use subscale (mean)": "BAM given",
                    "Check-ins used (%)": "Check-ins",
                },
            )
        ),
    )


def matrix(b: _Builder) -> Figure:
    x = b.measures.matrix
    drill = {
        b.drill(f"transitions:{src}:{dst}", ids): f"{src} to {dst}"
        for (src, dst), ids in sorted(x.members.items())
    }
    return Figure(
        key="transitions",
        title="Moves between levels",
        definition="Every move that took effect in the range: admission to a first level, each "
        "change of level (the diagonal is a change of track) and the last level to discharge.",
        source="Program records (continuum segments)",
        denominator=f"{sum(x.counts.values())} moves in the range",
        kind=ChartKind.MATRIX,
        x_label="To",
        y_label="From",
        x=x.columns,
        series=tuple(
            Series(src, tuple(_cell(b, x.counts.get((src, dst), 0)) for dst in x.columns))
            for src in x.rows
        ),
        table=b.table(
            Table(
                ("From", *x.columns),
                tuple((src, *(x.counts.get((src, dst), 0) for dst in x.columns)) for src in x.rows),
                counts=frozenset(x.columns),
            )
        ),
        drill=drill,
    )


def _cell(b: _Builder, n: int) -> float | None:
    return None if n == 0 else b.count(n)


def _window_figure(
    b: _Builder,
    *,
    key: str,
    title: str,
    definition: str,
    source: str,
    what: str,
    results: Sequence[m.StepDownResult] | Sequence[m.FollowUpResult],
    good: str,
    bad: str,
) -> Figure:
    def parts(r: m.StepDownResult | m.FollowUpResult) -> tuple[int, int, int]:
        if isinstance(r, m.StepDownResult):
            return len(r.held), len(r.failed), r.pending
        return len(r.met), len(r.missed), r.pending

    drill = {}
    for r in results:
        ids = r.failed if isinstance(r, m.StepDownResult) else r.missed
        drill[b.drill(f"{key}:{r.days}", ids)] = f"{bad}, {r.days} days"
    rows = []
    for r in results:
        ok, no, pending = parts(r)
        rows.append((f"{r.days} days", ok + no, ok, m.pct(ok, ok + no), no, pending))
    return Figure(
        key=key,
        title=title,
        definition=definition,
        source=source,
        denominator="; ".join(
            f"{r.days} days: {sum(parts(r)[:2])} {what} with a closed window" for r in results
        ),
        kind=ChartKind.BAR,
        x_label="Window",
        y_label=PCT,
        x=tuple(f"{r.days} days" for r in results),
        y_max=100,
        series=(Series(good, tuple(b.rate(parts(r)[0], sum(parts(r)[:2])) for r in results)),),
        table=b.table(
            Table(
                ("Window", "Closed", good, f"{good} (%)", bad, "Window open"),
                tuple(rows),
                counts=frozenset({"Closed", good, bad, "Window open"}),
                rates={f"{good} (%)": "Closed"},
            )
        ),
        drill=drill,
    )


def step_downs(b: _Builder) -> Figure:
    return _window_figure(
        b,
        key="step-down-success",
        title="Step downs that held",
        definition="Step downs effective in the range with no step up, referral out, "
        "against-advice or administrative discharge, or readmission within 30 and 90 days.",
        source="Program definition (continuum segments)",
        what="step downs",
        results=b.measures.step_downs,
        good="Held",
        bad="Did not hold",
    )


def follow_up(b: _Builder) -> Figure:
    return _window_figure(
        b,
        key="follow-up",
        title="Follow-up within 7 and 30 days of a step down or a return from detox or residential",
        definition="After a step down or a return effective on day D, an attended session or "
        "appointment, a completed relapse-prevention check-in or a reached follow-up call on "
        "D..D+6 (7 days) or D..D+29 (30 days).",
        source=SOURCE_NCQA_FUI,
        what="transitions",
        results=b.measures.follow_up,
        good="Followed up",
        bad="No follow-up",
    )


def engagement(b: _Builder) -> Figure:
    return _window_figure(
        b,
        key="aftercare-engagement",
        title="Aftercare engagement within 7 and 30 days of discharge",
        definition="After a discharge in the range (deaths excluded), any contact in the 7 or "
        "30 days from the discharge date: a check-in, a relapse-prevention check-in, a reached "
        "follow-up call or an alumni event RSVP.",
        source="Program definition, after NCQA FUI's 7- and 30-day windows",
        what="discharges",
        results=b.measures.engagement,
        good="Engaged",
        bad="No contact",
    )


def followup_outcomes(b: _Builder) -> Figure:
    rows = b.measures.outcomes
    drill = {
        b.drill(
            f"follow-up-outcomes:{o.days_after}", o.unreached
        ): f"Not reached, {o.days_after} days"
        for o in rows
    }
    return Figure(
        key="follow-up-outcomes",
        title="Outcomes at 30, 90, 180 and 365 days after discharge",
        definition="Follow-ups that fell due in the range: reached, abstinent (a share of all "
        "due, so a client never reached is never counted abstinent) and readmitted somewhere.",
        source="Program follow-up calls (aftercare)",
        denominator="; ".join(f"{o.days_after} days: {len(o.due)} due" for o in rows),
        kind=ChartKind.BAR,
        x_label="Days after discharge",
        y_label=PCT,
        x=tuple(f"{o.days_after} days" for o in rows),
        y_max=100,
        series=(
            Series("Reached", tuple(b.rate(o.reached, len(o.due)) for o in rows)),
            Series("Abstinent", tuple(b.rate(len(o.abstinent), len(o.due)) for o in rows)),
        ),
        table=b.table(
            Table(
                (
                    "Follow-up",
                    "Due",
                    "Recorded",
                    "Reached",
                    "Reached (%)",
                    "Abstinent",
                    "Abstinent (% of due)",
                    "Readmitted",
                ),
                tuple(
                    (
                        f"{o.days_after} days",
                        len(o.due),
                        o.recorded,
                        o.reached,
                        m.pct(o.reached, len(o.due)),
                        len(o.abstinent),
                        m.pct(len(o.abstinent), len(o.due)),
                        o.readmitted,
                    )
                    for o in rows
                ),
                counts=frozenset({"Due", "Recorded", "Reached", "Abstinent", "Readmitted"}),
                rates={"Reached (%)": "Due", "Abstinent (% of due)": "Due"},
            )
        ),
        drill=drill,
    )


def dose(b: _Builder) -> Figure:
    d = b.measures.dose
    levels = sorted({x.level for x in d}, key=lambda lv: [y.level for y in d].index(lv))
    sites = sorted({x.site_id for x in d}, key=lambda s: b.site_names.get(s, str(s)))
    cell = {(x.site_id, x.level): x for x in d}
    drill = {
        b.drill(f"dose:{x.site_id}:{x.level}", x.short): f"{b.site_names.get(x.site_id, '')} "
        f"{x.level}: a week under {x.required_hours:g} h"
        for x in d
    }
    return Figure(
        key="dose",
        title="Hours delivered against each level's weekly minimum",
        definition="Client-weeks (Monday to Sunday) spent whole at one level with a weekly "
        "minimum (PHP 20 h, IOP 9 h, OP 1 h in the catalog): the share that met it. Hours are "
        "credited attendance minutes / 60.",
        source="Level catalog; ASAM Criteria 4th ed.; Medicare IOP/PHP rules (docs/domain.md)",
        denominator=f"{sum(x.weeks for x in d)} client-weeks in the range",
        kind=ChartKind.BAR,
        x_label="Level",
        y_label="Weeks meeting the minimum (%)",
        x=tuple(levels),
        y_max=100,
        series=tuple(
            Series(
                b.site_names.get(site, str(site)),
                tuple(
                    b.rate(cell[(site, lv)].met, cell[(site, lv)].weeks)
                    if (site, lv) in cell
                    else None
                    for lv in levels
                ),
            )
            for site in sites
        ),
        table=b.table(
            Table(
                ("Site", "Level", "Minimum (h)", "Client-weeks", "Median hours", "Met", "Met (%)"),
                tuple(
                    (
                        b.site_names.get(x.site_id, str(x.site_id)),
                        x.level,
                        x.required_hours,
                        x.weeks,
                        x.median,
                        x.met,
                        m.pct(x.met, x.weeks),
                    )
                    for x in d
                ),
                counts=frozenset({"Client-weeks", "Met"}),
                rates={"Met (%)": "Client-weeks", "Median hours": "Client-weeks"},
            )
        ),
        drill=drill,
    )


AUTH_SHOWN = (("approved", "Approved"), ("partial", "Reduced"), ("denied", "Denied"))


def authorizations(b: _Builder) -> Figure:
    p = b.measures.payers
    other = "Pending, in appeal or cancelled"
    return Figure(
        key="authorizations",
        title="Authorization decisions by payer",
        definition="Authorizations whose service period starts in the range, by payer: "
        "approved as requested, reduced (fewer units than requested), denied, and not yet "
        "decided.",
        source="Program records (payer authorizations)",
        denominator=f"{sum(x.decided for x in p)} decided authorizations in the range",
        kind=ChartKind.STACKED,
        x_label="Payer",
        y_label="Authorizations",
        x=tuple(x.payer for x in p),
        series=tuple(
            Series(label, tuple(b.count(x.counts.get(status, 0)) for x in p))
            for status, label in AUTH_SHOWN
        ),
        table=b.table(
            Table(
                (
                    "Payer",
                    "Approved",
                    "Reduced",
                    "Denied",
                    other,
                    "Denied (% of decided)",
                    "Units requested",
                    "Units approved",
                ),
                tuple(
                    (
                        x.payer,
                        x.counts.get("approved", 0),
                        x.counts.get("partial", 0),
                        x.counts.get("denied", 0),
                        sum(v for k, v in x.counts.items() if k not in dict(AUTH_SHOWN)),
                        m.pct(x.counts.get("denied", 0), x.decided),
                        x.requested_units,
                        x.approved_units,
                    )
                    for x in p
                ),
                counts=frozenset({"Approved", "Reduced", "Denied", other}),
                rates={"Denied (% of decided)": "Denied"},
            )
        ),
    )


def build(
    measures: m.Measures,
    *,
    scope: str,
    as_of: date,
    site_names: dict[uuid.UUID, str],
    masked: bool,
    title: str = "Outcomes",
) -> Report:
    b = _Builder(measures, masked, site_names)
    figures = (
        census(b),
        flow(b),
        reasons(b),
        retention_by_level(b),
        retention_by_cohort(b),
        stay(b),
        symptoms(b),
        trajectories(b, measures.phq9, "PHQ-9"),
        trajectories(b, measures.gad7, "GAD-7"),
        negative_tests(b),
        test_outcomes(b),
        use(b),
        matrix(b),
        step_downs(b),
        follow_up(b),
        engagement(b),
        followup_outcomes(b),
        dose(b),
        authorizations(b),
    )
    return Report(
        title=title,
        scope=scope,
        as_of=as_of,
        episodes=measures.episodes,
        figures=figures,
        members=b.members,
        masked=masked,
    )
