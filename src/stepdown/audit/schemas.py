"""API shapes for the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from stepdown.audit.models import AuditAction
from stepdown.kit.schemas import Day, Line, Schema, Seq


class AuditFilter(Schema):
    username: Line = ""
    client_id: uuid.UUID | None = None
    action: AuditAction | None = None
    date_from: Day | None = None
    date_to: Day | None = None
    before_seq: Seq | None = Field(default=None, description="Entries before this one")
    limit: int = Field(default=100, ge=1, le=1000)


class AuditEntryRead(Schema):
    seq: int
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_role: str
    actor_label: str
    action: AuditAction
    entity_type: str
    entity_id: str
    client_id: uuid.UUID | None
    ip: str
    request_id: str
    detail: dict[str, Any]
    key_id: str | None = Field(description="The audit key that made the hash; null: unkeyed")
    hash: str


class VerifyRead(Schema):
    ok: bool
    checked: int
    first_broken_seq: int | None
    problem: str
    unkeyed: int = Field(description="Entries from before the chain was keyed (plain SHA-256)")
    checkpoints: int = Field(description="Checkpoints whose entry still has the recorded hash")
