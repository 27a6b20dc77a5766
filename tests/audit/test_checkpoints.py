"""Checkpoints pin the chain's head outside the database: a cut-off tail, a rewrite by
someone holding the key, and keyed entries turned back into unkeyed ones are caught."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from stepdown.audit import checkpoints, service
from stepdown.audit.checkpoints import Checkpoint, CheckpointError
from stepdown.audit.keys import Keyring
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.audit.rules import entry_hash, entry_mac
from stepdown.jobs.registry import default_registry
from stepdown.kit.clock import today
from stepdown.settings import Settings
from tests.audit.conftest import new_key
from tests.audit.forgery import disable_append_only, rewrite_from, tamper
from tests.factories import SYSTEM


def _write(session: Session, count: int) -> list[int]:
    """``count`` new entries, chained at once; their seqs (the rows may be deleted under the
    objects)."""
    for i in range(count):
        service.record(
            session, actor=SYSTEM, action=AuditAction.READ, entity_type="client", detail={"i": i}
        )
    service.write_pending(session)
    newest = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(count))
    return sorted(newest)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "checkpoints"


def _delete_from(session: Session, seq: int) -> None:
    session.connection().execute(text("DELETE FROM audit_entry WHERE seq >= :seq"), {"seq": seq})
    session.expire_all()


def test_a_cut_off_tail_is_caught(session: Session, keyring: Keyring, path: Path) -> None:
    entries = _write(session, 5)
    checkpoints.write(session, keyring=keyring, path=path)
    disable_append_only(session.connection())
    _delete_from(session, entries[3])
    assert service.verify_chain(session).ok  # what is left is a consistent chain
    result = service.verify(session, checkpoint_path=path)
    assert result.first_broken_seq == entries[4]
    assert "is missing" in result.problem


def test_a_rewrite_with_the_key_is_caught(session: Session, keyring: Keyring, path: Path) -> None:
    entries = _write(session, 3)
    held = checkpoints.write(session, keyring=keyring, path=path)
    more = _write(session, 3)
    checkpoints.write(session, keyring=keyring, path=path)
    disable_append_only(session.connection())
    tamper(session, more[0])
    rewrite_from(
        session, more[0], lambda prev, fields: entry_mac(keyring.current.secret, prev, fields)
    )
    assert service.verify_chain(session).ok  # with the key, the chain alone looks intact
    result = service.verify(session, checkpoint_path=path)
    assert result.first_broken_seq == more[-1]
    assert "differs from the checkpoint" in result.problem
    assert f"after entry {held.seq}" in result.problem
    assert held.seq == entries[-1]


def test_keyed_entries_turned_back_into_unkeyed_ones_are_caught(
    session: Session, keyring: Keyring, path: Path
) -> None:
    """Rewriting the whole keyed chain with the public rule leaves no keyed entry to
    contradict it; the checkpoint remembers where the keyed chain began."""
    entries = _write(session, 3)
    checkpoints.write(session, keyring=keyring, path=path)
    disable_append_only(session.connection())
    rewrite_from(session, entries[0], entry_hash, key_id=None)
    assert service.verify_chain(session).ok  # without a checkpoint, nothing tells
    result = service.verify(session, checkpoint_path=path)
    assert result.first_broken_seq == entries[0]
    assert "a checkpoint says entries after" in result.problem


def test_checkpoints_hold_on_an_intact_chain_and_count(
    session: Session, keyring: Keyring, path: Path
) -> None:
    checkpoints.write(session, keyring=keyring, path=path)  # the empty chain
    _write(session, 2)
    checkpoints.write(session, keyring=keyring, path=path)
    _write(session, 2)
    result = service.verify(session, checkpoint_path=path)
    assert result.ok, result.problem
    assert (result.checked, result.checkpoints, result.unkeyed) == (4, 2, 0)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda line: {**line, "seq": line["seq"] + 1000}, "signature does not match"),
        (lambda line: {**line, "key_id": new_key().id}, "not in the keyring"),
        (lambda line: {"seq": 1}, "not a checkpoint"),
    ],
)
def test_an_edited_checkpoint_line_is_refused(
    session: Session, keyring: Keyring, path: Path, edit: object, message: str
) -> None:
    _write(session, 1)
    checkpoints.write(session, keyring=keyring, path=path)
    path.write_text(json.dumps(edit(_lines(path)[0])) + "\n")  # type: ignore[operator]
    with pytest.raises(CheckpointError, match=message):
        checkpoints.read(path, keyring)
    result = service.verify(session, checkpoint_path=path)
    assert not result.ok
    assert result.problem.startswith("checkpoint file:")
    assert "line 1" in result.problem


def test_a_line_cut_short_by_a_crash_does_not_swallow_the_next(
    session: Session, keyring: Keyring, path: Path
) -> None:
    path.write_text('{"kind": "checkpoint", "se')
    made = checkpoints.write(session, keyring=keyring, path=path)
    assert path.read_text().splitlines()[-1] == made.line()


def _checkpoint(kind: str, seq: int) -> Checkpoint:
    return Checkpoint(kind, seq, f"{seq:064x}", 0, datetime.now(UTC), "k", "m")  # type: ignore[arg-type]


def test_a_restore_record_sets_aside_the_checkpoints_beyond_it() -> None:
    written = [
        _checkpoint("checkpoint", 10),
        _checkpoint("checkpoint", 20),
        _checkpoint("restore", 15),
        _checkpoint("checkpoint", 30),
    ]
    assert [(c.kind, c.seq) for c in checkpoints.in_force(written)] == [
        ("checkpoint", 10),
        ("restore", 15),
        ("checkpoint", 30),
    ]


def test_after_a_restore_the_discarded_history_is_recorded_once_the_chain_holds(
    session: Session, keyring: Keyring, path: Path
) -> None:
    entries = _write(session, 4)
    checkpoints.write(session, keyring=keyring, path=path)  # of entry 4
    disable_append_only(session.connection())
    _delete_from(session, entries[2])  # as a restore of an older backup leaves it
    checked = service.verify_restored(session, checkpoint_path=path)
    assert checked.result.ok, checked.result.problem
    assert [c.seq for c in checked.discarded] == [entries[3]]
    assert checked.marker is not None
    assert (checked.marker.kind, checked.marker.seq) == ("restore", entries[1])
    _write(session, 3)  # new history, on seqs the discarded entries had
    assert service.verify(session, checkpoint_path=path).ok


def test_a_restore_whose_chain_is_broken_records_nothing(
    session: Session, keyring: Keyring, path: Path
) -> None:
    entries = _write(session, 4)
    checkpoints.write(session, keyring=keyring, path=path)
    disable_append_only(session.connection())
    _delete_from(session, entries[3])
    tamper(session, entries[1])
    checked = service.verify_restored(session, checkpoint_path=path)
    assert checked.result.first_broken_seq == entries[1]
    assert checked.marker is None
    assert len(_lines(path)) == 1


def test_the_daily_job_writes_a_checkpoint(session: Session, settings: Settings) -> None:
    entries = _write(session, 2)
    head = session.get_one(AuditEntry, entries[-1])
    job = default_registry().get("audit.checkpoint")
    assert job is not None
    assert job.periodic
    job.fn(session, actor=SYSTEM, settings=settings, day=today())
    [line] = _lines(settings.effective_audit_checkpoint_file)
    assert (line["kind"], line["seq"], line["hash"]) == ("checkpoint", head.seq, head.hash)
