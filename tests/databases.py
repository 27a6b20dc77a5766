"""Test databases: a migrated SQLite file, and a fresh PostgreSQL database per run."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from stepdown.kit import migrate
from stepdown.kit.db import make_engine

PG_ENV = "STEPDOWN_TEST_DATABASE_URL"
PG_SKIP_REASON = (
    f"PostgreSQL tests skipped: set {PG_ENV} (e.g. postgresql://postgres@127.0.0.1/test)"
)


def pg_base_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@contextmanager
def fresh_pg_database(base_url: str) -> Iterator[str]:
    """CREATE a uniquely named database beside the given one; DROP it afterwards."""
    name = f"stepdown_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(
        make_url(base_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def migrated(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
