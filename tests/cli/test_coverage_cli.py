"""`stepdown coverage read-271 FILE`: the snapshot as sorted JSON on stdout, and one line
with exit status 2 for a file that cannot be read as a 271."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from stepdown.coverage import service as coverage_service
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.programs import service as programs_service
from tests.command_line import stepdown
from tests.coverage.factories import make_coverage, make_payer
from tests.factories import SYSTEM, make_client, make_site

GOLDEN = Path(__file__).parents[1] / "coverage" / "golden"


def read_271(tmp_path: Path, path: Path) -> subprocess.CompletedProcess[str]:
    env: dict[str, str | None] = {
        "STEPDOWN_VAR_DIR": str(tmp_path),
        "STEPDOWN_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
    }
    return stepdown(env, "coverage", "read-271", str(path))


def test_the_snapshot_is_printed_as_sorted_indented_json(tmp_path: Path) -> None:
    case = GOLDEN / "271_carve_out_behavioral.x12"
    done = read_271(tmp_path, case)
    assert done.returncode == 0, done.stderr
    assert done.stdout == case.with_suffix(".json").read_text()
    assert json.loads(done.stdout)["services"]["MH"]["carve_outs"][0]["phone"] == "8005550142"


def test_a_rejected_inquiry_is_still_printed(tmp_path: Path) -> None:
    done = read_271(tmp_path, GOLDEN / "271_aaa_75_subscriber_not_found.x12")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rejections"][0]["code"] == "75"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "No such file or directory"),
        (b"ISA*\xff\xfe not text", "not UTF-8 text"),
        (b"hello", "not a valid 271: not an X12 interchange"),
        (
            (GOLDEN / "271_inactive.x12").read_bytes().replace(b"ST*271", b"ST*270"),
            "not a valid 271: transaction set 270 is not a 271",
        ),
    ],
    ids=["missing", "not-utf8", "not-x12", "a-270"],
)
def test_a_file_that_is_not_a_271_is_one_line_and_exit_2(
    tmp_path: Path, content: bytes | None, says: str
) -> None:
    path = tmp_path / "response.x12"
    if content is not None:
        path.write_bytes(content)
    done = read_271(tmp_path, path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"error: {path}: ")
    assert says in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_check_asks_each_payer_and_prints_the_benefits(tmp_path: Path) -> None:
    """`stepdown coverage check RECORD` through the simulator: the primary answers with
    benefits, the secondary's payer cannot find the member (a rejection, not inactive)."""
    env: dict[str, str | None] = {
        "STEPDOWN_VAR_DIR": str(tmp_path),
        "STEPDOWN_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
    }
    assert stepdown(env, "db", "upgrade").returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path}/cli.db")
    with session_scope(make_sessionmaker(engine)) as session:
        programs_service.create_program(session, actor=SYSTEM, name="Harbor", time_zone="UTC")
        programs_service.update_program(
            session, actor=SYSTEM, name="Harbor", phone="", address="", npi="1234567893"
        )
        person = make_client(session, site=make_site(session))
        record = person.record_number
        owner = coverage_service.Owner(client_id=person.id)
        make_coverage(session, owner, make_payer(session, payer_code="P1"), member_id="AUTH1")
        make_coverage(
            session, owner, make_payer(session, payer_code="P2"), member_id="A75X", rank=2
        )
    engine.dispose()
    done = stepdown(env, "coverage", "check", record.lower(), "--service-types", "30,AI,BB")
    assert done.returncode == 0, done.stderr
    assert "Primary" in done.stdout
    assert "Active" in done.stdout
    assert "required" in done.stdout  # authorization, for AI and BB
    assert "Rejected by the payer" in done.stdout
    missing = stepdown(env, "coverage", "check", "T-404")
    assert missing.returncode == 2
    assert missing.stderr.strip() == "error: record: no client with record number 'T-404'"
