"""Operations tests: whole databases backed up and restored, a real server killed mid-write.

Each test makes databases of its own (not the shared, rolled-back test database), since a
backup, a restore or a crash needs committed data. The code under test in this process and
the `stepdown` processes it starts sign the audit trail with the same key.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from stepdown.audit import keys
from stepdown.audit.keys import AuditKey, Keyring
from tests import databases

AUDIT_KEY = secrets.token_urlsafe(32)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "crash: starts `stepdown serve` and kills it mid-write (tens of seconds)"
    )


@pytest.fixture(autouse=True)
def audit_key() -> Iterator[str]:
    keys.install(Keyring(current=AuditKey.from_text(AUDIT_KEY)))
    yield AUDIT_KEY
    keys.install(None)


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and databases.pg_base_url() is None:
        pytest.skip(databases.PG_SKIP_REASON)
    return str(request.param)


@contextmanager
def fresh_database(kind: str, directory: Path, name: str) -> Iterator[str]:
    """A new, empty database of ``kind``; a PostgreSQL one is dropped afterwards."""
    if kind == "sqlite":
        yield databases.sqlite_url(directory / f"{name}.db")
        return
    base = databases.pg_base_url()
    assert base is not None
    with databases.fresh_pg_database(base) as url:
        yield url
