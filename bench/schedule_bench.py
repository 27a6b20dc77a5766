"""Benchmark: the optimizer against a plain CP-SAT model and first-fit on the three sample weeks.

Run from the repository root: `.venv/bin/python -m bench.schedule_bench [--runs N]`.
Writes bench/results/schedule.md and prints it. The optimizer and the plain whole-week model get
the same time limit, workers and seed (seeds 0..N-1); first-fit is deterministic and is the
same-run baseline every ratio is taken against. Every week is checked by the independent
validator and must be valid; each figure is the median over the seeds.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from stepdown.scheduling.eligibility import Eligibility
from stepdown.scheduling.exchange import Instance, Solution, load_instance
from stepdown.scheduling.first_fit import first_fit
from stepdown.scheduling.plain import solve_plain
from stepdown.scheduling.slots import complete_slots
from stepdown.scheduling.solver import solve
from stepdown.scheduling.validator import CheckReport, check

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
WORKERS = 2
RESULTS = Path(__file__).parent / "results" / "schedule.md"

Solver = Callable[[Instance, float, int], Solution]
"""A method: the week, the time limit and the seed to its solution."""


def _first_fit(week: Instance, _limit: float, _seed: int) -> Solution:
    return first_fit(week)


def _optimizer(week: Instance, limit: float, seed: int) -> Solution:
    return solve(week, time_limit=limit, workers=WORKERS, seed=seed)


def _plain(week: Instance, limit: float, seed: int) -> Solution:
    return solve_plain(week, time_limit=limit, workers=WORKERS, seed=seed)


METHODS: tuple[tuple[str, Solver], ...] = (("optimizer", _optimizer), ("plain CP-SAT", _plain))


@dataclass(frozen=True)
class Run:
    """One method's week on one sample and seed, as the validator counts it."""

    report: CheckReport
    seconds: float
    stats: dict[str, float | int | str]

    @property
    def goals(self) -> tuple[int, float, int, float]:
        """FORMAT.md's goals in order, each oriented so that larger is better."""
        r = self.report
        return (r.compliant, -r.shortfall_hours, r.continuity, -r.staff_hours)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(name: str, solver: Solver, instance: Instance, limit: float, seed: int) -> Run:
    began = time.monotonic()
    solution = solver(instance, limit, seed)
    seconds = time.monotonic() - began
    report = check(instance, solution)
    if not report.valid:
        raise SystemExit(f"{name} produced an invalid schedule: {report.violations[0]}")
    return Run(report, seconds, dict(solution.stats))


def _row(sample: str, method: str, runs: list[Run], baseline: Run, available: int) -> str:
    """One table row: medians over the seeds, ratios against the same run's first-fit."""
    compliant = statistics.median([r.report.compliant for r in runs])
    spread = f"{min(r.report.compliant for r in runs)}–{max(r.report.compliant for r in runs)}"
    bounded = [(int(r.stats["compliant_bound"]), r) for r in runs if "compliant_bound" in r.stats]
    bound = f"{statistics.median([b for b, _ in bounded]):g}" if bounded else ""
    gaps = [(b - r.report.compliant) / b for b, r in bounded]
    gap = f"{statistics.median(gaps):.1%}" if bounded else ""
    proven = sum(r.stats.get("status") == "OPTIMAL" for r in runs)
    optimal = f"{proven}/{len(runs)}" if any("status" in r.stats for r in runs) else ""
    return (
        f"| {sample} | {method} | {compliant:g} ({spread}) "
        f"| {compliant / max(1, baseline.report.compliant):.2f} "
        f"| {compliant / available:.1%} "
        f"| {statistics.median([r.report.shortfall_hours for r in runs]):g} "
        f"| {statistics.median([r.report.staff_hours for r in runs]):g} "
        f"| {statistics.median([r.seconds for r in runs]):.1f} | {bound} | {gap} "
        f"| {optimal} | {_peak_mb():.0f} |"
    )


def run(runs: int) -> str:
    lines = [
        "# Schedule benchmark",
        "",
        f"{WORKERS} CP-SAT workers for the optimizer's search and for the plain model; seeds "
        f"0..{runs - 1}, medians (min–max of compliant in brackets). × first-fit = compliant / "
        "first-fit's compliant in the same run. Share = compliant / availability bound (clients "
        "whose own hours could hold a compliant week). Bound = the optimizer's sound ceiling on "
        "compliant clients; gap = (bound − compliant) / bound. Optimal = runs whose solver "
        "status was OPTIMAL (every goal proven).",
        "",
        "| sample | method | compliant | × first-fit | share | shortfall h | staff h "
        "| seconds | bound | gap | optimal | peak MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = [""]
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
        elig = complete_slots(Eligibility(instance))
        available = sum(elig.can_comply(c.id) for c in instance.clients)
        baseline = _run("first-fit", _first_fit, instance, limit, 0)
        lines.append(_row(name, "first-fit", [baseline], baseline, available))
        results: dict[str, list[Run]] = {}
        for method, solver in METHODS:
            results[method] = [_run(method, solver, instance, limit, seed) for seed in range(runs)]
            lines.append(_row(name, method, results[method], baseline, available))
        ahead = sum(
            mine.goals >= plain.goals
            for mine, plain in zip(results["optimizer"], results["plain CP-SAT"], strict=True)
        )
        verdicts.append(
            f"- {name}: optimizer at or above the plain model (all four goals, in order) "
            f"in {ahead} of {runs} seeds."
        )
        best = results["optimizer"]
        options = sum(len(o.sessions) + len(o.slots) for o in elig.clients.values())
        compliant = statistics.median([r.report.compliant for r in best])
        bound = statistics.median([float(r.stats["compliant_bound"]) for r in best])
        scaling.append(
            f"| {len(instance.clients)} | {len(instance.sessions)} | {len(instance.staff)} "
            f"| {options:,} | {limit:g} | {baseline.report.compliant / available:.1%} "
            f"| {compliant / available:.1%} | {(bound - compliant) / bound:.1%} |"
        )
    return "\n".join([*lines, *verdicts, *scaling, ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="seeds per solver (median)")
    args = parser.parse_args()
    report = run(args.runs)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
