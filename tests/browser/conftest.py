"""A live server on a seeded SQLite file, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Playwright, sync_playwright

from stepdown.app import create_app
from stepdown.clinical_notes.demo import INTERN
from stepdown.demo.seed import STAFF, SignIn, demo_password, seed
from stepdown.documents import storage
from stepdown.kit import migrate
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.security.roles import Role
from stepdown.settings import Settings
from tests.factories import SYSTEM

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"


@dataclass(frozen=True)
class LiveServer:
    url: str
    settings: Settings
    sign_ins: dict[str, SignIn]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _by_role_and_username(sign_ins: list[SignIn], secret_key: str) -> dict[str, SignIn]:
    """Each role's first demo sign-in under the role's name, and every demo staff account
    (the intern too) under its username: tests ask for "clinician" or for "clinician2"."""
    found: dict[str, SignIn] = {}
    for sign_in in sign_ins:
        found.setdefault(sign_in.role.value, sign_in)
    for username, _, role, _ in (*STAFF, (INTERN, "", Role.CLINICIAN, "")):
        found.setdefault(username, SignIn(role, username, demo_password(secret_key, username)))
    return found


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    var = tmp_path_factory.mktemp("live")
    settings = Settings(
        var_dir=var,
        database_url=f"sqlite:///{var}/live.db",
        secret_key="browser-test-key-0123456789",  # type: ignore[arg-type]
        jobs_backend="off",  # no nightly jobs: the seeded data stays as seeded
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = make_engine(settings.effective_database_url)
    migrate.upgrade(engine)
    with session_scope(make_sessionmaker(engine)) as session:
        sign_ins = seed(
            session,
            actor=SYSTEM,
            secret_key=settings.effective_secret_key,
            documents=storage.from_settings(settings),
        )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "live server did not start"
        time.sleep(0.05)
    yield LiveServer(
        url=f"http://127.0.0.1:{port}",
        settings=settings,
        sign_ins=_by_role_and_username(sign_ins, settings.effective_secret_key),
    )
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not shutil.which(CHROMIUM):
        pytest.skip(f"browser tests skipped: {CHROMIUM} is missing (make test installs it)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
