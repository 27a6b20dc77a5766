"""The files the outcomes leave the screen as: a figure's table as CSV, and the
de-identified measures per episode.

The de-identified file has no names, no record numbers and no date finer than a month;
episode and client ids are replaced by keyed hashes (HMAC-SHA-256 with the program's
secret), so the same client links across exports from one installation but cannot be
looked up without the key. Month dates are not HIPAA Safe Harbor (45 CFR 164.514(b)(2)
removes every date element but the year): the file is a limited data set (164.514(e)),
to be released only under a data use agreement or an expert determination, and under
42 CFR 2.52 for research. docs/operations.md says so, and so does the page.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from stepdown.outcomes import measures as m
from stepdown.outcomes.facts import EpisodeFact, OutcomeData, SpecimenOutcome
from stepdown.outcomes.figures import Cell, Table, cell_text


def _csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell_text(c) for c in row])
    return out.getvalue()


def table_csv(table: Table) -> str:
    """A figure's table, cell for cell as the page prints it."""
    return _csv(table.columns, table.rows)


def pseudonym(secret: str, kind: str, value: uuid.UUID) -> str:
    digest = hmac.new(secret.encode(), f"outcomes:{kind}:".encode() + value.bytes, hashlib.sha256)
    return digest.hexdigest()[:20]


DEIDENTIFIED_COLUMNS = (
    "episode",
    "client",
    "site",
    "payer",
    "admitted_month",
    "discharged_month",
    "discharge_type",
    "first_level",
    "levels",
    "days_engaged",
    "still_in_care",
    *(f"retained_{d}d" for d in m.RETENTION_DAYS),
    "step_ups",
    "referrals_out",
    "phq9_index",
    "phq9_latest_120_240d",
    "phq9_response",
    "phq9_remission",
    "gad7_index",
    "gad7_latest_120_240d",
    "gad7_response",
    "gad7_remission",
    "tests_negative",
    "tests_positive",
    "tests_invalid",
    "tests_refused",
    "tests_missed",
    "checkins",
    "checkins_used",
    "dose_weeks",
    "dose_weeks_met",
    *(f"followup_{d}d_reached" for d in m.FOLLOW_UP_DAYS),
)


def _month(day: date | None) -> str:
    return day.strftime("%Y-%m") if day else ""


def _yes(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _retained(episode: EpisodeFact, as_of: date, days: int) -> bool | None:
    """Still in care after ``days``: None when observation ended before that."""
    if episode.discharged_on is not None and episode.discharged_on <= as_of:
        return (episode.discharged_on - episode.admitted_on).days > days
    return True if (as_of - episode.admitted_on).days > days else None


class _Owner:
    """Which of a client's episodes a dated fact belongs to (in care that day)."""

    def __init__(self, episodes: Sequence[EpisodeFact]) -> None:
        self.by_client: dict[uuid.UUID, list[EpisodeFact]] = defaultdict(list)
        for e in episodes:
            self.by_client[e.client_id].append(e)

    def on(self, client_id: uuid.UUID, day: date) -> uuid.UUID | None:
        for e in self.by_client.get(client_id, ()):
            if e.in_care_on(day):
                return e.episode_id
        return None


def deidentified_csv(data: OutcomeData, measures: m.Measures, *, secret: str) -> str:
    """One row per scoped episode; see the module docstring for what makes it safe."""
    symptom = {
        (o.instrument, e.episode_id): e
        for o in (measures.phq9, measures.gad7)
        for e in (*o.closed, *o.trajectories)
    }
    closed = {
        (o.instrument, e.episode_id) for o in (measures.phq9, measures.gad7) for e in o.closed
    }
    owner = _Owner(data.episodes)
    tests: dict[uuid.UUID, Counter[SpecimenOutcome]] = defaultdict(Counter)
    for s in data.specimens:
        episode_id = owner.on(s.client_id, s.day) if s.client_id else None
        if episode_id is not None:
            tests[episode_id][s.outcome] += s.n
    checkins: Counter[uuid.UUID] = Counter()
    used: Counter[uuid.UUID] = Counter()
    for c in data.checkins:
        episode_id = owner.on(c.client_id, c.day)
        if episode_id is not None:
            checkins[episode_id] += 1
            used[episode_id] += int(c.used)
    dose_weeks: Counter[uuid.UUID] = Counter()
    dose_met: Counter[uuid.UUID] = Counter()
    first = min((e.admitted_on for e in data.episodes), default=data.as_of)
    for one in m.dose(
        data.episodes, data.levels, data.attendance_weeks, first, data.as_of, data.as_of
    ):
        for episode_id, met in one.weeks_by_episode:
            dose_weeks[episode_id] += 1
            dose_met[episode_id] += int(met)
    reached = {(f.episode_id, f.days_after): f.reached for f in data.followups if f.recorded}
    rows = []
    for e in sorted(data.episodes, key=lambda x: pseudonym(secret, "episode", x.episode_id)):
        until = min(data.as_of, e.discharged_on) if e.discharged_on else data.as_of
        counts = tests.get(e.episode_id, Counter())
        row: list[Cell] = [
            pseudonym(secret, "episode", e.episode_id),
            pseudonym(secret, "client", e.client_id),
            data.site_names.get(e.site_id, ""),
            e.payer,
            _month(e.admitted_on),
            _month(e.discharged_on),
            e.discharge_type or "",
            e.first_level,
            ">".join(s.level for s in e.stretches),
            (until - e.admitted_on).days,
            _yes(e.discharged_on is None or e.discharged_on > data.as_of),
            *(_yes(_retained(e, data.as_of, d)) for d in m.RETENTION_DAYS),
            sum(1 for s in e.stretches if s.transition == "step_up"),
            sum(1 for s in e.stretches if s.transition == "refer_out"),
        ]
        for code in ("phq9", "gad7"):
            found = symptom.get((code, e.episode_id))
            done = (code, e.episode_id) in closed
            latest = found.latest if found and done else None
            row += [
                found.index_total if found else None,
                latest,
                _yes(
                    None
                    if not done or not found
                    else latest is not None and 2 * latest <= found.index_total
                ),
                _yes(
                    None
                    if not done or not found
                    else latest is not None and latest < m.REMISSION_BELOW
                ),
            ]
        row += [counts[o] for o in m.SHOWN_OUTCOMES]
        row += [checkins[e.episode_id], used[e.episode_id]]
        row += [dose_weeks[e.episode_id], dose_met[e.episode_id]]
        row += [_yes(reached.get((e.episode_id, d))) for d in m.FOLLOW_UP_DAYS]
        rows.append(row)
    return _csv(DEIDENTIFIED_COLUMNS, rows)
