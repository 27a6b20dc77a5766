"""`stepdown schedule solve|check` behaviour, including one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stepdown.scheduling.cli import app
from tests.scheduling.test_exchange import week_data

runner = CliRunner()


@pytest.fixture
def week_file(tmp_path: Path) -> Path:
    path = tmp_path / "week.json"
    path.write_text(json.dumps(week_data()), encoding="utf-8")
    return path


def test_solve_then_check(week_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "solution.json"
    result = runner.invoke(app, ["solve", str(week_file), "-o", str(out), "--time-limit", "2"])
    assert result.exit_code == 0, result.output
    assert "compliant" in result.stdout
    assert json.loads(out.read_text(encoding="utf-8"))["stats"]["compliant"] == 4
    checked = runner.invoke(app, ["check", str(week_file), str(out)])
    assert checked.exit_code == 0
    assert "valid" in checked.stdout
    assert "compliant 4/4" in checked.stdout


def test_check_fails_on_broken_solution(week_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "solution.json"
    runner.invoke(app, ["solve", str(week_file), "-o", str(out), "--time-limit", "1"])
    solution = json.loads(out.read_text(encoding="utf-8"))
    solution["sessions"].append(dict(solution["sessions"][0]))
    out.write_text(json.dumps(solution), encoding="utf-8")
    result = runner.invoke(app, ["check", str(week_file), str(out)])
    assert result.exit_code == 1
    assert "[session-once]" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "error: cannot read"),
        ("{oops", "error: "),
        (json.dumps({"format": "stepdown-schedule-instance/1"}), "error: "),
    ],
)
def test_bad_input_is_one_error_line(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "week.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    for args in (
        ["solve", str(path), "-o", str(tmp_path / "out.json"), "--time-limit", "1"],
        ["check", str(path), str(path)],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert result.stderr.startswith(message)
        assert result.stderr.count("\n") == 1
        assert "Traceback" not in result.output
