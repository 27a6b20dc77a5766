"""The command line as an operator uses it, on a real SQLite file (`tests.command_line`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.command_line import stepdown

STEPDOWN = [sys.executable, "-m", "stepdown"]


def run(env_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env: dict[str, str | None] = {
        "STEPDOWN_VAR_DIR": str(env_dir),
        "STEPDOWN_DATABASE_URL": f"sqlite:///{env_dir}/cli.db",
    }
    return stepdown(env, *args, stdin=stdin)


@pytest.fixture(scope="module")
def var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli")
    assert run(path, "db", "upgrade").returncode == 0
    return path


def test_db_current_reports_up_to_date(var: Path) -> None:
    out = run(var, "db", "current")
    assert out.returncode == 0
    assert "up to date" in out.stdout


def test_users_lifecycle(var: Path) -> None:
    created = run(
        var,
        "users",
        "create",
        "cli.admin",
        "--role",
        "admin",
        "--name",
        "CLI Admin",
        "--password-stdin",
        stdin="a sufficiently long passphrase\n",
    )
    assert created.returncode == 0, created.stderr
    assert "created cli.admin (admin)" in created.stdout
    listed = run(var, "users", "list")
    assert "cli.admin" in listed.stdout
    reset = run(
        var,
        "users",
        "reset-password",
        "cli.admin",
        "--password-stdin",
        stdin="another long passphrase\n",
    )
    assert reset.returncode == 0, reset.stderr
    assert run(var, "users", "disable", "cli.admin").returncode == 0


def test_token_create_and_revoke(var: Path) -> None:
    run(
        var,
        "users",
        "create",
        "cli.tok",
        "--role",
        "director",
        "--name",
        "T",
        "--password-stdin",
        stdin="a sufficiently long passphrase\n",
    )
    created = run(var, "tokens", "create", "cli.tok", "--name", "reports")
    assert created.returncode == 0, created.stderr
    token_id = created.stdout.split("id=")[1].split()[0]
    assert created.stdout.strip().splitlines()[-1].startswith("sdt_")
    assert run(var, "tokens", "revoke", token_id).returncode == 0
    assert "revoked" in run(var, "tokens", "list").stdout


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("users", "create", "x1", "--role", "boss", "--name", "X"), "", "role:"),
        (
            ("users", "create", "ok.name", "--role", "admin", "--name", "X", "--password-stdin"),
            "short\n",
            "password:",
        ),
        (("users", "disable", "nobody-here"), "", "username:"),
        (("tokens", "revoke", "not-an-id"), "", "token_id:"),
        (("no-such-command",), "", "No such command"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    var: Path, args: tuple[str, ...], stdin: str, message: str
) -> None:
    out = run(var, *args, stdin=stdin)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error:")
    assert message in lines[0]
    assert "Traceback" not in out.stderr


def test_config_show_masks_the_secret(var: Path) -> None:
    out = run(var, "config", "show")
    key = (var / "secret_key").read_text().strip() if (var / "secret_key").exists() else None
    assert out.returncode == 0
    assert "********" in out.stdout
    if key:
        assert key not in out.stdout


def test_audit_verify_passes_then_fails_after_tampering(tmp_path: Path) -> None:
    """On its own database, so the entries it tampers with exist whatever ran before it."""
    import sqlite3

    assert run(tmp_path, "db", "upgrade").returncode == 0
    for name in ("audit.one", "audit.two"):
        made = run(
            tmp_path,
            *("users", "create", name, "--role", "admin", "--name", "X", "--password-stdin"),
            stdin="correct horse battery staple\n",
        )
        assert made.returncode == 0, made.stderr
    ok = run(tmp_path, "audit", "verify")
    assert ok.returncode == 0
    assert "chain intact" in ok.stdout
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute("DROP TRIGGER audit_entry_no_update")
        db.execute("UPDATE audit_entry SET entity_type = 'tampered' WHERE seq = 2")
    broken = run(tmp_path, "audit", "verify")
    assert broken.returncode == 1
    assert "BROKEN at entry 2" in broken.stderr


def test_help_lists_the_command_groups() -> None:
    out = subprocess.run([*STEPDOWN, "--help"], capture_output=True, text=True, timeout=60)
    for group in ("config", "db", "users", "tokens", "audit", "demo", "serve"):
        assert group in out.stdout


def test_clients_and_census_commands(var: Path) -> None:
    seeded = run(var, "demo", "seed", "--no-history")
    assert seeded.returncode == 0, seeded.stderr
    # No mail server: the demo's reminders due today are written to var/outbox.
    assert f"go to the outbox {var / 'outbox'}" in seeded.stdout
    assert list((var / "outbox").glob("*.eml"))
    listed = run(var, "clients", "list", "--site", "S1", "--limit", "5")
    assert listed.returncode == 0
    assert "DEMO-0001" in listed.stdout
    shown = run(var, "clients", "show", "DEMO-0007")
    assert shown.returncode == 0
    assert "refer_out" in shown.stdout
    census = run(var, "census", "--site", "S2")
    assert census.returncode == 0
    assert "IOP:" in census.stdout
    missing = run(var, "clients", "show", "DEMO-9999")
    assert missing.returncode == 2
    assert missing.stderr.strip() == "error: record: no client with record number 'DEMO-9999'"
