"""``stepdown worker`` as an operator runs it, in-process on a migrated SQLite file of its
own (the commands commit, and what they write must not reach other tests' database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from stepdown.cli import context
from stepdown.drug_testing.models import RandomTestDraw
from stepdown.jobs.cli import app
from stepdown.jobs.models import JobRun, RunStatus
from stepdown.kit import migrate
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine
from stepdown.settings import Settings
from tests.factories import make_site

runner = CliRunner()


@pytest.fixture(scope="module")
def var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("worker-cli")
    engine = make_engine(f"sqlite:///{path}/cli.db")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def cli_engine(var: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    settings = Settings(
        var_dir=var,
        database_url=f"sqlite:///{var}/cli.db",
        secret_key="worker-cli-test-key",  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = make_engine(settings.effective_database_url)
    monkeypatch.setattr(context, "settings", lambda: settings)
    monkeypatch.setattr(context, "engine", lambda: engine)
    yield engine
    engine.dispose()


def test_enqueue_run_once_then_status(cli_engine: Engine) -> None:
    with Session(cli_engine, expire_on_commit=False) as session:
        site = make_site(session)
        session.commit()
    params = ["--param", f"site_id={site.id}", "--param", f"day={today().isoformat()}"]
    queued = runner.invoke(app, ["enqueue", "testing.commit_site", *params])
    assert queued.exit_code == 0, queued.output
    ran = runner.invoke(app, ["run", "--once"])
    assert ran.exit_code == 0, ran.output
    assert "job(s)" in ran.stdout
    with Session(cli_engine) as session:
        manual = session.scalars(
            select(JobRun).where(JobRun.name == "testing.commit_site", JobRun.key.is_(None))
        ).one()
        assert (manual.status, manual.attempts) == (RunStatus.SUCCEEDED, 1)
        draws = session.scalars(select(RandomTestDraw).where(RandomTestDraw.day == today()))
        assert [draw.site_id for draw in draws] == [site.id]
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 0, status.output
    assert "succeeded  attempts=1  testing.commit_site  -" in status.stdout
    assert "testing.run_draws" in status.stdout  # with its next slot
    assert "jobs backend: inprocess" in status.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope.job"], "no job named 'nope.job'"),
        (["testing.draw_site", "--param", "site_id"], "is not key=value"),
        (["testing.run_draws", "--param", "day=tomorrow"], "takes exactly day=YYYY-MM-DD"),
    ],
)
def test_enqueue_refusals_exit_2(cli_engine: Engine, args: list[str], message: str) -> None:
    refused = runner.invoke(app, ["enqueue", *args])
    assert refused.exit_code == 2
    assert message in refused.stderr
