"""Migrations: up, down and up again on each database, and no drift from the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Numeric,
    insert,
    inspect,
    select,
)

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


def _insert(connection: Connection, tables: MetaData, name: str, **given: object) -> object:
    """A row of ``name`` with every required column filled (a parent row made for each
    required foreign key not given); returns its primary key."""
    table = tables.tables[name]
    values: dict[str, object] = dict(given)
    for column in table.columns:
        if column.name in values or column.nullable or column.server_default is not None:
            continue
        if column.primary_key and isinstance(column.type, Integer):
            continue  # the rowid
        foreign = next(iter(column.foreign_keys), None)
        if foreign is not None:
            values[column.name] = _insert(connection, tables, foreign.column.table.name)
        elif column.primary_key:
            values[column.name] = uuid.uuid4().hex
        elif isinstance(column.type, DateTime):
            values[column.name] = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        elif isinstance(column.type, Date):
            values[column.name] = date(2026, 1, 2)
        elif isinstance(column.type, Boolean | Integer | Numeric):
            values[column.name] = 1
        elif isinstance(column.type, JSON):
            values[column.name] = "[]"
        else:
            values[column.name] = f"{column.name}-{uuid.uuid4().hex[:6]}"
    result = connection.execute(insert(table).values(values))
    pk = table.primary_key.columns.values()[0]
    return values.get(
        pk.name, result.inserted_primary_key[0] if result.inserted_primary_key else None
    )


def test_an_upgrade_keeps_rows_that_point_at_a_table_sqlite_rebuilds(tmp_path: Path) -> None:
    """SQLite rebuilds a table to add a constraint; a real database has rows in other
    tables pointing at it, which an empty one did not (the guardian-portal migration
    rebuilds ``client_contact``, which consents point at)."""
    engine = make_engine(databases.sqlite_url(tmp_path / "populated.db"))
    migrate.upgrade(engine, "a2b3c4d5e6f7")  # the revision before the guardian portal
    with engine.begin() as connection:
        tables = MetaData()
        tables.reflect(bind=connection)
        contact = _insert(connection, tables, "client_contact")
        client = connection.execute(
            select(tables.tables["client_contact"].c.client_id)
        ).scalar_one()
        _insert(connection, tables, "consent", client_id=client, guardian_contact_id=contact)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("SELECT count(*) FROM consent").scalar() == 1
    assert migrate.current_revision(engine) == migrate.head_revision(engine)
    engine.dispose()
