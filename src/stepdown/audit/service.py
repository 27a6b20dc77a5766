"""Writing and verifying the audit trail.

Entries are written in the caller's transaction, so a change and its audit row commit or
roll back together. There is no update or delete path; the migration adds triggers that
refuse both at the database. Each entry's hash is an HMAC under the process's audit key
(``keys.active``), so someone who drops the triggers still cannot rewrite entries without
the key; checkpoints (``checkpoints``) pin the head against a rewrite with the key and
against truncation.
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import FromClause, Select, event, func, insert, inspect, select, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from stepdown.audit import checkpoints as checkpoint_file
from stepdown.audit import keys, repository
from stepdown.audit.checkpoints import Checkpoint, CheckpointError
from stepdown.audit.keys import Keyring
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.audit.rules import (
    GENESIS_HASH,
    canonical_bytes,
    chained_mac,
    entry_hash,
    entry_mac,
    same_digest,
)
from stepdown.audit.schemas import AuditFilter
from stepdown.kit import context
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Forbidden
from stepdown.kit.pg_arrays import text_array
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

# Any constant works: it names the one lock that serializes appends on PostgreSQL.
_CHAIN_LOCK_KEY = 0x5D0A_0D17


# The fields an entry's hash covers, beside ``key_id`` on keyed entries.
_HASHED = (
    "occurred_at",
    "actor_id",
    "actor_role",
    "actor_label",
    "action",
    "entity_type",
    "entity_id",
    "client_id",
    "ip",
    "request_id",
    "detail",
)


def _hashed(values: Mapping[str, Any]) -> dict[str, Any]:
    fields = {name: values[name] for name in _HASHED}
    fields["action"] = AuditAction(values["action"]).value
    if values.get("key_id") is not None:
        fields["key_id"] = values["key_id"]
    return fields


def hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    """What the hash covers. Unkeyed entries keep the original field set, so they verify
    by the rule they were written with."""
    return _hashed({name: getattr(entry, name) for name in (*_HASHED, "key_id")})


def _tail(session: Session) -> tuple[int, str]:
    """The newest entry's seq and hash (0 and the genesis hash for an empty chain)."""
    if session.get_bind().dialect.name == "postgresql":
        # Two transactions must not both chain onto the same tail.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (last.seq, last.hash) if last else (0, GENESIS_HASH)


def _entry(
    *,
    actor: Actor,
    action: AuditAction,
    entity_type: str,
    entity_id: object,
    client_id: uuid.UUID | None,
    detail: Mapping[str, Any] | None,
    occurred_at: datetime | None,
) -> dict[str, Any]:
    """An entry's row, before it is chained. A plain row, not an ``AuditEntry``: a list
    page stages one per client shown, and building and flushing ORM objects for them cost
    more than the page's own queries."""
    when = occurred_at or utc_now()
    if when.tzinfo is None:
        raise ValueError("an audit entry's time must carry its zone")
    return {
        # In UTC, as it reads back: the hash covers its ISO spelling, zone included.
        "occurred_at": when.astimezone(UTC),
        "actor_id": actor.user_id,
        "actor_role": actor.role.value,
        "actor_label": actor.username,
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id) if entity_id else "",
        "client_id": client_id,
        "ip": context.client_ip.get() or "",
        "request_id": context.request_id.get() or "",
        "detail": dict(detail or {}),
    }


_PENDING = "stepdown.audit.pending"
_AUDIT_TABLE = AuditEntry.metadata.tables[AuditEntry.__tablename__]

# A staged entry's row and the savepoint it was staged in (None: the transaction itself).
_Staged = tuple[SessionTransaction | None, dict[str, Any]]


def _append(session: Session, entries: list[dict[str, Any]]) -> None:
    """Stage entries; they join the chain when the transaction commits (``write_pending``).

    Chaining takes the chain's one lock (an advisory lock on PostgreSQL) until commit, so
    chaining at the first audited read made every request that read a chart queue behind
    every other for the rest of its work; staged, the lock is held only from the flush
    before COMMIT to the COMMIT itself, and a page's reads go in one INSERT.
    """
    if not session.in_transaction():
        session.begin()  # so a rollback before any query still drops what was staged
    savepoint = session.get_nested_transaction()
    staged: list[_Staged] = session.info.setdefault(_PENDING, [])
    staged.extend((savepoint, entry) for entry in entries)


