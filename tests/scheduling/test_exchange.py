"""Exchange format: loading, clear errors, time helpers. Also hosts the instance factory."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from stepdown.scheduling.exchange import (
    ExchangeError,
    Instance,
    Solution,
    load_instance,
    load_solution,
    parse_instance,
    save_solution,
    to_clock,
    to_minutes,
    week_minute,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def window(day: str, start: str, end: str) -> dict[str, str]:
    return {"day": day, "start": start, "end": end}


def week_data(
    *,
    clients: int = 4,
    days: tuple[str, ...] = ("mon", "tue", "wed"),
    min_size: int = 2,
    max_size: int = 6,
    telehealth: bool = False,
) -> dict[str, Any]:
    """A one-site week small enough to reason about by hand.

    Two rooms and two therapists; each day has a 09:00 and a 10:45 IOP group on topic A; IOP
    needs 4 h (two groups and one individual hour) and allows at most 3 days.
    """
    sessions = []
    for day in days:
        for start, end in (("09:00", "10:30"), ("10:45", "12:15")):
            sessions.append(
                {
                    "id": f"G{len(sessions) + 1}",
                    "site": "S1",
                    "day": day,
                    "start": start,
                    "end": end,
                    "topic": "A",
                    "levels": ["IOP"],
                    "audience": "adult",
                    "gender": "any",
                    "min_size": min_size,
                    "max_size": max_size,
                    "telehealth": telehealth,
                }
            )
    return {
        "format": "stepdown-schedule-instance/1",
        "name": "factory",
        "week_of": "2026-11-23",
        "levels": {
            "PHP": {"min_hours": 12, "max_hours": 20, "max_days": 5},
            "IOP": {"min_hours": 4, "max_hours": 8, "max_days": 3},
            "OP": {"min_hours": 1, "max_hours": 3, "max_days": 2},
        },
        "individual_minutes": 60,
        "sites": ["S1"],
        "rooms": [
            {"id": "R1", "site": "S1", "capacity": 8},
            {"id": "R2", "site": "S1", "capacity": 8},
        ],
        "staff": [
            {
                "id": f"T{n}",
                "site": "S1",
                "topics": ["A"],
                "availability": [window(day, "08:00", "17:00") for day in WEEKDAYS],
                "max_hours": 40,
            }
            for n in (1, 2)
        ],
        "sessions": sessions,
        "clients": [
            {
                "id": f"C{n}",
                "site": "S1",
                "level": "IOP",
                "age_group": "adult",
                "gender": "F" if n % 2 else "M",
                "availability": [window(day, "08:00", "17:00") for day in WEEKDAYS],
                "primary_therapist": "T1" if n % 2 else "T2",
                "individual_sessions": 1,
                "family_sessions": 0,
                "keep_apart": [],
                "previous_sessions": [],
            }
            for n in range(1, clients + 1)
        ],
    }


def make_instance(**options: Any) -> Instance:
    return Instance.model_validate(week_data(**options))


def test_factory_week_is_valid() -> None:
    week = make_instance()
    assert [s.id for s in week.sessions] == ["G1", "G2", "G3", "G4", "G5", "G6"]
    assert week.clients[0].appointments_needed == 1


def test_samples_load(tmp_path: Path) -> None:
    path = tmp_path / "week.json"
    path.write_text(json.dumps(week_data()), encoding="utf-8")
    assert load_instance(path).name == "factory"


def test_time_helpers() -> None:
    assert to_minutes("09:30") == 570
    assert to_minutes("24:00") == 1440
    assert to_clock(570) == "09:30"
    assert week_minute("tue", "00:15") == 1440 + 15
    with pytest.raises(ValueError, match="not HH:MM"):
        to_minutes("9:30")


def _broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(week_data())
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["sessions"][0].update(day="funday"), "sessions.0.day"),
        (lambda d: d["sessions"][0].update(end="08:00"), "end 08:00 is not after start 09:00"),
        (lambda d: d["sessions"][0].update(start="9am"), "not HH:MM"),
        (
            lambda d: d["clients"][0].update(primary_therapist="T9"),
            "client C1: primary_therapist T9 is not in staff",
        ),
        (lambda d: d["clients"][0].update(keep_apart=["C99"]), "unknown client C99"),
        (lambda d: d["rooms"][0].update(site="S7"), "room R1: unknown site S7"),
        (lambda d: d["sessions"][1].update(id="G1"), "duplicate session id G1"),
        (lambda d: d.update(format="something-else/2"), "format"),
        (lambda d: d.update(week_of="2026-11-24"), "is not a Monday"),
        (lambda d: d["sessions"][0].update(min_size=9, max_size=3), "max_size 3 < min_size"),
        (lambda d: d["levels"]["IOP"].update(max_hours=1), "below min_hours"),
        (lambda d: d["clients"][0].update(shoe_size=9), "Extra inputs"),
    ],
)
def test_bad_instances_name_the_problem(change: Any, message: str) -> None:
    with pytest.raises(ExchangeError, match=message) as caught:
        parse_instance(_broken(change))
    assert "\n" not in str(caught.value)


def test_missing_file_and_bad_json(tmp_path: Path) -> None:
    with pytest.raises(ExchangeError, match="cannot read"):
        load_instance(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ExchangeError, match="not valid JSON"):
        load_instance(tmp_path / "bad.json")


def test_solution_round_trip(tmp_path: Path) -> None:
    solution = Solution.model_validate(
        {
            "instance": "factory",
            "sessions": [{"id": "G1", "room": "R1", "leader": "T1"}],
            "attendance": [{"client": "C1", "session": "G1"}],
            "appointments": [
                {
                    "client": "C1",
                    "staff": "T1",
                    "kind": "individual",
                    "day": "mon",
                    "start": "13:00",
                    "end": "14:00",
                }
            ],
            "unmet": [{"client": "C2", "short_hours": 1.5, "reason": "why"}],
            "stats": {"seconds": 1.5, "objective": 3, "bound": 4},
        }
    )
    path = tmp_path / "solution.json"
    save_solution(solution, path)
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == "stepdown-schedule-solution/1"
    assert load_solution(path) == solution
