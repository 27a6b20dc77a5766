"""Merging two records of one person, and undoing the merge within 30 days.

A merge re-points every row that belongs to the duplicate (``source``) at the surviving
record (``target``): episodes, attendance, results, plans, alerts, everything with a
foreign key to ``client``. It finds those tables from the schema itself, so a table a
later issue adds is carried along without anyone remembering to list it here. The audit
trail is not rewritten (its entries are chained and signed): entries made under the
source's id stay under it, and the merge record links the two ids for anyone reading the
trail.

Rows that cannot both belong to one person (two open episodes, two schedule profiles, a
keep-apart between the two records) are clashes: the merge is refused and says which, so
a person resolves them first. The one exception is the care team: the surviving record's
team stands, and the duplicate's members for the same roles are kept in the merge record
so an undo restores them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Exists,
    Table,
    UniqueConstraint,
    and_,
    exists,
    func,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import access, rules
from stepdown.clients.models import CareTeamMember, CareTeamRole, Client, ClientMerge
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.kit.orm import Base
from stepdown.security.actor import Actor

# Fields the surviving record takes from the duplicate where its own are empty: contact
# details a second registration may have caught. Names and birth date are identity and
# stay as the survivor has them.
FILLABLE = (
    "preferred_name",
    "pronouns",
    "gender_identity",
    "sex_assigned_at_birth",
    "phone",
    "email",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
    "referral_source",
    "safe_contact_instructions",
    "primary_clinician_id",
    "portal_user_id",
)
CARE_TEAM_DROPPED = "care_team_member:kept_by_target"


@dataclass(frozen=True, slots=True)
class MergePreview:
    source: Client
    target: Client
    moves: dict[str, int]  # a table's label -> rows that move
    clashes: list[str]
    fills: list[str]


def _require(actor: Actor) -> None:
    if not access.CLIENTS_MERGE.allows(actor.role):
        raise Forbidden("only a director may merge client records")


def _references() -> list[tuple[Table, Column[object]]]:
    """Every (table, column) with a foreign key to a client, except the merge records."""
    found: list[tuple[Table, Column[object]]] = []
    for table in Base.metadata.sorted_tables:
        if table.name in {"client_merge", "client"}:
            continue
        for column in table.columns:
            if any(fk.column.table.name == "client" for fk in column.foreign_keys):
                found.append((table, column))
    return found


def _label(table: Table) -> str:
    return table.name.replace("_", " ")


def _load(session: Session, client_id: uuid.UUID, field: str) -> Client:
    client = session.get(Client, client_id, with_for_update=True)
    if client is None:
        raise NotFound("no such client", field=field)
    return client


def _unique_sets(table: Table, column: Column[object]) -> list[list[Column[object]]]:
    """The other columns of each full (not partial) unique key that includes ``column``."""
    sets: list[list[Column[object]]] = []
    keys = [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    keys += [
        list(index.columns)
        for index in table.indexes
        if index.unique and not _partial(index.dialect_options)
    ]
    for key in keys:
        names = [c.name for c in key]
        if column.name in names and table.name != "care_team_member":
            sets.append([c for c in key if c.name != column.name])
    return sets


def _partial(options: Mapping[str, Mapping[str, object]]) -> bool:
    """A partial unique index (``WHERE ...``) is checked by its own rule, e.g. the open
    episode above, not by comparing whole rows."""
    return any(opts.get("where") is not None for opts in options.values())


def _clashes(session: Session, source: Client, target: Client) -> list[str]:
    clashes: list[str] = []
    if (
        session.scalar(
            select(func.count())
            .select_from(Episode)
            .where(
                Episode.client_id.in_([source.id, target.id]),
                Episode.status != EpisodeStatus.DISCHARGED,
            )
        )
        or 0
    ) > 1:
        clashes.append("Both records have an open episode: discharge the duplicate's first.")
    for table, column in _references():
        if table.name == "keep_apart":
            other = table.c.client_b_id if column.name == "client_a_id" else table.c.client_a_id
            linked = (
                select(func.count())
                .select_from(table)
                .where(column == source.id, other == target.id)
            )
            if session.scalar(linked):
                clashes.append("A keep-apart links the two records: remove it first.")
            continue
        for others in _unique_sets(table, column):
            mine = table.alias("mine")
            theirs = table.alias("theirs")
            same = [mine.c[c.name] == theirs.c[c.name] for c in others]
            count = session.scalar(
                select(func.count())
                .select_from(mine)
                .join(theirs, and_(*same) if same else true())
                .where(mine.c[column.name] == source.id, theirs.c[column.name] == target.id)
            )
            if count:
                clashes.append(
                    f"Both records have a {_label(table)} that can exist only once "
                    f"({count}): resolve it on the duplicate first."
                )
    return sorted(set(clashes), key=clashes.index)


def _fills(source: Client, target: Client) -> list[str]:
    return [f for f in FILLABLE if not getattr(target, f) and getattr(source, f)]


def preview(
    session: Session, *, actor: Actor, source_id: uuid.UUID, target_id: uuid.UUID
) -> MergePreview:
    """What a merge of ``source`` into ``target`` would move, and what stops it."""
    _require(actor)
    if source_id == target_id:
        raise Invalid("choose two different records", field="target")
    source = _load(session, source_id, "source")
    target = _load(session, target_id, "target")
    for client, field in ((source, "source"), (target, "target")):
        if session.scalar(select(_standing_merge(client.id))):
            raise Conflict(
                f"{client.record_number} has been merged into another record", field=field
            )
    moves: dict[str, int] = {}
    for table, column in _references():
        count = session.scalar(select(func.count()).select_from(table).where(column == source.id))
        if count:
            moves[_label(table)] = moves.get(_label(table), 0) + count
    audit_service.record_reads(
        session, actor=actor, entity_type="client_merge", client_ids=[source.id, target.id]
    )
    return MergePreview(
        source=source,
        target=target,
        moves=moves,
        clashes=_clashes(session, source, target),
        fills=_fills(source, target),
    )


def _standing_merge(client_id: uuid.UUID) -> Exists:
    return exists().where(
        ClientMerge.source_client_id == client_id, ClientMerge.undone_at.is_(None)
    )


def merge(
    session: Session,
    *,
    actor: Actor,
    source_id: uuid.UUID,
    target_id: uuid.UUID,
    reason: str,
    now: datetime | None = None,
) -> ClientMerge:
    """Fold ``source`` into ``target``; refused while anything clashes."""
    reason = reason.strip()
    if not reason:
        raise Invalid("say why these are the same person", field="reason")
    found = preview(session, actor=actor, source_id=source_id, target_id=target_id)
    if found.clashes:
        raise Conflict(" ".join(found.clashes), field="target")
    source, target = found.source, found.target
    moved: dict[str, list[str]] = {}
    team = list(
        session.scalars(
            select(CareTeamMember).where(CareTeamMember.client_id.in_([source.id, target.id]))
        )
    )
    kept = {m.role for m in team if m.client_id == target.id}
    for member in team:
        if member.client_id == source.id and member.role in kept:
            moved.setdefault(CARE_TEAM_DROPPED, []).append(
                f"{member.role.value}|{member.user_id}|{member.since.isoformat()}"
            )
            session.delete(member)
    session.flush()
    for table, column in _references():
        key = f"{table.name}.{column.name}"
        if table.name == "care_team_member":
            roles = [
                str(r) for r in session.scalars(select(table.c.role).where(column == source.id))
            ]
            if roles:
                moved[key] = roles
                session.execute(
                    update(table).where(column == source.id).values({column.name: target.id})
                )
            continue
        ids = [str(i) for i in session.scalars(select(table.c.id).where(column == source.id))]
        if ids:
            moved[key] = ids
            session.execute(
                update(table).where(column == source.id).values({column.name: target.id})
            )
    # The updates above went around the ORM: rows it holds (a chart just loaded) are stale.
    session.expire_all()
    filled: dict[str, str | None] = {}
    for field in found.fills:
        value = getattr(source, field)
        filled[field] = None if getattr(target, field) is None else ""
        if field == "portal_user_id":
            source.portal_user_id = None
            session.flush()
        setattr(target, field, value)
    record = ClientMerge(
        source_client_id=source.id,
        target_client_id=target.id,
        reason=reason[:300],
        merged_at=now or utc_now(),
        merged_by_id=actor.user_id,
        moved=moved,
        filled=filled,
    )
    session.add(record)
    session.flush()
    detail = {
        "source": source.record_number,
        "target": target.record_number,
        "moved": {k: len(v) for k, v in moved.items()},
        "filled": sorted(filled),
    }
    for client_id in (target.id, source.id):
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type="client_merge",
            entity_id=record.id,
            client_id=client_id,
            detail=detail,
        )
    return record


def undo(
    session: Session, *, actor: Actor, merge_id: uuid.UUID, now: datetime | None = None
) -> ClientMerge:
    """Put back exactly what the merge moved; rows recorded on the survivor since stay."""
    _require(actor)
    record = session.get(ClientMerge, merge_id, with_for_update=True)
    if record is None:
        raise NotFound("no such merge")
    now = now or utc_now()
    refusal = rules.undo_refusal(record.merged_at, record.undone_at, now)
    if refusal is not None:
        raise Conflict(refusal)
    source = _load(session, record.source_client_id, "source")
    target = _load(session, record.target_client_id, "target")
    references = {f"{t.name}.{c.name}": (t, c) for t, c in _references()}
    for key, ids in record.moved.items():
        if key == CARE_TEAM_DROPPED:
            continue
        table, column = references[key]
        if table.name == "care_team_member":
            session.execute(
                update(table)
                .where(column == target.id, table.c.role.in_(ids))
                .values({column.name: source.id})
            )
            continue
        session.execute(
            update(table)
            .where(column == target.id, table.c.id.in_([uuid.UUID(i) for i in ids]))
            .values({column.name: source.id})
        )
    session.expire_all()
    for entry in record.moved.get(CARE_TEAM_DROPPED, []):
        role, user_id, since = entry.split("|")
        session.add(
            CareTeamMember(
                client_id=source.id,
                role=CareTeamRole(role),
                user_id=uuid.UUID(user_id),
                since=datetime.fromisoformat(since),
            )
        )
    for field, before in record.filled.items():
        value = getattr(target, field)
        if field == "portal_user_id":
            # The merge moved the account itself; it goes back if it is still there.
            if value is not None:
                target.portal_user_id = None
                session.flush()
                source.portal_user_id = value
        elif value == getattr(source, field):
            # Only a value nobody has changed since: a correction made on the survivor
            # after the merge is not the merge's to take back.
            setattr(target, field, before)
    record.undone_at = now
    record.undone_by_id = actor.user_id
    session.flush()
    for client_id in (target.id, source.id):
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type="client_merge",
            entity_id=record.id,
            client_id=client_id,
            detail={"undone": True, "source": source.record_number, "target": target.record_number},
        )
    return record


def merges_of(session: Session, *, client_id: uuid.UUID) -> list[tuple[ClientMerge, str]]:
    """The merges into this record that stand, newest first, each with the duplicate's
    record number: the chart says which other numbers (on paper, in the audit trail) are
    this person."""
    rows = session.execute(
        select(ClientMerge, Client.record_number)
        .join(Client, Client.id == ClientMerge.source_client_id)
        .where(ClientMerge.target_client_id == client_id, ClientMerge.undone_at.is_(None))
        .order_by(ClientMerge.merged_at.desc())
    )
    return [(record, number) for record, number in rows]


@dataclass(frozen=True, slots=True)
class MergeRow:
    record: ClientMerge
    source: Client
    target: Client


def recent_merges(
    session: Session, *, actor: Actor, merge_id: uuid.UUID | None = None, limit: int = 100
) -> list[MergeRow]:
    """Merges newest first (or the one asked for), with both records; each shown is a read
    of both charts."""
    _require(actor)
    stmt = select(ClientMerge).order_by(ClientMerge.merged_at.desc()).limit(limit)
    if merge_id is not None:
        stmt = stmt.where(ClientMerge.id == merge_id)
    records = list(session.scalars(stmt))
    ids = {r.source_client_id for r in records} | {r.target_client_id for r in records}
    clients = {c.id: c for c in session.scalars(select(Client).where(Client.id.in_(ids)))}
    audit_service.record_reads(
        session, actor=actor, entity_type="client_merge", client_ids=sorted(ids)
    )
    return [MergeRow(r, clients[r.source_client_id], clients[r.target_client_id]) for r in records]
