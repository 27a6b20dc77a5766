"""Migrations: up, down and up again on each database, and no drift from the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from stepdown.kit import migrate
from stepdown.kit.db import make_engine
from stepdown.models import Base
from tests import databases


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(databases.sqlite_url(tmp_path / "m.db"))
        yield engine
        engine.dispose()
        return
    base = databases.pg_base_url()
    if base is None:
        pytest.skip(databases.PG_SKIP_REASON)
    with databases.fresh_pg_database(base) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(empty_engine: Engine) -> None:
    expected = set(Base.metadata.tables)
    migrate.upgrade(empty_engine)
    assert _tables(empty_engine) == expected
    migrate.downgrade(empty_engine, "base")
    assert _tables(empty_engine) == set()
    migrate.upgrade(empty_engine)
    assert _tables(empty_engine) == expected
    assert migrate.current_revision(empty_engine) == migrate.head_revision(empty_engine)


def test_models_and_migrations_agree(empty_engine: Engine) -> None:
    """Like `alembic check`: autogenerate finds nothing left to migrate."""
    migrate.upgrade(empty_engine)
    with empty_engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
