"""A live server on a database that `stepdown init` has just started: no sites, no staff
but the first administrator, no clients. The first-week acceptance test sets the program up
through the browser from here, as a new program would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import uvicorn
from sqlalchemy import select

from stepdown.app import create_app
from stepdown.clients import service as clients_service
from stepdown.clients.schemas import ClientCreate
from stepdown.jobs.registry import Registry
from stepdown.jobs.runner import Worker
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.programs.models import Site
from stepdown.scheduling import service as scheduling_service
from stepdown.scheduling import tasks
from stepdown.settings import Settings
from tests.browser.conftest import _free_port
from tests.factories import SYSTEM

PROGRAM_NAME = "Harbor Light Recovery"
ADMIN_USERNAME = "first.admin"
SECRET_KEY = "first-week-browser-key-0123456789"
# `stepdown` as installed next to the interpreter running the tests (the project's venv).
STEPDOWN = Path(sys.executable).with_name("stepdown")


@dataclass(frozen=True)
class EmptyServer:
    url: str
    settings: Settings
    admin_username: str
    admin_password: str
    init_output: str


def run_init(var: Path, database_url: str, base_url: str) -> str:
    """`stepdown init` as an operator runs it on a new server: settings from the
    environment, run from a directory with no `.env` to pick up; its standard output."""
    env = {
        **os.environ,
        "STEPDOWN_DATABASE_URL": database_url,
        "STEPDOWN_SECRET_KEY": SECRET_KEY,
        "STEPDOWN_VAR_DIR": str(var),
        "STEPDOWN_BASE_URL": base_url,
    }
    done = subprocess.run(
        [
            str(STEPDOWN),
            "init",
            "--program-name",
            PROGRAM_NAME,
            "--time-zone",
            "America/New_York",
            "--admin-username",
            ADMIN_USERNAME,
        ],
        cwd=var,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def printed_password(output: str) -> str:
    match = re.search(r"^Password \(shown once\): (\S+)$", output, re.MULTILINE)
    assert match is not None, f"no password in the output of stepdown init:\n{output}"
    return match.group(1)


@contextmanager
def empty_server(var: Path) -> Iterator[EmptyServer]:
    """`stepdown init` on a new SQLite file in ``var``, then the app serving it on a free
    port until the block ends."""
    database_url = f"sqlite:///{var}/program.db"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    output = run_init(var, database_url, url)
    settings = Settings(
        var_dir=var,
        database_url=database_url,
        secret_key=SECRET_KEY,
        base_url=url,  # invitation links are made with it
        jobs_backend="off",  # the test runs the queued build itself: see run_queued_builds
        _env_file=None,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield EmptyServer(
            url=url,
            settings=settings,
            admin_username=ADMIN_USERNAME,
            admin_password=printed_password(output),
            init_output=output,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def insert_lookalike(
    server: EmptyServer,
    *,
    site_code: str,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    phone: str,
) -> str:
    """A client already on record (as an import or an earlier admission would leave one)
    at the site the administrator made, for the duplicate check to find; its record number.
    """
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            site = session.scalars(select(Site).where(Site.code == site_code)).one()
            client = clients_service.register_client(
                session,
                actor=SYSTEM,
                data=ClientCreate(
                    legal_first_name=first_name,
                    legal_last_name=last_name,
                    date_of_birth=date_of_birth,
                    phone=phone,
                    site_id=site.id,
                ),
                record_number=clients_service.next_record_number(session),
                is_synthetic=True,
            )
            return client.record_number
    finally:
        engine.dispose()


def run_queued_builds(server: EmptyServer) -> int:
    """What the background worker does for a queued build (the server runs with jobs off,
    so nothing else runs behind the test's back); how many jobs ran."""
    registry = Registry()
    registry.task(scheduling_service.BUILD_JOB, attempts=1)(tasks.solve_build)
    engine = make_engine(server.settings.effective_database_url)
    try:
        worker = Worker(make_sessionmaker(engine), server.settings, registry, name="first-week")
        return worker.run_due()
    finally:
        engine.dispose()
