"""Engines and sessions. The entry point (request, CLI command, job) owns the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# The connection execution option that makes a SQLite transaction begin DEFERRED.
READ_ONLY_OPTION = "stepdown_read_only"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the SQLite settings the product relies on.

    SQLite does not enforce foreign keys unless asked, and pysqlite's own transaction
    handling breaks SAVEPOINTs, so we take over BEGIN (the recipe in SQLAlchemy's SQLite
    dialect docs). BEGIN IMMEDIATE takes the write lock up front: nearly every request
    writes an audit row, and waiting for the lock beats failing on a stale snapshot. A
    session opened ``read_only`` (``open_session``) begins DEFERRED instead and never waits
    for a writer; see ``open_session`` for why it must then not write.
    """
    parsed = make_url(url)
    if parsed.drivername == "postgresql":  # psycopg 3 is the driver we ship, not psycopg2
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        # Keep 10 connections (the default keeps 5): with more requests in flight than the
        # pool keeps, every request past the fifth opened a new connection and closed it
        # again, a third of a /healthz's time at 8 concurrent. The ceiling stays 15 per
        # process (10 + 5 overflow), as docs/operations.md counts.
        options: dict[str, Any] = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 5}
        return create_engine(parsed, **(options | kwargs))
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        deferred = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    return engine


def ping(bind: Engine | Connection) -> None:
    """One ``SELECT 1`` outside any transaction; raises if the database cannot answer.

    On PostgreSQL the connection runs in autocommit, so the check is the pool's pre-ping
    and this one statement, not also a BEGIN and a ROLLBACK. On SQLite it begins deferred,
    so a health probe never waits for the write lock. A sessionmaker bound to one
    connection (the test suite's, inside a transaction it rolls back) is asked on that
    connection.
    """
    if isinstance(bind, Connection):
        bind.exec_driver_sql("SELECT 1")
        return
    engine = bind
    options: dict[str, Any] = (
        {READ_ONLY_OPTION: True}
        if engine.dialect.name == "sqlite"
        else {"isolation_level": "AUTOCOMMIT"}
    )
    with engine.connect().execution_options(**options) as connection:
        connection.exec_driver_sql("SELECT 1")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def open_session(factory: sessionmaker[Session], *, read_only: bool = False) -> Session:
    """A session from ``factory``; ``read_only`` for a unit of work that writes nothing.

    On SQLite a read-only session begins DEFERRED: it reads the last committed state
    without the write lock, so it neither waits for a writer (a long write transaction, a
    job storing its result) nor makes writers wait for it. It must not write: SQLite
    upgrades a deferred transaction on its first write, but once the transaction has read
    it refuses the upgrade at once, without the busy timeout, whenever another connection
    holds the write lock or has committed since that read (SQLITE_BUSY, the "deadlock" of
    deferred read-then-write transactions). Only BEGIN IMMEDIATE, which waits for the lock
    before the first read, makes a read-then-write transaction safe, so every session that
    may write (an audited page read, a sliding sign-in session) keeps it. On PostgreSQL the
    option changes nothing.
    """
    if not read_only:
        return factory()
    return factory(execution_options={READ_ONLY_OPTION: True})


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
