"""Shared fixtures: every database test runs on SQLite and, when configured, PostgreSQL.

Each test runs inside an outer transaction that is rolled back, so tests never see each
other's rows; code under test commits to SAVEPOINTs inside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from stepdown.app import create_app
from stepdown.documents.storage import LocalDirectoryStorage
from stepdown.kit import clock
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.security import passwords
from stepdown.settings import Settings
from tests import databases


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that read a seeded demo program run on one xdist worker per kind of demo: the
    browser tests share one live server, the others one demo database per engine, so each
    is seeded once in a run instead of once per worker (with ``--dist loadgroup``, as the
    Makefile runs the suite; without xdist the marks do nothing)."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif "demo_engine" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("demo"))


def pytest_report_header() -> str:
    base = databases.pg_base_url()
    return "PostgreSQL: enabled" if base else f"PostgreSQL: {databases.PG_SKIP_REASON}"


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """argon2id at the production profile (RFC 9106 low-memory) costs about 120 ms a hash
    on this machine, and the factories make several accounts a test: the suite spent more
    time hashing than testing. Tests hash with the same algorithm and code path at its
    cheapest parameters; a hash records its own parameters, so verification is unchanged
    (security/test_passwords checks that a hash made at the production profile verifies)."""
    production, dummy = passwords._hasher, passwords.DUMMY_HASH
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    passwords.DUMMY_HASH = passwords.hash_password("not a real password: timing equaliser")
    yield
    passwords._hasher, passwords.DUMMY_HASH = production, dummy


@pytest.fixture(autouse=True)
def program_clock() -> Iterator[None]:
    """The program's zone is process state (``kit.clock``) that an app's start-up or a CLI
    command sets from the program's row: every test starts on the default and leaves it."""
    clock.set_program_zone(clock.DEFAULT_ZONE)
    yield
    clock.set_program_zone(clock.DEFAULT_ZONE)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        url = databases.sqlite_url(tmp_path_factory.mktemp("sqlite") / "test.db")
        databases.migrated(url)
        yield url
        return
    base = databases.pg_base_url()
    if base is None:
        pytest.skip(databases.PG_SKIP_REASON)
    with databases.fresh_pg_database(base) as url:
        databases.migrated(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@contextmanager
def _rolled_back(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions inside one outer transaction that is rolled back at the end, so a test's
    commits (savepoints) never outlive it."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield factory
    outer.rollback()
    connection.close()


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    with _rolled_back(engine) as factory:
        yield factory


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


DEMO_KEY = "demo-test-key"


@pytest.fixture(scope="session")
def demo_documents(tmp_path_factory: pytest.TempPathFactory) -> LocalDirectoryStorage:
    """Where the demo's scanned papers are filed (one store per worker, like the demo)."""
    return LocalDirectoryStorage(tmp_path_factory.mktemp("demo-documents"))


@pytest.fixture(scope="session")
def demo_engine(
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    demo_documents: LocalDirectoryStorage,
) -> Iterator[Engine]:
    """A second database of the same kind holding the synthetic demo program (secret key
    ``DEMO_KEY``), seeded once per worker: the seed is the suite's slowest step, and the
    checks of what it made only read it or change it inside ``demo_session``."""
    with ExitStack() as stack:
        if database_url.startswith("sqlite"):
            url = databases.sqlite_url(tmp_path_factory.mktemp("demo") / "demo.db")
        else:
            base = databases.pg_base_url()
            assert base is not None  # database_url skipped PostgreSQL otherwise
            url = stack.enter_context(databases.fresh_pg_database(base))
        databases.migrated(url)
        engine = make_engine(url)
        stack.callback(engine.dispose)
        from stepdown.demo.seed import seed  # only the workers that need the demo load it
        from tests.factories import SYSTEM

        with session_scope(make_sessionmaker(engine)) as session:
            seed(
                session,
                actor=SYSTEM,
                secret_key=DEMO_KEY,
                documents=demo_documents,
                history=False,
            )
        clock.set_program_zone(clock.DEFAULT_ZONE)
        yield engine


@pytest.fixture
def demo_session(demo_engine: Engine) -> Iterator[Session]:
    """A session on the seeded demo program; whatever the test changes is rolled back."""
    with _rolled_back(demo_engine) as factory, factory() as session:
        yield session


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",  # type: ignore[arg-type]
        jobs_backend="off",  # a job thread must not share the test's connection
        program_refresh_seconds=0,  # nor a timer that re-reads the program's details
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    return create_app(settings, session_factory=session_factory)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield client
