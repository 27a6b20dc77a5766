"""`stepdown placement rules` and `stepdown placement report` against a real SQLite file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stepdown.cli import app, context
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.placement import rule_store, service
from stepdown.placement.models import Discrepancy
from stepdown.placement.rule_table import DEFAULT_RULES
from stepdown.placement.schemas import DecisionInput
from tests import databases
from tests.factories import SYSTEM, make_client, make_site
from tests.placement.test_service import signed


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


def test_rules_prints_the_table_in_force(database: str) -> None:
    runner = CliRunner()
    built_in = runner.invoke(app, ["placement", "rules"])
    assert built_in.exit_code == 0, built_in.output
    assert "version 0 (built-in)" in built_in.output
    assert "SVC-HOUSING" in built_in.output
    engine = make_engine(database)
    with session_scope(make_sessionmaker(engine)) as session:
        rows = [rule_store.row_of(r) for r in DEFAULT_RULES if r.id != "SVC-HOUSING"]
        rule_store.publish(session, actor=SYSTEM, rows=rows, note="housing at intake")
    engine.dispose()
    published = runner.invoke(app, ["placement", "rules"])
    assert "Placement rules, version 1" in published.output
    assert "housing at intake" in published.output
    assert "SVC-HOUSING" not in published.output


def test_report_prints_recommended_against_placed(database: str) -> None:
    engine = make_engine(database)
    with session_scope(make_sessionmaker(engine)) as session:
        person = make_client(session, site=make_site(session))
        assessment = signed(session, person.id)
        service.decide(
            session,
            actor=SYSTEM,
            assessment_id=assessment.id,
            data=DecisionInput(
                accept=False,
                level="OP",
                track="evening",
                discrepancy=Discrepancy.CLIENT_PREFERENCE,
                discrepancy_text="will not do three evenings",
                on=today(),
            ),
        )
    engine.dispose()
    runner = CliRunner()
    since = (today() - timedelta(days=1)).isoformat()
    result = runner.invoke(
        app,
        ["placement", "report", "--from", since, "--to", today().isoformat()],
    )
    assert result.exit_code == 0, result.output
    assert "IOP evening" in result.output
    assert "OP evening" in result.output
    assert "Client preference: will not do three evenings" in result.output
    assert "1 decisions, 0 as recommended" in result.output
    assert "client preference: 1" in result.output
    bad = runner.invoke(app, ["placement", "report", "--from", "soon", "--to", since])
    assert bad.exit_code == 2
    assert "from: 'soon' is not a date" in bad.output
    backwards = runner.invoke(app, ["placement", "report", "--from", since, "--to", "2000-01-01"])
    assert backwards.exit_code == 2
    assert "the end date is before the start date" in backwards.output


EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "placement-facts.json"


def test_evaluate_prints_the_recommendation_as_json(database: str, tmp_path: Path) -> None:
    """The documented example (docs/domain.md) runs as written: a high C-SSRS holds."""
    result = CliRunner().invoke(app, ["placement", "evaluate", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["level"] == "HOSPITAL"
    assert answer["safety"] == "crisis_referral"
    assert answer["then_level"] == "IOP"
    assert answer["reasons"][0]["rule_id"] == "SAFETY-CSSRS-HIGH"
    calm = json.loads(EXAMPLE.read_text())
    calm["instruments"]["cssrs_risk"] = "none"
    path = tmp_path / "calm.json"
    path.write_text(json.dumps(calm))
    answer = json.loads(CliRunner().invoke(app, ["placement", "evaluate", str(path)]).stdout)
    assert (answer["level"], answer["track"]) == ("IOP", "evening")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON (line 1, column 2"),
        ('{"age": 30}', "dimensions: Field required"),
        (None, "No such file or directory"),
    ],
    ids=["bad-json", "missing-field", "no-file"],
)
def test_evaluate_refuses_bad_input_in_one_line(
    database: str, tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "facts.json"
    if content is not None:
        path.write_text(content)
    result = CliRunner().invoke(app, ["placement", "evaluate", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert message in result.stderr


def test_evaluate_refuses_a_rating_out_of_range(database: str, tmp_path: Path) -> None:
    facts = json.loads(EXAMPLE.read_text())
    facts["dimensions"]["biomedical"] = 5
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    result = CliRunner().invoke(app, ["placement", "evaluate", str(path)])
    assert result.exit_code == 2
    assert "dimensions.biomedical: Input should be less than or equal to 4" in result.stderr
