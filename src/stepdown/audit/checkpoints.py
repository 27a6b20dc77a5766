"""Signed checkpoints of the audit chain's head, in an append-only file outside the database.

A keyed chain stops someone who can write the database but lacks the key. It cannot stop
someone who has the key from rewriting the whole chain, nor anyone from cutting off its
newest entries: the chain that is left is consistent. A checkpoint records, at a moment,
the newest entry's seq and hash (and where the keyed chain began), signed with the audit
key; ``service.verify_chain`` then checks that each checkpointed entry still exists with
that hash. Written daily by the ``audit.checkpoint`` job and by ``stepdown audit
checkpoint``; one JSON object a line.

A restore puts an older database back, so checkpoints taken after the backup name entries
the restore discarded (and their seqs are reused). ``stepdown restore`` then appends a
``restore`` record, signed like a checkpoint: the checkpoints before it that lie beyond the
restored head no longer apply (``in_force``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import rules
from stepdown.audit.keys import Keyring
from stepdown.audit.models import AuditEntry
from stepdown.kit.clock import utc_now

Kind = Literal["checkpoint", "restore"]
KINDS: tuple[Kind, ...] = ("checkpoint", "restore")


class CheckpointError(Exception):
    """The checkpoint file cannot be read, or one of its lines is not a valid checkpoint."""


@dataclass(frozen=True)
class Checkpoint:
    kind: Kind
    seq: int  # the newest entry then; 0 for an empty chain
    hash: str
    # Every entry after this seq was written with a key: without it, someone without the
    # key could turn keyed entries back into unkeyed ones and recompute them.
    unkeyed_through: int
    at: datetime
    key_id: str
    mac: str

    def signed_fields(self) -> dict[str, Any]:
        fields = asdict(self)
        del fields["mac"]
        return fields

    def line(self) -> str:
        return json.dumps(
            {
                **self.signed_fields(),
                "at": self.at.isoformat(timespec="microseconds"),
                "mac": self.mac,
            },
            sort_keys=True,
        )


def make(session: Session, *, keyring: Keyring, kind: Kind = "checkpoint") -> Checkpoint:
    """A signed checkpoint of the chain's newest committed entry."""
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, head = (last.seq, last.hash) if last else (0, rules.GENESIS_HASH)
    # Cheap: the primary key is walked from the start only across the unkeyed entries.
    first_keyed = session.scalar(
        select(AuditEntry.seq)
        .where(AuditEntry.key_id.is_not(None))
        .order_by(AuditEntry.seq)
        .limit(1)
    )
    unsigned = Checkpoint(
        kind=kind,
        seq=seq,
        hash=head,
        unkeyed_through=seq if first_keyed is None else first_keyed - 1,
        at=utc_now(),
        key_id=keyring.current.id,
        mac="",
    )
    return replace(unsigned, mac=rules.record_mac(keyring.current.secret, unsigned.signed_fields()))


def append(path: Path, checkpoint: Checkpoint) -> None:
    """Append one line (0600) and sync it to disk before returning.

    One ``write`` with O_APPEND, so two writers never interleave a line. If a crash cut
    the last line short, the new one starts on a line of its own and stays readable.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
        os.write(fd, ("\n" if torn else "").encode() + checkpoint.line().encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:  # the new directory entry must survive a crash too
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def write(
    session: Session, *, keyring: Keyring, path: Path, kind: Kind = "checkpoint"
) -> Checkpoint:
    checkpoint = make(session, keyring=keyring, kind=kind)
    append(path, checkpoint)
    return checkpoint


def _parse(line: str, keyring: Keyring) -> Checkpoint:
    try:
        data = json.loads(line)
        checkpoint = Checkpoint(
            kind=data["kind"],
            seq=data["seq"],
            hash=data["hash"],
            unkeyed_through=data["unkeyed_through"],
            at=datetime.fromisoformat(data["at"]),
            key_id=data["key_id"],
            mac=data["mac"],
        )
    except (ValueError, KeyError, TypeError):
        raise CheckpointError("not a checkpoint") from None
    if (
        checkpoint.kind not in KINDS
        or not isinstance(checkpoint.seq, int)
        or not isinstance(checkpoint.unkeyed_through, int)
        or not all(isinstance(v, str) for v in (checkpoint.hash, checkpoint.key_id, checkpoint.mac))
    ):
        raise CheckpointError("not a checkpoint")
    key = keyring.get(checkpoint.key_id)
    if key is None:
        raise CheckpointError(f"signed with audit key {checkpoint.key_id}, not in the keyring")
    expected = rules.record_mac(key.secret, checkpoint.signed_fields())
    if not rules.same_digest(expected, checkpoint.mac):
        raise CheckpointError("its signature does not match: the line was edited")
    return checkpoint


def read(path: Path, keyring: Keyring) -> list[Checkpoint]:
    """Every checkpoint in the file, in the order written; none if there is no file yet.

    Any line that is not a checkpoint signed with a known key is an error: the file is
    evidence, and a line we skipped could be one someone altered.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise CheckpointError(f"{path}: {reason or 'cannot be read'}") from None
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            found.append(_parse(line, keyring))
        except CheckpointError as exc:
            raise CheckpointError(f"{path} line {number}: {exc}") from None
    return found


def in_force(checkpoints: Sequence[Checkpoint]) -> list[Checkpoint]:
    """The checkpoints that describe this database: a restore record drops the earlier
    checkpoints beyond the restored head (history the restore discarded)."""
    kept: list[Checkpoint] = []
    for checkpoint in checkpoints:
        if checkpoint.kind == "restore":
            kept = [k for k in kept if k.seq <= checkpoint.seq]
        kept.append(checkpoint)
    return kept
