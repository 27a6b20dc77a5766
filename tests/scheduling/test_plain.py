"""The plain whole-week model: a valid baseline, and the optimizer never ends below it."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from stepdown.scheduling.exchange import Client, Instance, LevelRule, Session, Staff, Window
from stepdown.scheduling.plain import grid, solve_plain
from stepdown.scheduling.solver import solve
from stepdown.scheduling.validator import CheckReport, check
from tests.scheduling.test_bound import optimum, tiny_weeks
from tests.scheduling.test_exchange import make_instance

SECONDS = 2.0
"""The same limit for both; one worker and seed 0, so both runs are reproducible."""


def goals(report: CheckReport) -> tuple[int, float, int, float]:
    """FORMAT.md's four goals in order, each oriented so that larger is better."""
    return (report.compliant, -report.shortfall_hours, report.continuity, -report.staff_hours)


def test_plain_model_solves_the_factory_week() -> None:
    instance = make_instance()
    solution = solve_plain(instance, time_limit=5, workers=1, seed=0)
    report = check(instance, solution)
    assert report.valid, report.violations
    assert solution.stats["status"] == "OPTIMAL"
    assert report.compliant == solution.stats["compliant"] == 4
    assert not report.warnings


def test_grid_divides_every_time_of_the_week() -> None:
    assert grid(make_instance()) == 15  # 10:45 and 12:15 starts and ends


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(tiny_weeks())
def test_optimizer_never_ends_below_the_plain_model(instance: Instance) -> None:
    mine = solve(instance, time_limit=SECONDS, workers=1, seed=0)
    plain = solve_plain(instance, time_limit=SECONDS, workers=1, seed=0)
    ours, theirs = check(instance, mine), check(instance, plain)
    assert ours.valid, ours.violations
    assert theirs.valid, theirs.violations
    assert goals(ours) >= goals(theirs)
    assert int(mine.stats["compliant_bound"]) >= optimum(instance)
    if mine.stats["status"] == "OPTIMAL" and plain.stats["status"] == "OPTIMAL":
        assert goals(ours) == goals(theirs)


def test_a_telehealth_group_only_another_site_needs_still_runs() -> None:
    """S1's telehealth group has no taker at S1; C1 of S2 (whose therapist is at S2) can only
    comply through it. Solved apart, S1 would never open it; the merged model does."""
    day = [Window(day="mon", start="08:00", end="16:00")]
    instance = Instance(
        format="stepdown-schedule-instance/1",
        name="network",
        week_of="2026-11-23",
        levels={"IOP": LevelRule(min_hours=2.5, max_hours=4, max_days=2)},
        individual_minutes=60,
        sites=["S1", "S2"],
        rooms=[],
        staff=[
            Staff(id="T1", site="S1", topics=["A"], availability=day, max_hours=40),
            Staff(id="T2", site="S2", topics=["A"], availability=day, max_hours=40),
        ],
        sessions=[
            Session(
                id="G1",
                site="S1",
                day="mon",
                start="09:00",
                end="10:30",
                topic="A",
                levels=["IOP"],
                audience="adult",
                gender="any",
                min_size=1,
                max_size=4,
                telehealth=True,
            )
        ],
        clients=[
            Client(
                id="C1",
                site="S2",
                level="IOP",
                age_group="adult",
                gender="F",
                availability=day,
                primary_therapist="T2",
                individual_sessions=1,
                family_sessions=0,
            )
        ],
    )
    solution = solve(instance, time_limit=SECONDS, workers=1, seed=0)
    assert check(instance, solution).compliant == 1
    assert solution.stats["status"] == "OPTIMAL"
