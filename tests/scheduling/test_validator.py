"""The checker catches every hard rule on hand-broken schedules and recomputes the objective."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from stepdown.scheduling.exchange import Instance, Solution
from stepdown.scheduling.validator import check
from tests.scheduling.test_exchange import week_data, window

Data = dict[str, Any]


def good_solution() -> Data:
    """All four factory clients in the two Monday groups plus one individual hour each."""
    return {
        "instance": "factory",
        "sessions": [
            {"id": "G1", "room": "R1", "leader": "T1"},
            {"id": "G2", "room": "R1", "leader": "T1"},
        ],
        "attendance": [
            {"client": f"C{n}", "session": sid} for sid in ("G1", "G2") for n in range(1, 5)
        ],
        "appointments": [
            {
                "client": f"C{n}",
                "staff": "T1" if n % 2 else "T2",
                "kind": "individual",
                "day": "mon",
                "start": "13:00" if n <= 2 else "14:00",
                "end": "14:00" if n <= 2 else "15:00",
            }
            for n in range(1, 5)
        ],
    }


def run_check(
    change_week: Callable[[Data], object] | None = None,
    change_solution: Callable[[Data], object] | None = None,
) -> list[str]:
    week, solution = copy.deepcopy(week_data()), good_solution()
    if change_week:
        change_week(week)
    if change_solution:
        change_solution(solution)
    report = check(Instance.model_validate(week), Solution.model_validate(solution))
    return [v.rule for v in report.violations]


def test_good_solution_is_valid_and_scored() -> None:
    week = week_data()
    week["clients"][0]["previous_sessions"] = ["G1", "G5"]
    report = check(Instance.model_validate(week), Solution.model_validate(good_solution()))
    assert report.valid, report.violations
    assert report.compliant == 4
    assert report.shortfall_hours == 0
    assert report.continuity == 1
    assert report.staff_hours == 3 + 4


def test_missing_appointment_costs_compliance_not_validity() -> None:
    solution = good_solution()
    solution["appointments"].pop(0)
    report = check(Instance.model_validate(week_data()), Solution.model_validate(solution))
    assert report.valid
    assert report.compliant == 3
    assert report.shortfall_hours == 1
    assert report.warnings == ["client C1 is not compliant but missing from unmet"]


def _session(week: Data, index: int) -> Data:
    session: Data = week["sessions"][index]
    return session


def _add_site(week: Data) -> None:
    week["sites"].append("S2")


def _add_parallel_group(week: Data) -> None:
    twin = dict(_session(week, 0), id="G7")
    week["sessions"].append(twin)
    for n in (5, 6):
        client = dict(week["clients"][0], id=f"C{n}")
        week["clients"].append(client)


CASES: list[tuple[str, Callable[[Data], object] | None, Callable[[Data], object] | None]] = [
    (
        "session-once",
        None,
        lambda s: s["sessions"].append({"id": "G1", "room": "R2", "leader": "T2"}),
    ),
    ("leader", lambda w: w["staff"][0].update(topics=["B"]), None),
    (
        "leader",
        lambda w: w["staff"][0].update(availability=[window("mon", "10:00", "17:00")]),
        None,
    ),
    ("leader", lambda w: (_add_site(w), w["staff"][0].update(site="S2")), None),
    ("room", None, lambda s: s["sessions"][0].update(room=None)),
    ("room", lambda w: w["rooms"][0].update(capacity=3), None),
    ("room", lambda w: (_add_site(w), w["rooms"][0].update(site="S2")), None),
    ("room", lambda w: _session(w, 0).update(telehealth=True), None),
    ("group-size", lambda w: _session(w, 0).update(min_size=5), None),
    ("group-size", lambda w: _session(w, 0).update(max_size=3), None),
    ("eligibility", lambda w: w["clients"][0].update(level="OP"), None),
    ("eligibility", lambda w: w["clients"][0].update(age_group="adolescent"), None),
    ("eligibility", lambda w: _session(w, 0).update(gender="M"), None),
    (
        "eligibility",
        lambda w: (_session(w, 0).update(gender="F"), w["clients"][0].update(gender="X")),
        None,
    ),
    ("eligibility", lambda w: (_add_site(w), w["clients"][0].update(site="S2")), None),
    (
        "eligibility",
        lambda w: w["clients"][0].update(availability=[window("mon", "10:00", "17:00")]),
        None,
    ),
    ("attendance", None, lambda s: s["sessions"].pop(1)),
    ("attendance", None, lambda s: s["attendance"].append({"client": "C1", "session": "G1"})),
    ("appointment", None, lambda s: s["appointments"][0].update(end="14:30")),
    ("appointment", None, lambda s: s["appointments"][0].update(staff="T2")),
    (
        "appointment",
        lambda w: w["staff"][0].update(availability=[window("mon", "08:00", "12:30")]),
        None,
    ),
    (
        "appointment",
        lambda w: w["clients"][0].update(availability=[window("mon", "08:00", "12:30")]),
        None,
    ),
    (
        "appointment",
        None,
        lambda s: s["appointments"].append(dict(s["appointments"][0], start="15:00", end="16:00")),
    ),
    (
        "double-booked",
        None,
        lambda s: s["appointments"][0].update(start="10:00", end="11:00"),
    ),
    (
        "double-booked",
        _add_parallel_group,
        lambda s: (
            s["sessions"].append({"id": "G7", "room": "R1", "leader": "T2"}),
            s["attendance"].extend({"client": c, "session": "G7"} for c in ("C5", "C6")),
        ),
    ),
    (
        "double-booked",
        _add_parallel_group,
        lambda s: (
            s["sessions"].append({"id": "G7", "room": "R2", "leader": "T1"}),
            s["attendance"].extend({"client": c, "session": "G7"} for c in ("C5", "C6")),
        ),
    ),
    ("staff-hours", lambda w: w["staff"][0].update(max_hours=4.5), None),
    ("client-hours", lambda w: w["levels"]["IOP"].update(min_hours=2, max_hours=3.5), None),
    (
        "client-days",
        lambda w: w["levels"]["IOP"].update(max_days=1),
        lambda s: s["appointments"][0].update(day="tue"),
    ),
    ("keep-apart", lambda w: w["clients"][0].update(keep_apart=["C2"]), None),
    ("unknown-id", None, lambda s: s["attendance"].append({"client": "C9", "session": "G1"})),
    ("unknown-id", None, lambda s: s["sessions"].append({"id": "G99", "leader": "T1"})),
    ("instance", None, lambda s: s.update(instance="another-week")),
]


@pytest.mark.parametrize(("rule", "change_week", "change_solution"), CASES)
def test_each_hard_rule_is_caught(
    rule: str,
    change_week: Callable[[Data], object] | None,
    change_solution: Callable[[Data], object] | None,
) -> None:
    assert rule in run_check(change_week, change_solution)


def test_violation_names_rule_and_ids() -> None:
    week, solution = week_data(), good_solution()
    week["clients"][0]["keep_apart"] = ["C3"]
    report = check(Instance.model_validate(week), Solution.model_validate(solution))
    assert [str(v) for v in report.violations] == ["[keep-apart] clients C1 and C3 share G1, G2"]


def test_asymmetric_keep_apart_is_reported_once() -> None:
    week = week_data()
    week["clients"][2]["keep_apart"] = ["C1"]
    report = check(Instance.model_validate(week), Solution.model_validate(good_solution()))
    assert len(report.violations) == 1
