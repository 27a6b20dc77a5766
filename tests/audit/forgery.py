"""What someone with write access to the database does after editing an audit entry:
recompute the chain from there on so every link matches again."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.audit.rules import GENESIS_HASH
from stepdown.audit.service import hashed_fields

Digest = Callable[[str, Mapping[str, Any]], str]
KEEP = "keep"


def disable_append_only(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
    else:
        connection.execute(text("DROP TRIGGER audit_entry_no_update"))
        connection.execute(text("DROP TRIGGER audit_entry_no_delete"))


def rewrite_from(session: Session, seq: int, digest: Digest, *, key_id: str | None = KEEP) -> None:
    """Relink and rehash every entry from ``seq`` on with ``digest(prev, fields)``, after
    setting its key id to ``key_id`` (``KEEP``: leave it)."""
    session.expire_all()
    prev = (
        session.scalar(
            select(AuditEntry.hash)
            .where(AuditEntry.seq < seq)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        )
        or GENESIS_HASH
    )
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq)
    ).all()
    for entry in rows:
        fields = hashed_fields(entry)
        new_key_id = entry.key_id if key_id == KEEP else key_id
        fields.pop("key_id", None)
        if new_key_id is not None:
            fields["key_id"] = new_key_id
        new_hash = digest(prev, fields)
        session.connection().execute(
            text(
                "UPDATE audit_entry SET key_id = :key_id, prev_hash = :prev, hash = :hash "
                "WHERE seq = :seq"
            ),
            {"key_id": new_key_id, "prev": prev, "hash": new_hash, "seq": entry.seq},
        )
        prev = new_hash
    session.expire_all()


def tamper(session: Session, seq: int) -> None:
    """Change who an entry says acted (triggers must be off)."""
    session.connection().execute(
        text("UPDATE audit_entry SET actor_label = 'someone-else' WHERE seq = :seq"), {"seq": seq}
    )
