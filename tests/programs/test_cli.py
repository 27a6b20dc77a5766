"""CSV imports (all or nothing) and the week export, solved by the scheduler's own CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from stepdown.scheduling.exchange import load_instance
from tests.command_line import stepdown

STEPDOWN = [sys.executable, "-m", "stepdown"]


def run(env_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env: dict[str, str | None] = {
        "STEPDOWN_VAR_DIR": str(env_dir),
        "STEPDOWN_DATABASE_URL": f"sqlite:///{env_dir}/cli.db",
        "STEPDOWN_SECRET_KEY": "cli-test-secret-key-not-for-production-use",
    }
    return stepdown(env, *args)


@pytest.fixture(scope="module")
def var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("programs-cli")
    assert run(path, "db", "upgrade").returncode == 0
    assert run(path, "demo", "seed", "--no-history").returncode == 0
    return path


def _monday() -> str:
    now = date.today()  # noqa: DTZ011 - the demo's dates are relative to the local day
    return (now - timedelta(days=now.weekday())).isoformat()


def test_a_bad_row_imports_nothing(var: Path) -> None:
    csv = var / "sessions.csv"
    csv.write_text(
        "site,code,day,start,end,topic,levels,audience,gender,min_size,max_size,telehealth\n"
        "S1,X1,fri,18:00,19:30,RP,OP,adult,any,3,10,no\n"
        "S1,X2,fri,19:45,21:15,YOGA,OP,adult,any,3,10,no\n"
    )
    out = run(var, "programs", "import-sessions", str(csv))
    assert out.returncode == 2
    assert out.stderr.strip() == "error: line 3: topic: unknown topic 'YOGA' " + (
        "(one of CBT, DBT, RP, MI, TRAUMA, FAMILY_ED, LIFE_SKILLS, PROCESS, MAT_ED)"
    )
    week = var / "week.json"
    assert run(var, "programs", "export-week", "--week", _monday(), "-o", str(week)).returncode == 0
    assert "S1-X1" not in {s.id for s in load_instance(week).sessions}


def test_imports_then_export_then_solve(var: Path) -> None:
    staff = var / "staff.csv"
    staff.write_text(
        "username,site,topics,availability,max_hours\n"
        'clinician,S1,"CBT RP MI",mon 08:00-16:30; tue 08:00-16:30,38\n'
    )
    assert run(var, "programs", "import-staff", str(staff)).returncode == 0
    clients = var / "availability.csv"
    clients.write_text(
        "record_number,availability,therapist,individual_sessions,family_sessions\n"
        "DEMO-0001,mon 08:30-16:30; tue 08:30-16:30; wed 08:30-16:30,,1,0\n"
    )
    out = run(var, "programs", "import-availability", str(clients))
    assert out.returncode == 0, out.stderr
    week, solution = var / "week.json", var / "solution.json"
    exported = run(var, "programs", "export-week", "--week", _monday(), "-o", str(week))
    assert exported.returncode == 0, exported.stderr
    instance = load_instance(week)
    assert next(s for s in instance.staff if s.id == "clinician").max_hours == 38
    solved = run(var, "schedule", "solve", str(week), "-o", str(solution), "--time-limit", "5")
    assert solved.returncode == 0, solved.stderr
    checked = run(var, "schedule", "check", str(week), str(solution))
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("command", "content", "line"),
    [
        (
            "import-staff",
            b"username,site,topics,availability,max_hours\n"
            b"clinician,S1,CBT,mon 08:00-16:30,38\n"
            b"jos\xe9,S1,CBT,mon 08:00-16:30,38\n",  # Latin-1, as a spreadsheet may save it
            3,
        ),
        (
            "import-sessions",
            b"site,code,day,start,end,topic,levels,audience,gender,min_size,max_size,"
            b"telehealth\xff\r\n",
            1,
        ),
        (
            "import-availability",
            b"\xff\xferecord_number,availability,therapist,individual_sessions,family_sessions\n",
            1,  # UTF-16, as some editors save "Unicode text"
        ),
    ],
)
def test_a_file_that_is_not_utf8_is_refused_in_one_line(
    var: Path, command: str, content: bytes, line: int
) -> None:
    path = var / f"{command}.csv"
    path.write_bytes(content)
    out = run(var, "programs", command, str(path))
    assert out.returncode == 2
    assert out.stderr == (
        f"error: {path}: line {line}: not UTF-8 text (save the file as CSV UTF-8)\n"
    )


def test_a_malformed_csv_is_refused_in_one_line(var: Path) -> None:
    path = var / "huge-field.csv"
    path.write_text(
        "username,site,topics,availability,max_hours\n"
        f'clinician,S1,"{"CBT " * 40_000}",mon 08:00-16:30,38\n',
        encoding="utf-8",
    )
    out = run(var, "programs", "import-staff", str(path))
    assert out.returncode == 2
    assert out.stderr == f"error: {path}: line 2: field larger than field limit (131072)\n"
