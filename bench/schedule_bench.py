"""Benchmark: first-fit versus the CP-SAT optimizer on the three sample weeks.

Run from the repository root: `.venv/bin/python -m bench.schedule_bench [--runs N]`.
Writes bench/results/schedule.md and prints it. With several runs, each figure is the median.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from stepdown.scheduling.eligibility import Eligibility
from stepdown.scheduling.exchange import Instance, Solution, load_instance
from stepdown.scheduling.first_fit import first_fit
from stepdown.scheduling.solver import solve
from stepdown.scheduling.validator import check

# The shared folder sits beside the repository (as on CI); STEPDOWN_SHARED_DIR overrides it.
SAMPLES = (
    Path(os.environ.get("STEPDOWN_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
    / "scheduling"
)
CASES = (
    ("small-1site-40.json", 10.0),
    ("medium-3sites-300.json", 60.0),
    ("large-8sites-1200-tele.json", 180.0),
)
RESULTS = Path(__file__).parent / "results" / "schedule.md"


@dataclass(frozen=True)
class Row:
    method: str
    clients: int
    compliant: int
    upper_bound: int
    shortfall: float
    staff: float
    seconds: float
    compliant_bound: int | None
    gap_objective: float | None
    peak_mb: float

    @property
    def share(self) -> float:
        return self.compliant / self.upper_bound if self.upper_bound else 1.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _row(method: str, instance: Instance, solution: Solution, seconds: float, ub: int) -> Row:
    report = check(instance, solution)
    if not report.valid:
        raise SystemExit(f"{method} produced an invalid schedule: {report.violations[0]}")
    stats = solution.stats
    bound = stats.get("compliant_bound")
    gap = stats.get("gap_objective")
    return Row(
        method=method,
        clients=report.clients,
        compliant=report.compliant,
        upper_bound=ub,
        shortfall=report.shortfall_hours,
        staff=report.staff_hours,
        seconds=seconds,
        compliant_bound=int(bound) if bound is not None else None,
        gap_objective=float(gap) if gap is not None else None,
        peak_mb=_peak_mb(),
    )


def _median_row(rows: list[Row]) -> Row:
    best = rows[0]
    bounds = [r.compliant_bound for r in rows if r.compliant_bound is not None]
    gaps = [r.gap_objective for r in rows if r.gap_objective is not None]
    return Row(
        method=best.method,
        clients=best.clients,
        compliant=round(statistics.median(r.compliant for r in rows)),
        upper_bound=best.upper_bound,
        shortfall=statistics.median(r.shortfall for r in rows),
        staff=statistics.median(r.staff for r in rows),
        seconds=statistics.median(r.seconds for r in rows),
        compliant_bound=round(statistics.median(bounds)) if bounds else None,
        gap_objective=statistics.median(gaps) if gaps else None,
        peak_mb=max(r.peak_mb for r in rows),
    )


def run(runs: int) -> str:
    lines = [
        "# Schedule benchmark",
        "",
        f"2 CP-SAT workers; median of {runs} run(s) with seeds 0..{runs - 1}. Share = compliant "
        "clients / availability upper bound (clients whose own availability holds enough "
        "eligible sessions and therapist slots). Compliant gap = (proven bound on compliant - "
        "compliant) / bound. Objective gap = (bound - score) / bound on the lexicographic score.",
        "",
        "| sample | method | clients | compliant | upper bound | share | shortfall h | staff h "
        "| seconds | proven bound | compliant gap | objective gap | peak MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    scaling = [
        "",
        "## Scaling",
        "",
        "| clients | sessions | staff | model options (client-session + appointment slots) "
        "| time limit s | first-fit share | optimizer share | compliant gap |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, limit in CASES:
        instance = load_instance(SAMPLES / name)
        elig = Eligibility(instance)
        ub = sum(elig.can_comply(c.id) for c in instance.clients)
        began = time.monotonic()
        baseline = _row("first-fit", instance, first_fit(instance), time.monotonic() - began, ub)
        solved = []
        for seed in range(runs):
            began = time.monotonic()
            solution = solve(instance, time_limit=limit, workers=2, seed=seed)
            solved.append(_row("CP-SAT", instance, solution, time.monotonic() - began, ub))
        best = _median_row(solved)
        for row in (baseline, best):
            bound = "" if row.compliant_bound is None else str(row.compliant_bound)
            cgap = (
                ""
                if row.compliant_bound is None
                else f"{(row.compliant_bound - row.compliant) / row.compliant_bound:.1%}"
            )
            ogap = "" if row.gap_objective is None else f"{row.gap_objective:.1%}"
            lines.append(
                f"| {name} | {row.method} | {row.clients} | {row.compliant} | {row.upper_bound} "
                f"| {row.share:.1%} | {row.shortfall:g} | {row.staff:g} | {row.seconds:.1f} "
                f"| {bound} | {cgap} | {ogap} | {row.peak_mb:.0f} |"
            )
        options = sum(len(o.sessions) + len(o.slots) for o in elig.clients.values())
        assert best.compliant_bound is not None
        scaling.append(
            f"| {len(instance.clients)} | {len(instance.sessions)} | {len(instance.staff)} "
            f"| {options:,} | {limit:g} | {baseline.share:.1%} | {best.share:.1%} "
            f"| {(best.compliant_bound - best.compliant) / best.compliant_bound:.1%} |"
        )
    return "\n".join([*lines, *scaling, ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1, help="solver runs per sample (median)")
    args = parser.parse_args()
    report = run(args.runs)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
