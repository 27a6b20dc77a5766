"""`stepdown reviews run|queue|rules` against a real SQLite file, and `stepdown reviews
evaluate` on evidence files (no database at all)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stepdown.cli import app, context
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from tests import databases
from tests.factories import make_client, make_site
from tests.transitions.test_service import _admit, _using


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = databases.sqlite_url(tmp_path / "cli.db")
    databases.migrated(url)
    monkeypatch.setenv("STEPDOWN_DATABASE_URL", url)
    monkeypatch.setenv("STEPDOWN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "240")  # Rich wraps to the terminal; keep rows on one line
    context.settings.cache_clear()
    context.engine.cache_clear()
    yield url
    context.engine().dispose()
    context.settings.cache_clear()
    context.engine.cache_clear()


def test_run_prints_each_proposal_once_recorded(database: str) -> None:
    engine = make_engine(database)
    with session_scope(make_sessionmaker(engine)) as session:
        site = make_site(session, code="RV")
        person = make_client(session, site=site)
        _admit(session, person, "IOP", 35)
        _using(session, person)
        record = person.record_number
    engine.dispose()
    runner = CliRunner()
    first = runner.invoke(app, ["reviews", "run", "--site", "RV"])
    assert first.exit_code == 0, first.output
    (row,) = [line for line in first.output.splitlines() if record in line]
    for text in ("IOP", "Step up to PHP", "90", "craving averaging 8 of 10", "yes"):
        assert text in row
    again = runner.invoke(app, ["reviews", "run", "--site", "RV"])
    (row,) = [line for line in again.output.splitlines() if record in line]
    assert row.rstrip(" │").endswith("no")
    queue = runner.invoke(app, ["reviews", "queue"])
    assert queue.exit_code == 0, queue.output
    assert record in queue.output
    assert "Step up to PHP" in queue.output


def test_an_unknown_site_is_one_line_and_exit_2(database: str) -> None:
    result = CliRunner().invoke(app, ["reviews", "run", "--site", "NOPE"])
    assert result.exit_code == 2
    assert result.output.strip() == "error: site: no site with code 'NOPE'"


def test_rules_prints_the_table(database: str) -> None:
    result = CliRunner().invoke(app, ["reviews", "rules"])
    assert result.exit_code == 0, result.output
    assert "version 3 (built-in)" in result.output
    lines = result.output.splitlines()
    order = [
        next(i for i, line in enumerate(lines) if rule in line)
        for rule in ("SAFETY-*", "EVIDENCE-NO-SPECIMEN", "UP-USE-CRAVING", "STAY-ON-TRACK")
    ]
    assert order == sorted(order)


# --- stepdown reviews evaluate -------------------------------------------------------

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "review-evidence.json"


def test_the_example_is_the_one_in_the_domain_doc() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "domain.md").read_text()
    section = doc.split("## Review evidence file (`stepdown reviews evaluate`)", 1)[1]
    block = section.split("```json\n", 1)[1].split("```", 1)[0]
    assert json.loads(block) == json.loads(EXAMPLE.read_text())


def _evaluate(path: Path) -> Any:
    result = CliRunner().invoke(app, ["reviews", "evaluate", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _refused(path: Path) -> str:
    result = CliRunner().invoke(app, ["reviews", "evaluate", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output  # one line, never a traceback
    return lines[0]


def _variant(tmp_path: Path, **changes: object) -> Path:
    data = json.loads(EXAMPLE.read_text())
    data.update(changes)
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(data))
    return path


def test_the_documented_example_steps_down_with_its_evidence() -> None:
    found = _evaluate(EXAMPLE)
    assert (found["kind"], found["from_level"], found["target_level"]) == (
        "step_down",
        "IOP",
        "OP",
    )
    assert (found["discharge"], found["safety"], found["urgency"]) == (False, False, 35)
    assert (found["next_review_due"], found["table_version"]) == ("2026-12-07", 3)
    (deciding,) = [r for r in found["reasons"] if r["drives"]]
    assert deciding["rule_id"] == "DOWN-IOP-COMPLETE"
    evidence = {e["fact"]: (e["value"], e["on"]) for e in deciding["evidence"]}
    assert evidence["attendance_pct"] == ("88", "2026-11-03 to 2026-11-30")
    assert evidence["positive_specimens"] == ("0", "2026-11-03 to 2026-11-30")


def test_live_risk_in_the_file_proposes_a_same_day_reassessment(tmp_path: Path) -> None:
    path = _variant(
        tmp_path,
        safety_state="crisis_referral",
        safety_reasons=[
            {
                "rule_id": "SAFETY-CSSRS-RECENT-BEHAVIOUR",
                "sentence": "C-SSRS screener of 2026-11-28: suicidal behaviour in the 3 months "
                "before it (high risk)",
                "on": "2026-11-28",
            }
        ],
    )
    found = _evaluate(path)
    assert (found["kind"], found["target_level"], found["safety"]) == ("reassess", None, True)
    assert (found["urgency"], found["next_review_due"]) == (100, "2026-11-30")
    first = found["reasons"][0]
    assert first["rule_id"] == "SAFETY-CSSRS-RECENT-BEHAVIOUR"
    assert first["evidence"] == [
        {
            "fact": "safety_state",
            "label": "safety gate",
            "value": "Refer now for a crisis or psychiatric inpatient evaluation",
            "on": "2026-11-28",
        }
    ]
    background = [r["rule_id"] for r in found["reasons"] if not r["drives"]]
    assert background == ["DOWN-IOP-COMPLETE"]


def test_a_file_without_tests_is_not_enough_evidence(tmp_path: Path) -> None:
    found = _evaluate(_variant(tmp_path, tests_collected=0, positive_specimens=None))
    assert found["kind"] == "reassess"
    assert [r["rule_id"] for r in found["reasons"] if r["drives"]] == ["EVIDENCE-NO-SPECIMEN"]


def test_bad_json_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "evidence.json"
    path.write_text('{"as_of": "2026-11-30",')
    assert _refused(path).startswith(f"error: {path}: not valid JSON (line 1")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"refused": 20_000}, "refused: Input should be less than or equal to 10000"),
        ({"refused": True}, "refused: Input should be a valid integer"),
        ({"as_of": "1999-12-31"}, "as_of: Input should be greater than or equal to 2000-01-01"),
        ({"attendance_rate": 1.5}, "attendance_rate: Input should be less than or equal to 1"),
        ({"level": "x" * 41}, "level: String should have at most 40 characters"),
        ({"mood": 3}, "mood: Extra inputs are not permitted"),
        ({"weeks_short": 5}, "weeks_short: Value error, weeks_short (5) is more than"),
        ({"level_since": "2026-12-01"}, "level_since: Value error, level_since (2026-12-01)"),
        ({"safety_state": "fine"}, "safety_state: Input should be 'clear'"),
        (
            {"safety_reasons": [{"rule_id": "SAFETY-X", "sentence": "x", "on": "2026-11-28"}]},
            "safety_reasons: Value error, reasons are given but safety_state is clear",
        ),
    ],
)
def test_a_field_out_of_range_is_named(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    path = _variant(tmp_path, **changes)
    assert _refused(path).startswith(f"error: {path}: {message}")


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    assert _refused(path) == f"error: {path}: No such file or directory"
