"""`stepdown init` as an operator runs it on a fresh SQLite file (`tests.command_line`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from stepdown.security import passwords
from stepdown.security.models import User
from tests.command_line import stepdown

STEPDOWN = [sys.executable, "-m", "stepdown"]
ARGS = ("--program-name", "Harbor Street Recovery", "--time-zone", "America/Chicago")


def run(var: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env: dict[str, str | None] = {
        "STEPDOWN_VAR_DIR": str(var),
        "STEPDOWN_DATABASE_URL": f"sqlite:///{var}/init.db",
    }
    return stepdown(env, *args, stdin=stdin)


def test_init_migrates_records_the_program_and_prints_a_working_sign_in(tmp_path: Path) -> None:
    made = run(tmp_path, "init", *ARGS, "--admin-username", "ada")
    assert made.returncode == 0, made.stderr
    assert "Program 'Harbor Street Recovery' created; its clock is America/Chicago." in made.stdout
    password = re.search(r"Password \(shown once\): (\S+)", made.stdout)
    assert password is not None
    assert "as ada" in made.stdout
    engine = create_engine(f"sqlite:///{tmp_path}/init.db")
    with Session(engine) as session:
        admin = session.scalar(select(User).where(User.username == "ada"))
        assert admin is not None
        assert passwords.verify_password(admin.password_hash, password.group(1))
    engine.dispose()
    census = run(tmp_path, "census")  # the database is migrated and usable
    assert census.returncode == 0, census.stderr
    jobs = run(tmp_path, "worker", "status")  # the jobs keep the program's clock
    assert jobs.returncode == 0, jobs.stderr
    assert "periodic jobs, next due (America/Chicago):" in jobs.stdout


def test_a_second_init_is_refused_before_asking_anything(tmp_path: Path) -> None:
    assert run(tmp_path, "init", *ARGS, "--admin-username", "ada").returncode == 0
    again = run(tmp_path, "init")
    assert again.returncode == 2
    assert again.stderr == "error: this database already holds a program\n"


def test_a_script_that_leaves_an_option_out_gets_one_line(tmp_path: Path) -> None:
    missing = run(tmp_path, "init", *ARGS)
    assert missing.returncode == 2
    assert missing.stderr == (
        "error: --admin-username: required (or run in a terminal to be asked)\n"
    )


def test_a_bad_time_zone_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    bad = run(
        tmp_path,
        "init",
        "--program-name",
        "Harbor",
        "--time-zone",
        "Central",
        "--admin-username",
        "ada",
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: time_zone: 'Central' is not a time zone name")
    assert len(bad.stderr.splitlines()) == 1
    good = run(tmp_path, "init", *ARGS, "--admin-username", "ada")
    assert good.returncode == 0, good.stderr


def test_a_given_password_is_used_and_not_printed(tmp_path: Path) -> None:
    made = run(
        tmp_path,
        "init",
        *ARGS,
        "--admin-username",
        "ada",
        "--password-stdin",
        stdin="a sufficiently long passphrase\n",
    )
    assert made.returncode == 0, made.stderr
    assert "passphrase" not in made.stdout
    assert "Password" not in made.stdout
