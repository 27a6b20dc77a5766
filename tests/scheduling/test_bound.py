"""The compliant bound is sound: never below the true optimum.

The optimum comes from the plain whole-week model (`plain.py`) maximizing the compliant count,
solved to OPTIMAL on random tiny weeks; it shares no slot list, relaxation or symmetry breaking
with the optimizer, so a bound that cuts off a real week shows up here. The weeks are built so a
therapist's appointments run back to back (clients and therapists sharing availability
patterns, 30- to 60-minute appointments), which is what the former slot list missed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from stepdown.scheduling.eligibility import Eligibility
from stepdown.scheduling.exchange import (
    Client,
    Instance,
    Level,
    LevelRule,
    Room,
    Session,
    Solution,
    Staff,
    Window,
    load_instance,
    to_clock,
    week_minute,
)
from stepdown.scheduling.plain import _PlainModel
from stepdown.scheduling.slots import complete_slots
from stepdown.scheduling.solver import Weights, _group_bound, _Schedule, components
from stepdown.scheduling.validator import check

DAYS = ("mon", "tue")
ORACLE_SECONDS = 10.0
"""Per-solve limit of the oracle; tiny weeks prove in milliseconds, so it is never reached."""


def _windows(draw: st.DrawFn, step: int, longest: int) -> list[Window]:
    """One stretch of 1 h to `longest` minutes per chosen day, between 08:00 and 16:00, on a
    grid of `step` minutes."""
    days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=2, unique=True))
    chosen = []
    for day in sorted(days, key=DAYS.index):
        start = draw(st.integers(0, (480 - 60) // step))
        end = draw(st.integers(start + 60 // step, min(480, step * start + longest) // step))
        chosen.append(
            Window(day=day, start=to_clock(480 + step * start), end=to_clock(480 + step * end))
        )
    return chosen


@st.composite
def tiny_weeks(draw: st.DrawFn) -> Instance:
    """A week of 1–2 sites, 1–2 staff, 1–2 rooms, 0–4 candidate sessions and 2–6 clients."""
    sites = ["S1", "S2"] if draw(st.booleans()) else ["S1"]
    # A network: one therapist per site, seeing that site's clients, so only telehealth links
    # the sites (the optimizer then merges or restricts them).
    network = len(sites) > 1 and draw(st.booleans())
    # Whole-hour windows leave few instants to start appointments from, so a therapist's
    # back-to-back appointments matter; quarter hours mix everything.
    step = draw(st.sampled_from((15, 60)))
    # People share availability patterns (as the samples' evening-only clients and their
    # therapist do), so the grouped relaxation gets groups of several clients, and a
    # therapist's window edges are all the instants those clients have.
    patterns = [_windows(draw, step, 300) for _ in range(draw(st.integers(1, 2)))]
    staff = [
        Staff(
            id=f"T{n}",
            site=sites[n - 1] if network else draw(st.sampled_from(sites)),
            topics=draw(st.sampled_from((["A"], ["B"], ["A", "B"]))),
            availability=draw(st.sampled_from(patterns)),
            max_hours=draw(st.sampled_from((1.5, 3, 40))),
        )
        for n in range(1, (2 if network else draw(st.integers(1, 2))) + 1)
    ]
    rooms = [
        Room(id=f"R{n}", site=draw(st.sampled_from(sites)), capacity=draw(st.integers(1, 4)))
        for n in range(1, draw(st.integers(1, 2)) + 1)
    ]
    levels: list[Level] = ["IOP", "OP"]
    sessions = []
    for n in range(1, draw(st.integers(0, 4)) + 1):
        start = draw(st.integers(0, 24))
        min_size = draw(st.integers(0, 2))
        sessions.append(
            Session(
                id=f"G{n}",
                site=draw(st.sampled_from(sites)),
                day=draw(st.sampled_from(DAYS)),
                start=to_clock(480 + 15 * start),
                end=to_clock(480 + 15 * (start + draw(st.sampled_from((3, 4, 6))))),
                topic=draw(st.sampled_from(("A", "B"))),
                levels=draw(st.sampled_from((["IOP"], ["OP"], levels))),
                audience="adult",
                gender=draw(st.sampled_from(("any", "any", "F", "M"))),
                min_size=min_size,
                max_size=draw(st.integers(max(1, min_size), 3)),
                telehealth=len(sites) > 1 and draw(st.booleans()),
            )
        )
    count = draw(st.integers(2, 6))
    homes = [draw(st.sampled_from(sites)) for _ in range(count)]
    clients = [
        Client(
            id=f"C{n}",
            site=homes[n - 1],
            level=draw(st.sampled_from(levels)),
            age_group="adult",
            gender=draw(st.sampled_from(("F", "M", "X"))),
            availability=draw(st.sampled_from(patterns)),
            primary_therapist=draw(
                st.sampled_from([p.id for p in staff if p.site == homes[n - 1] or not network])
            ),
            individual_sessions=draw(st.integers(0, 2)),
            family_sessions=draw(st.integers(0, 1)),
            keep_apart=[f"C{n + 1}"] if n < count and draw(st.booleans()) else [],
            previous_sessions=draw(st.lists(st.sampled_from([s.id for s in sessions]), max_size=1))
            if sessions
            else [],
        )
        for n in range(1, count + 1)
    ]
    iop_min = draw(st.sampled_from((1.0, 1.5, 2.0, 3.0)))
    return Instance(
        format="stepdown-schedule-instance/1",
        name="tiny",
        week_of="2026-11-23",
        levels={
            "PHP": LevelRule(min_hours=4, max_hours=8, max_days=2),
            "IOP": LevelRule(
                min_hours=iop_min,
                max_hours=iop_min + draw(st.sampled_from((0, 1, 3))),
                max_days=draw(st.integers(1, 2)),
            ),
            "OP": LevelRule(min_hours=draw(st.sampled_from((0.5, 1.0))), max_hours=2, max_days=2),
        },
        individual_minutes=draw(st.sampled_from((30, 45, 60))),
        sites=sites,
        rooms=rooms,
        staff=staff,
        sessions=sessions,
        clients=clients,
    )


def optimum(instance: Instance) -> int:
    """Most compliant clients of any valid week: the plain model maximizing only that count,
    proven OPTIMAL (one worker and a fixed seed, so it is reproducible; the full linear
    relaxation is what lets a single worker close the proof, as it does the therapist-hours
    knapsack in milliseconds); its week must pass the checker with that count."""
    plain = _PlainModel(instance)
    plain.model.maximize(sum(plain.comply.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = ORACLE_SECONDS
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.linearization_level = 2
    assert solver.solve(plain.model) == cp_model.OPTIMAL
    report = check(instance, plain.week(solver))
    assert report.valid, report.violations
    assert report.compliant == round(solver.objective_value)
    return report.compliant


def grouped_bound(instance: Instance) -> int:
    """The optimizer's proven ceiling before any search: the sum of its components' bounds."""
    full = complete_slots(Eligibility(instance))
    weights = Weights.for_instance(full)
    return sum(
        _group_bound(full, weights, part, _Schedule(), time.monotonic() + 5, seed=0, workers=1)
        for part in components(full)
    )


@settings(
    max_examples=220,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(tiny_weeks())
def test_grouped_bound_is_never_below_the_optimum(instance: Instance) -> None:
    assert grouped_bound(instance) >= optimum(instance)


def test_a_therapists_back_to_back_chain_is_a_schedule() -> None:
    """Four 60-minute appointments fill the therapist's 12:00–16:00: the former slot list (window
    edges and one length after them) had no 14:00 start, so its bound said 3 of these 4."""
    therapist = Staff(
        id="T1",
        site="S1",
        topics=["A"],
        availability=[Window(day="mon", start="12:00", end="16:00")],
        max_hours=40,
    )
    clients = [
        Client(
            id=f"C{n}",
            site="S1",
            level="OP",
            age_group="adult",
            gender="F",
            availability=[Window(day="mon", start="12:00", end="16:00")],
            primary_therapist="T1",
            individual_sessions=1,
            family_sessions=0,
        )
        for n in range(1, 5)
    ]
    instance = Instance(
        format="stepdown-schedule-instance/1",
        name="chain",
        week_of="2026-11-23",
        levels={"OP": LevelRule(min_hours=1, max_hours=2, max_days=1)},
        individual_minutes=60,
        sites=["S1"],
        rooms=[],
        staff=[therapist],
        sessions=[],
        clients=clients,
    )
    assert optimum(instance) == 4
    assert grouped_bound(instance) == 4
    assert set(complete_slots(Eligibility(instance)).clients["C1"].slots) == {
        week_minute("mon", clock) for clock in ("12:00", "13:00", "14:00", "15:00")
    }


SHARED = Path(__file__).resolve().parents[3] / "shared" / "scheduling"
SMALL = SHARED / "small-1site-40.json"
VALID_34 = SHARED / "small-1site-40.valid-34.json"


@pytest.mark.skipif(not VALID_34.exists(), reason="shared samples not beside the repository")
def test_the_small_samples_34_week_is_valid_and_within_the_bound() -> None:
    """The week that disproved the former "proven optimal at 33" stays a regression test."""
    instance = load_instance(SMALL)
    week = Solution.model_validate(json.loads(VALID_34.read_text(encoding="utf-8")))
    report = check(instance, week)
    assert report.valid, report.violations
    assert report.compliant == 34
    full = complete_slots(Eligibility(instance))
    bound = _group_bound(
        full,
        Weights.for_instance(full),
        components(full)[0],
        _Schedule(),
        time.monotonic() + 20,
        seed=0,
    )
    assert bound >= 34