def _chain(session: Session, rows: list[dict[str, Any]]) -> None:
    """Chain the rows onto the tail, read once, and insert them as one batch.

    Each entry gets the next ``seq`` here, under the chain's lock (the advisory lock on
    PostgreSQL, the write lock every SQLite write transaction holds from its BEGIN), so the
    order verify_chain reads by is the order the chain was built. The lock serializes every
    audited request of every worker from here to COMMIT, and under load its holder also
    waits for the GIL behind its own process's other requests, so all that does not need
    the tail happens first: each entry's canonical bytes, and on PostgreSQL its values
    encoded as array literals. Under the lock only the MACs are chained and one statement
    goes out. (A 300-client census held the lock 47 ms with the per-row executemany,
    chiefly the driver adapting values row by row, so more workers served no more of them.)
    With the keys given, the insert needs nothing back from the database; SQLite, whose
    writers queue on its one write lock anyway, gets one Core executemany.
    """
    key = keys.active().current
    payloads = []
    for row in rows:
        row["key_id"] = key.id
        payloads.append(canonical_bytes(_hashed(row)))
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    columns = _entry_arrays(rows) if postgresql else []
    seq, prev = _tail(session)
    for row, payload in zip(rows, payloads, strict=True):
        seq += 1
        row.update(seq=seq, prev_hash=prev)
        row["hash"] = prev = chained_mac(key.secret, prev, payload)
    if not postgresql:
        connection.execute(insert(_AUDIT_TABLE), rows)
        return
    chained = [
        "{" + ",".join(str(row[name]) for row in rows) + "}"  # integers and hex digests
        for name in ("seq", "prev_hash", "hash")
    ]
    connection.exec_driver_sql(_INSERT_FROM_ARRAYS, (*columns, *chained))


# One statement for a whole batch on PostgreSQL: a text array literal per column
# (kit.pg_arrays), cast to each column's type. The columns are _entry_arrays's, then the
# three the chain decides.
_INSERT_FROM_ARRAYS = """INSERT INTO audit_entry (occurred_at, actor_id, actor_role,
    actor_label, action, entity_type, entity_id, client_id, ip, request_id, detail, key_id,
    seq, prev_hash, hash)
SELECT occurred_at, actor_id, actor_role, actor_label, action, entity_type,
    entity_id, client_id, ip, request_id, detail::json, key_id, seq, prev_hash, hash
FROM unnest(%s::timestamptz[], %s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[],
    %s::text[], %s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[],
    %s::bigint[], %s::text[], %s::text[])
    AS batch(occurred_at, actor_id, actor_role, actor_label, action, entity_type,
    entity_id, client_id, ip, request_id, detail, key_id, seq, prev_hash, hash)
"""


def _entry_arrays(rows: list[dict[str, Any]]) -> list[str]:
    """The entries' own columns as array literals, in _INSERT_FROM_ARRAYS's order; values
    as the ORM would store them (UTC instants, enum values, JSON text)."""

    def column(convert: Callable[[Any], str | None], name: str) -> str:
        return text_array(convert(row[name]) for row in rows)

    def optional(value: object) -> str | None:
        return None if value is None else str(value)

    return [
        column(lambda v: v.astimezone(UTC).isoformat(), "occurred_at"),
        column(optional, "actor_id"),
        column(str, "actor_role"),
        column(str, "actor_label"),
        column(lambda v: AuditAction(v).value, "action"),
        column(str, "entity_type"),
        column(str, "entity_id"),
        column(optional, "client_id"),
        column(str, "ip"),
        column(str, "request_id"),
        column(_json_text, "detail"),
        column(str, "key_id"),
    ]


def _json_text(detail: object) -> str:
    """The detail as the JSON column's own bind step writes it (``json.dumps``)."""
    return json.dumps(detail)


def write_pending(session: Session) -> None:
    """Chain what this session staged. Runs before every commit and before any query of the
    audit trail (so a session reads its own entries).

    The session's own changes are flushed first: an entry never reaches the database
    before the row it names, and that flush need not wait under the chain's lock.
    """
    if not session.info.get(_PENDING):
        return
    session.flush()
    staged: list[_Staged] = session.info.pop(_PENDING, [])
    if staged:
        _chain(session, [entry for _, entry in staged])


