"""The engine's SQLite settings, read-only sessions beside a writer, and UTC timestamps."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from stepdown.kit.db import make_engine, make_sessionmaker, open_session
from stepdown.kit.orm import UTCDateTime
from stepdown.programs.models import Room
from tests.factories import make_site


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_foreign_keys_are_enforced(session: Session) -> None:
    import uuid

    session.add(Room(site_id=uuid.uuid4(), code="R1", name="Orphan", capacity=5))
    with pytest.raises(IntegrityError):
        session.flush()


def test_timestamps_come_back_in_utc(session: Session, engine: Engine) -> None:
    site = make_site(session)
    session.expire(site)
    assert site.created_at.tzinfo is not None
    assert site.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), dialect=None)  # type: ignore[arg-type]  # noqa: DTZ001
    aware = datetime(2026, 1, 1, tzinfo=UTC)
    assert UTCDateTime().process_bind_param(aware, dialect=None) == aware  # type: ignore[arg-type]


@pytest.fixture
def counter(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on a SQLite file holding one committed row, each on its own connection."""
    engine = make_engine(f"sqlite:///{tmp_path}/lock.db")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        connection.exec_driver_sql("INSERT INTO counter VALUES (1)")
    yield make_sessionmaker(engine)
    engine.dispose()


def _count(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM counter")).scalar_one())


def test_a_read_only_session_reads_at_once_beside_a_long_write_transaction(
    counter: sessionmaker[Session],
) -> None:
    with counter() as writer:  # BEGIN IMMEDIATE: holds the write lock until it ends
        writer.execute(text("INSERT INTO counter VALUES (2)"))

        started = time.monotonic()
        with open_session(counter, read_only=True) as reader:
            assert _count(reader) == 1  # the last committed state, not the writer's row
        assert time.monotonic() - started < 1  # no wait for the lock (busy timeout: 10 s)

        # A session that may write still queues behind the writer, as it must.
        counted: list[int] = []

        def count_after_the_writer() -> None:
            with counter() as session:
                counted.append(_count(session))

        waiting = threading.Thread(target=count_after_the_writer)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive()
        writer.commit()
    waiting.join(5)
    assert counted == [2]


def test_a_read_only_session_that_writes_is_refused_at_once_while_another_writes(
    counter: sessionmaker[Session],
) -> None:
    """Why read-only sessions must not write: a deferred transaction that has read cannot wait
    for the lock, so SQLite refuses its first write at once; only IMMEDIATE waits."""
    with open_session(counter, read_only=True) as reader, counter() as writer:
        assert _count(reader) == 1
        writer.execute(text("INSERT INTO counter VALUES (2)"))
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            reader.execute(text("INSERT INTO counter VALUES (3)"))
        assert time.monotonic() - started < 1


def test_a_postgresql_engine_keeps_ten_connections_and_checks_them() -> None:
    """With the default five, requests past the fifth in flight each opened and closed a
    connection of their own."""
    engine = make_engine("postgresql://postgres@127.0.0.1:5432/never-connected")
    try:
        assert engine.pool.size() == 10
        assert engine.pool._max_overflow == 5
        assert engine.pool._pre_ping  # a connection the server dropped is replaced
    finally:
        engine.dispose()
