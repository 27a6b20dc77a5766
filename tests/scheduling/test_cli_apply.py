"""`stepdown schedule export-week` and `apply` on a real SQLite file, as a coordinator runs them."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from stepdown.scheduling.exchange import load_instance
from tests.command_line import stepdown

# Two weeks ahead: the demo seed publishes up to next week, so nothing is published yet.
LATER = date.today() - timedelta(days=date.today().weekday()) + timedelta(weeks=2)  # noqa: DTZ011


def run(env_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env: dict[str, str | None] = {
        "STEPDOWN_VAR_DIR": str(env_dir),
        "STEPDOWN_DATABASE_URL": f"sqlite:///{env_dir}/cli.db",
        "STEPDOWN_SECRET_KEY": "cli-test-secret-key-not-for-production-use",
    }
    return stepdown(env, *args)


@pytest.fixture(scope="module")
def var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schedule-cli")
    assert run(path, "db", "upgrade").returncode == 0
    assert run(path, "demo", "seed", "--no-history").returncode == 0
    return path


def _builds(var: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(var / "cli.db") as db:
        return db.execute(
            "SELECT status, applies_from FROM schedule_build WHERE week_of = ?", (str(LATER),)
        ).fetchall()


def test_export_solve_apply_from_wednesday(var: Path) -> None:
    week, solution = var / "week.json", var / "solution.json"
    exported = run(var, "schedule", "export-week", "--week", str(LATER), "-o", str(week))
    assert exported.returncode == 0, exported.stderr
    assert load_instance(week).week_of == str(LATER)
    solved = run(var, "schedule", "solve", str(week), "-o", str(solution), "--time-limit", "2")
    assert solved.returncode == 0, solved.stderr
    applied = run(var, "schedule", "apply", str(solution), "--instance", str(week), "--from", "wed")
    assert applied.returncode == 0, applied.stderr
    lines = applied.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"published week {LATER} from {LATER + timedelta(days=2)}:")
    assert _builds(var) == [("published", str(LATER + timedelta(days=2)))]


def test_a_file_that_is_not_json_exits_2_with_one_line(var: Path) -> None:
    bad = var / "bad.json"
    bad.write_text("{not json")
    out = run(var, "schedule", "apply", str(bad))
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0
    assert out.stderr.startswith(f"error: {bad} is not valid JSON")


def test_an_invalid_solution_exits_2_and_writes_nothing(var: Path) -> None:
    week, solution = var / "week2.json", var / "broken.json"
    assert (
        run(var, "schedule", "export-week", "--week", str(LATER), "-o", str(week)).returncode == 0
    )
    data = {
        "instance": f"week-{LATER}",
        "sessions": [{"id": "S1-NOPE", "leader": "clinician", "room": None}],
    }
    solution.write_text(json.dumps(data))
    before = _builds(var)
    out = run(var, "schedule", "apply", str(solution))
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "error: solution: the schedule breaks a rule: [unknown-id] session S1-NOPE is not in "
        "the instance"
    )
    assert _builds(var) == before
