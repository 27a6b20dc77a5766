"""Queries on alerts. Which clients an actor may see is decided by the clients service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select

from stepdown.alerts.models import Alert


def open_alerts(client_ids: Sequence[uuid.UUID] | None = None) -> Select[Alert]:
    """Open alerts, newest first; callers narrow them to clients the actor may see."""
    stmt = select(Alert).where(Alert.acknowledged_at.is_(None))
    if client_ids is not None:
        stmt = stmt.where(Alert.client_id.in_(client_ids))
    return stmt.order_by(Alert.created_at.desc())


def for_update(alert_id: uuid.UUID) -> Select[Alert]:
    """One alert, row-locked on PostgreSQL (SQLite already holds the write lock)."""
    return select(Alert).where(Alert.id == alert_id).with_for_update()
