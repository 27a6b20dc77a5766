"""Benchmark: mid-week re-planning of the medium sample, for the three kinds of change.

Run from the repository root: `.venv/bin/python -m bench.replan_bench [--runs N]`.
The published week is the optimizer's own (60 s, seed 0); each change is applied from
Wednesday with a 10 s limit and compared with re-solving the changed week from scratch (60 s).
Writes bench/results/replan.md and prints it. With several runs, figures are medians.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from stepdown.scheduling.exchange import Day, Instance, Solution, load_instance, week_minute
from stepdown.scheduling.replan import (
    Admit,
    Change,
    CloseRoom,
    Sick,
    changed_assignments,
    changed_instance,
    replan,
)
from stepdown.scheduling.solver import solve
from stepdown.scheduling.validator import check

from .schedule_bench import SAMPLES

SAMPLE = "medium-3sites-300.json"
FROM: Day = "wed"
LIMIT = 10.0
PUBLISH_LIMIT = 60.0
RESULTS = Path(__file__).parent / "results" / "replan.md"


def _changes(instance: Instance, published: Solution) -> list[tuple[str, Change]]:
    """One change of each kind, chosen from the published week so that each one bites.

    The admitted client copies the busiest site's first client (same needs and hours, no
    history); the sick member and the closed room are the ones most used from Wednesday on.
    """
    later = {s.id for s in instance.sessions if s.week_start >= week_minute(FROM, "00:00")}
    lead: dict[str, int] = {}
    rooms: dict[str, int] = {}
    for run in published.sessions:
        if run.id in later:
            lead[run.leader] = lead.get(run.leader, 0) + 1
            if run.room:
                rooms[run.room] = rooms.get(run.room, 0) + 1
    template = instance.clients[0]
    newcomer = template.model_copy(
        update={"id": f"{template.id}-ADMIT", "keep_apart": [], "previous_sessions": []}
    )
    sick = max(lead, key=lead.__getitem__)
    room = max(rooms, key=rooms.__getitem__)
    return [
        (f"admit {newcomer.id}", Admit(newcomer)),
        (f"sick {sick}", Sick(sick)),
        (f"close room {room}", CloseRoom(room)),
    ]


def run(runs: int) -> str:
    instance = load_instance(SAMPLES / SAMPLE)
    published = solve(instance, time_limit=PUBLISH_LIMIT, workers=2, seed=0)
    base = check(instance, published)
    lines = [
        "# Re-planning benchmark",
        "",
        f"{SAMPLE}: published week by the optimizer ({PUBLISH_LIMIT:g} s), compliant "
        f"{base.compliant}/{base.clients}. Each change applies from {FROM}; re-planning has "
        f"{LIMIT:g} s and 2 workers (median of {runs} run(s)). Changed = client sessions and "
        "appointments from that day on that were dropped or added (the admitted client's own "
        "are not counted); re-solve = the changed week solved from scratch for "
        f"{PUBLISH_LIMIT:g} s, compared the same way.",
        "",
        "| change | seconds | compliant before → after | changed assignments "
        "| published assignments in the site | re-solve changed | re-solve compliant |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, change in _changes(instance, published):
        week = changed_instance(instance, change, FROM)
        ignore = frozenset({change.client.id} if isinstance(change, Admit) else ())
        seconds, changed, compliant = [], [], []
        for seed in range(runs):
            began = time.monotonic()
            new = replan(
                instance, published, change=change, from_day=FROM, time_limit=LIMIT, seed=seed
            )
            seconds.append(time.monotonic() - began)
            report = check(week, new)
            if not report.valid:
                raise SystemExit(f"{label}: invalid re-plan: {report.violations[0]}")
            changed.append(changed_assignments(week, published, new, FROM, ignore=ignore))
            compliant.append(report.compliant)
            total = int(new.stats["published_assignments"])
        scratch = solve(week, time_limit=PUBLISH_LIMIT, workers=2, seed=0)
        lines.append(
            f"| {label} | {statistics.median(seconds):.1f} | {base.compliant} → "
            f"{round(statistics.median(compliant))} | {round(statistics.median(changed))} "
            f"| {total} | {changed_assignments(week, published, scratch, FROM, ignore=ignore)} "
            f"| {check(week, scratch).compliant} |"
        )
    return "\n".join([*lines, ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1, help="re-planning runs per change")
    args = parser.parse_args()
    report = run(args.runs)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
