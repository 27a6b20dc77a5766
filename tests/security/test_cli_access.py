"""`stepdown users reset-password` and `disable`, as an operator runs them, stop API tokens."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from stepdown.kit.db import make_engine, make_sessionmaker
from stepdown.security import service
from stepdown.security.models import ApiToken
from tests.command_line import stepdown

STEPDOWN = [sys.executable, "-m", "stepdown"]


def run(var: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env: dict[str, str | None] = {
        "STEPDOWN_VAR_DIR": str(var),
        "STEPDOWN_DATABASE_URL": f"sqlite:///{var}/cli.db",
    }
    out = stepdown(env, *args, stdin=stdin)
    assert out.returncode == 0, out.stderr
    return out


@pytest.fixture(scope="module")
def var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-access")
    run(path, "db", "upgrade")
    return path


def _token_for(var: Path, username: str) -> str:
    out = run(var, "tokens", "create", username, "--name", "export")
    return out.stdout.strip().splitlines()[-1]


def _still_works(var: Path, secret: str) -> bool:
    engine = make_engine(f"sqlite:///{var}/cli.db")
    try:
        with make_sessionmaker(engine)() as session:
            return service.resolve_api_token(session, secret=secret) is not None
    finally:
        engine.dispose()


def _revoked(var: Path) -> set[bool]:
    engine = make_engine(f"sqlite:///{var}/cli.db")
    try:
        with make_sessionmaker(engine)() as session:
            return {t.revoked_at is not None for t in session.scalars(select(ApiToken))}
    finally:
        engine.dispose()


def test_reset_password_and_disable_stop_the_accounts_tokens(var: Path) -> None:
    run(
        var,
        "users",
        "create",
        "token.owner",
        "--role",
        "clinician",
        "--name",
        "Token Owner",
        "--password-stdin",
        stdin="a sufficiently long passphrase\n",
    )
    before_reset = _token_for(var, "token.owner")
    assert _still_works(var, before_reset)
    run(
        var,
        "users",
        "reset-password",
        "token.owner",
        "--password-stdin",
        stdin="another sufficiently long passphrase\n",
    )
    assert not _still_works(var, before_reset)
    before_disable = _token_for(var, "token.owner")
    assert _still_works(var, before_disable)
    run(var, "users", "disable", "token.owner")
    assert not _still_works(var, before_disable)
    assert _revoked(var) == {True}