def _within(savepoint: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    """A rollback undoes the changes staged entries describe, so the entries go too: all of
    them with the transaction, those staged inside a savepoint with that savepoint."""
    staged: list[_Staged] | None = session.info.get(_PENDING)
    if not staged:
        return
    if previous.nested:
        session.info[_PENDING] = [s for s in staged if not _within(s[0], previous)]
    elif previous.parent is None:
        del session.info[_PENDING]
    # A flush's own inner transaction: the savepoint or transaction around it rolls back next.


@event.listens_for(Session, "do_orm_execute")
def _before_audit_query(state: ORMExecuteState) -> None:
    """Chain what is staged before a SELECT that reads the audit trail, so a session reads
    its own entries; only while something is staged, and only a SELECT's own FROMs count
    (every query of the trail selects from it or from a join with it)."""
    statement = state.statement
    if (
        state.session.info.get(_PENDING)
        and isinstance(statement, Select)
        and _reads_audit_trail(statement)
    ):
        write_pending(state.session)


def _reads_audit_trail(statement: Select[Any]) -> bool:
    """Whether a SELECT reads the audit table: its columns, its ``select_from()`` FROMs or
    its ``join()`` targets (entities, tables, aliases or joins). ``get_final_froms`` gives
    the same answer but compiles the statement (0.15 to 0.5 ms), and a request paid that
    for every query after its first audited read: a tenth of an attendance write."""
    if any(f.is_derived_from(_AUDIT_TABLE) for f in statement.columns_clause_froms):
        return True
    # SQLAlchemy 2.0 keeps ``select_from()`` and ``join()`` targets here and has no public
    # accessor for them short of compiling.
    targets = [*statement._from_obj, *(join[0] for join in statement._setup_joins)]
    return any(_names_audit_table(target) for target in targets)


def _names_audit_table(target: object) -> bool:
    selectable = getattr(inspect(target, raiseerr=False), "selectable", None)
    return isinstance(selectable, FromClause) and selectable.is_derived_from(_AUDIT_TABLE)


def record(
    session: Session,
    *,
    actor: Actor,
    action: AuditAction,
    entity_type: str,
    entity_id: object = "",
    client_id: uuid.UUID | None = None,
    detail: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> None:
    """Append one entry (it joins the chain at commit). ``detail`` holds ids and field
    names, never free-text PHI."""
    entry = _entry(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        client_id=client_id,
        detail=detail,
        occurred_at=occurred_at,
    )
    _append(session, [entry])


def record_reads(
    session: Session, *, actor: Actor, entity_type: str, client_ids: list[uuid.UUID]
) -> None:
    """One read entry per client shown, so 'who saw this chart' has an exact answer."""
    _append(
        session,
        [
            _entry(
                actor=actor,
                action=AuditAction.READ,
                entity_type=entity_type,
                entity_id=client_id,
                client_id=client_id,
                detail=None,
                occurred_at=None,
            )
            for client_id in client_ids
        ],
    )


# What changes records; reads, exports, disclosures and sign-ins leave them as they were.
CHANGES = (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE, AuditAction.SIGN)


def last_change(session: Session) -> str:
    """The hash of the latest entry that recorded a change to any record ("" on a trail
    without one). Every change to PHI writes one, so a figure computed from the records
    stays true while this stays the same; the hash, unlike the sequence number, names one
    entry of one chain. Read from the end of the primary-key index, past the reads that
    follow the last change."""
    found = session.scalar(
        select(AuditEntry.hash)
        .where(AuditEntry.action.in_(CHANGES))
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    return found or ""


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    first_broken_seq: int | None = None
    problem: str = ""
    unkeyed: int = 0  # entries from before the chain was keyed, checked by the SHA-256 rule
    checkpoints: int = 0  # checkpoints whose entry is still there with the recorded hash

    @property
    def ok(self) -> bool:
        return not self.problem


def _entry_problem(
    entry: AuditEntry, prev: str, keyring: Keyring, *, keyed_seen: bool, unkeyed_limit: int | None
) -> str:
    """Why ``entry`` does not verify after ``prev``, or "" if it does."""
    if entry.prev_hash != prev:
        return "does not chain to the entry before it"
    if entry.key_id is None:
        # An unkeyed entry is only legitimate before the first keyed one: otherwise anyone
        # could rewrite keyed entries with the public SHA-256 rule and drop their key id.
        if keyed_seen:
            return "has no key id though the entries before it were keyed"
        if unkeyed_limit is not None and entry.seq > unkeyed_limit:
            return f"has no key id, yet a checkpoint says entries after {unkeyed_limit} are keyed"
        expected = entry_hash(prev, hashed_fields(entry))
    else:
        key = keyring.get(entry.key_id)
        if key is None:
            return f"was made with audit key {entry.key_id}, which is not in the keyring"
        expected = entry_mac(key.secret, prev, hashed_fields(entry))
    if not same_digest(expected, entry.hash):
        return "its content no longer matches its hash"
    return ""


def _missing(checkpoint: Checkpoint) -> str:
    return (
        f"is missing, though the checkpoint of {checkpoint.at:%Y-%m-%d %H:%M} UTC recorded it: "
        "entries were deleted or the newest cut off"
    )


def verify_chain(
    session: Session, *, keyring: Keyring | None = None, checkpoints: Sequence[Checkpoint] = ()
) -> VerifyResult:
    """Recompute every hash in order and hold the chain to ``checkpoints`` (those in force);
    name the first entry that does not match."""
    keyring = keyring or keys.active()
    pending = deque(sorted(checkpoints, key=lambda c: c.seq))
    unkeyed_limit = min((c.unkeyed_through for c in pending), default=None)
    prev, checked, unkeyed, held, keyed_seen = GENESIS_HASH, 0, 0, 0, False
    held_through = 0  # the newest entry a checkpoint vouched for so far

    def result(seq: int | None, problem: str) -> VerifyResult:
        return VerifyResult(checked, seq, problem, unkeyed, held)

    while pending and pending[0].seq <= 0:  # checkpoints of the empty chain
        if pending.popleft().hash != GENESIS_HASH:
            return result(None, "a checkpoint of the empty chain has a hash")
        held += 1
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    for entry in session.scalars(stmt):
        if pending and pending[0].seq < entry.seq:
            return result(pending[0].seq, _missing(pending[0]))
        problem = _entry_problem(
            entry, prev, keyring, keyed_seen=keyed_seen, unkeyed_limit=unkeyed_limit
        )
        if problem:
            return result(entry.seq, problem)
        while pending and pending[0].seq == entry.seq:
            checkpoint = pending.popleft()
            if checkpoint.hash != entry.hash:
                since = f" after entry {held_through} (checkpointed and intact)"
                return result(
                    entry.seq,
                    f"differs from the checkpoint of {checkpoint.at:%Y-%m-%d %H:%M} UTC: the "
                    f"chain was rewritten up to here{since if held_through else ''}",
                )
            held += 1
            held_through = entry.seq
        if entry.key_id is None:
            unkeyed += 1
        else:
            keyed_seen = True
        prev = entry.hash
        checked += 1
    if pending:
        return result(pending[0].seq, _missing(pending[0]))
    return result(None, "")


def verify(
    session: Session, *, checkpoint_path: Path, keyring: Keyring | None = None
) -> VerifyResult:
    """The chain, held to the checkpoints in ``checkpoint_path`` that are in force."""
    keyring = keyring or keys.active()
    try:
        found = checkpoint_file.read(checkpoint_path, keyring)
    except CheckpointError as exc:
        return VerifyResult(0, None, f"checkpoint file: {exc}")
    return verify_chain(session, keyring=keyring, checkpoints=checkpoint_file.in_force(found))


@dataclass(frozen=True)
class RestoreCheck:
    result: VerifyResult
    # Checkpoints naming entries beyond the restored head: history the restore discarded.
    discarded: list[Checkpoint]
    marker: Checkpoint | None  # the restore record appended for them, if the chain held


def verify_restored(
    session: Session, *, checkpoint_path: Path, keyring: Keyring | None = None
) -> RestoreCheck:
    """The chain of a database just restored from a backup, held to the checkpoints up to
    its head.

    Checkpoints beyond the head were taken after the backup, of entries the restore
    discarded (their seqs will be reused). If the chain holds, a ``restore`` record is
    appended so that ``verify`` from now on sets them aside; if it does not, nothing is
    written and the operator sees both.
    """
    keyring = keyring or keys.active()
    try:
        found = checkpoint_file.in_force(checkpoint_file.read(checkpoint_path, keyring))
    except CheckpointError as exc:
        return RestoreCheck(VerifyResult(0, None, f"checkpoint file: {exc}"), [], None)
    head = session.scalar(select(func.max(AuditEntry.seq))) or 0
    discarded = [c for c in found if c.seq > head]
    kept = [c for c in found if c.seq <= head]
    result = verify_chain(session, keyring=keyring, checkpoints=kept)
    marker = None
    if result.ok and discarded:
        marker = checkpoint_file.write(
            session, keyring=keyring, path=checkpoint_path, kind="restore"
        )
    return RestoreCheck(result, discarded, marker)


def search(session: Session, *, actor: Actor, criteria: AuditFilter) -> list[AuditEntry]:
    """Entries matching the filter. Reading the trail is itself recorded."""
    if actor.role not in (Role.ADMIN, Role.DIRECTOR, Role.SYSTEM):
        raise Forbidden("only administrators and directors may read the audit trail")
    entries = list(session.scalars(repository.filtered(criteria)))
    record(
        session,
        actor=actor,
        action=AuditAction.READ,
        entity_type="audit_log",
        client_id=criteria.client_id,
        detail=criteria.model_dump(mode="json", exclude_defaults=True),
    )
    return entries
