"""``stepdown testing`` as an operator runs it: a real SQLite file, and a
draw edited directly in the file that ``verify-draw`` then refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from stepdown.drug_testing.models import RandomTestDraw
from stepdown.kit import migrate
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine
from tests.cli.test_cli import run
from tests.drug_testing.test_service import admitted
from tests.factories import make_site

DAY = today().isoformat()


@pytest.fixture(scope="module")
def var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated file with one site (code DT1) and three clients in care there."""
    path = tmp_path_factory.mktemp("testing-cli")
    engine = make_engine(f"sqlite:///{path}/cli.db")
    migrate.upgrade(engine)
    with Session(engine) as session:
        site = make_site(session, code="DT1")
        for _ in range(3):
            admitted(session, site)
        session.commit()
    engine.dispose()
    return path


def edit_draw(var: Path, **values: object) -> None:
    engine = make_engine(f"sqlite:///{var}/cli.db")
    with Session(engine) as session:
        session.execute(update(RandomTestDraw).values(**values))
        session.commit()
    engine.dispose()


def stored_draw(var: Path) -> RandomTestDraw:
    engine = make_engine(f"sqlite:///{var}/cli.db")
    with Session(engine, expire_on_commit=False) as session:
        draw = session.scalars(select(RandomTestDraw)).one()
    engine.dispose()
    return draw


def test_commit_draw_verify_then_an_edit_is_caught(var: Path) -> None:
    committed = run(var, "testing", "commit", DAY, "--site", "DT1", "--rate", "5")
    assert committed.returncode == 0, committed.stderr
    assert "commitment" in committed.stdout
    drew = run(var, "testing", "draw", DAY, "--site", "dt1")
    assert drew.returncode == 0, drew.stderr
    assert "3 of 3 eligible selected" in drew.stdout

    ok = run(var, "testing", "verify-draw", DAY, "DT1")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: DT1")

    original = stored_draw(var)
    edit_draw(var, selected=(original.selected or [])[1:])
    broken = run(var, "testing", "verify-draw", DAY, "DT1")
    assert broken.returncode == 1
    assert "selection differs" in broken.stderr
    assert "record altered" in broken.stderr

    edit_draw(var, selected=original.selected, seed="00" * 32)
    reseeded = run(var, "testing", "verify-draw", DAY, "DT1")
    assert reseeded.returncode == 1
    assert "commitment mismatch" in reseeded.stderr


def test_bad_input_is_one_line_and_exit_2(var: Path) -> None:
    out = run(var, "testing", "verify-draw", "24/11/2026", "DT1")
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip().splitlines() == [
        "error: date: '24/11/2026' is not a date (YYYY-MM-DD)"
    ]
