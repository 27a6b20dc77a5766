"""`stepdown backup` and `stepdown restore` on real SQLite files: a checked round trip,
through a pipe too, and one-line refusals that leave the target alone."""

from __future__ import annotations

import secrets
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.command_line import stepdown_bytes

STEPDOWN = [sys.executable, "-m", "stepdown"]
AUDIT_KEY = secrets.token_urlsafe(32)  # the deployment's key, the same on both machines


def run(var: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env: dict[str, str | None] = {
        "STEPDOWN_VAR_DIR": str(var),
        "STEPDOWN_DATABASE_URL": f"sqlite:///{var}/cli.db",
        "STEPDOWN_AUDIT_KEY": AUDIT_KEY,
    }
    return stepdown_bytes(env, *args, stdin=stdin)


def out(done: subprocess.CompletedProcess[bytes]) -> str:
    return done.stdout.decode()


def err(done: subprocess.CompletedProcess[bytes]) -> str:
    return done.stderr.decode()


def refused(done: subprocess.CompletedProcess[bytes], message: str) -> None:
    assert done.returncode == 2, err(done)
    assert err(done).startswith(f"error: {message}")
    assert len(err(done).splitlines()) == 1


def _users(var: Path) -> list[str]:
    with sqlite3.connect(var / "cli.db") as db:
        return sorted(row[0] for row in db.execute("SELECT username FROM user_account"))


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var = tmp_path_factory.mktemp("source")
    assert run(var, "db", "upgrade").returncode == 0
    made = run(
        var, "users", "create", "bk.admin", "--role", "admin", "--name", "B",
        "--password-stdin", stdin=b"a sufficiently long passphrase\n",
    )  # fmt: skip
    assert made.returncode == 0, err(made)
    assert run(var, "audit", "checkpoint").returncode == 0
    return var


def test_a_backup_restores_and_the_restore_is_checked(source: Path, tmp_path: Path) -> None:
    backup = tmp_path / "stepdown.backup"
    written = run(source, "backup", str(backup))
    assert written.returncode == 0, err(written)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    refused(run(source, "backup", str(backup)), f"{backup}: already exists")

    target = tmp_path / "target"
    restored = run(target, "restore", str(backup))
    assert restored.returncode == 0, err(restored)
    summary = out(restored)
    assert "schema: at the newest migration" in summary
    assert "integrity: ok" in summary
    assert "audit: ok:" in summary
    assert _users(target) == _users(source)

    refused(run(target, "restore", str(backup)), "the database already has tables")
    again = run(target, "restore", str(backup), "--force")
    assert again.returncode == 0, err(again)


def test_bad_input_is_refused_in_one_line(source: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a backup at all")
    refused(run(tmp_path, "restore", str(junk)), f"{junk}: not a Stepdown backup")
    refused(run(tmp_path, "restore", str(tmp_path / "missing")), f"{tmp_path / 'missing'}:")
    refused(run(source, "backup", str(tmp_path / "no" / "dir")), f"{tmp_path / 'no'}: no such")
    assert not (tmp_path / "cli.db").exists()  # the target was never touched


def test_a_backup_piped_into_a_restore(source: Path, tmp_path: Path) -> None:
    """How an encrypted backup travels: `stepdown backup - | age ...`, `age -d ... |
    stepdown restore -`; the plaintext never rests in a file we name."""
    piped = run(source, "backup", "-")
    assert piped.returncode == 0, err(piped)
    assert piped.stdout.startswith(b"SQLite format 3\x00")
    restored = run(tmp_path, "restore", "-", stdin=piped.stdout)
    assert restored.returncode == 0, err(restored)
    assert _users(tmp_path) == _users(source)
