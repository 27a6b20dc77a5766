"""Filtered reads of the audit trail, newest first."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, select

from stepdown.audit.models import AuditEntry
from stepdown.audit.schemas import AuditFilter
from stepdown.kit.clock import day_start


def filtered(criteria: AuditFilter) -> Select[AuditEntry]:
    stmt = select(AuditEntry)
    if criteria.username:
        stmt = stmt.where(AuditEntry.actor_label == criteria.username.strip().lower())
    if criteria.client_id:
        stmt = stmt.where(AuditEntry.client_id == criteria.client_id)
    if criteria.action:
        stmt = stmt.where(AuditEntry.action == criteria.action)
    if criteria.date_from:
        # The program's days, as the list prints its times (``kit.clock``).
        stmt = stmt.where(AuditEntry.occurred_at >= day_start(criteria.date_from))
    if criteria.date_to:
        end = day_start(criteria.date_to + timedelta(days=1))
        stmt = stmt.where(AuditEntry.occurred_at < end)
    if criteria.before_seq:
        stmt = stmt.where(AuditEntry.seq < criteria.before_seq)
    return stmt.order_by(AuditEntry.seq.desc()).limit(criteria.limit)
