"""`stepdown audit` on a real SQLite file: verify, checkpoint, rotate-key, and what an edit
or a cut-off tail looks like to the operator."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from stepdown.audit.rules import entry_hash
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from tests.audit.forgery import disable_append_only, rewrite_from, tamper
from tests.command_line import stepdown

STEPDOWN = [sys.executable, "-m", "stepdown"]
PASSPHRASE = "a sufficiently long passphrase\n"


def run(var: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env: dict[str, str | None] = {
        "STEPDOWN_VAR_DIR": str(var),
        "STEPDOWN_DATABASE_URL": f"sqlite:///{var}/cli.db",
        "STEPDOWN_AUDIT_KEY": None,
    }
    return stepdown(env, *args, stdin=stdin)


def make_var(tmp_path: Path, *usernames: str) -> Path:
    """A migrated database with a few audited changes (one user created per name)."""
    assert run(tmp_path, "db", "upgrade").returncode == 0
    for name in usernames:
        made = run(
            tmp_path, "users", "create", name, "--role", "admin", "--name", "A",
            "--password-stdin", stdin=PASSPHRASE,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
    return tmp_path


def test_checkpoint_rotate_and_an_edit_rehashed_by_the_public_rule(tmp_path: Path) -> None:
    var = make_var(tmp_path, "cli.one")
    first = run(var, "audit", "verify")
    assert first.returncode == 0
    assert "chain intact" in first.stdout
    assert "warning: no checkpoint" in first.stderr

    made = run(var, "audit", "checkpoint")
    assert made.returncode == 0, made.stderr
    assert "checkpoint of entry" in made.stdout
    assert stat.S_IMODE((var / "audit_checkpoints").stat().st_mode) == 0o600
    assert stat.S_IMODE((var / "audit_key").stat().st_mode) == 0o600

    rotated = run(var, "audit", "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    assert "new entries use audit key" in rotated.stdout
    make_var(var, "cli.two")
    with sqlite3.connect(var / "cli.db") as db:
        key_ids = {row[0] for row in db.execute("SELECT DISTINCT key_id FROM audit_entry")}
    assert len(key_ids) == 2
    ok = run(var, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "1 checkpoint(s) hold" in ok.stdout
    assert ok.stderr == ""

    engine = make_engine(f"sqlite:///{var}/cli.db")
    with session_scope(make_sessionmaker(engine)) as session:
        disable_append_only(session.connection())
        tamper(session, 2)
        rewrite_from(session, 2, entry_hash)
    engine.dispose()
    broken = run(var, "audit", "verify")
    assert broken.returncode == 1
    assert "BROKEN at entry 2: its content no longer matches its hash" in broken.stderr


def test_a_cut_off_tail_is_named_and_a_bad_key_file_is_one_line(tmp_path: Path) -> None:
    var = make_var(tmp_path, "cli.three")
    assert run(var, "audit", "checkpoint").returncode == 0
    with sqlite3.connect(var / "cli.db") as db:
        (newest,) = db.execute("SELECT max(seq) FROM audit_entry").fetchone()
        db.execute("DROP TRIGGER audit_entry_no_delete")
        db.execute("DELETE FROM audit_entry WHERE seq = ?", (newest,))
    cut = run(var, "audit", "verify")
    assert cut.returncode == 1
    assert f"BROKEN at entry {newest}: is missing" in cut.stderr

    (var / "audit_key").write_text("")
    unreadable = run(var, "audit", "verify")
    assert unreadable.returncode == 2
    assert unreadable.stderr.startswith("error: audit key:")
    assert len(unreadable.stderr.splitlines()) == 1
