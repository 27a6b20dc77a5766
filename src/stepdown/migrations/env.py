"""Alembic environment: the engine comes from the caller (CLI, tests) or from settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from stepdown.kit.db import make_engine
from stepdown.models import Base
from stepdown.settings import Settings

config = context.config
engine: Engine | None = config.attributes.get("engine")
if engine is None:
    engine = make_engine(Settings().effective_database_url)


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """SQLite's batch mode rebuilds a table (copy, drop, rename) to change its constraints;
    with foreign keys enforced, dropping a table other rows point at fails, so a migration
    that worked on an empty database failed on a real one. The pragma is a no-op inside a
    transaction, so it goes straight to the driver, before the migration's transaction
    begins and after it ends."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def _sqlite_check_foreign_keys(connection: Connection) -> None:
    """Every row the rebuilt tables hold still points at a row that exists."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    connection.rollback()  # the check's read began a transaction; end it
    if broken:
        raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)
    if sqlite:
        _sqlite_check_foreign_keys(connection)
