"""One row per audited event, chained by hash to the row before it."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Enum, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, UTCDateTime


class AuditAction(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    DISCLOSE = "disclose"
    SIGN = "sign"


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    # BigInteger on PostgreSQL, INTEGER (rowid alias) on SQLite so it autoincrements.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    actor_role: Mapped[str] = mapped_column(String(30))
    actor_label: Mapped[str] = mapped_column(String(120))
    action: Mapped[AuditAction] = mapped_column(
        Enum(
            AuditAction,
            name="audit_action",
            native_enum=False,
            length=20,
            values_callable=lambda e: [a.value for a in e],
        ),
        index=True,
    )
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    # The audit key that made ``hash`` (an HMAC); None on entries from before the chain was
    # keyed, whose ``hash`` is a plain SHA-256 (audit/rules.py).
    key_id: Mapped[str | None] = mapped_column(String(8))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
