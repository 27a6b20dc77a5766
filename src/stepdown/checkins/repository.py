"""Queries on check-ins. Callers have already checked the client is one the actor may see
(through the clients service); these only narrow by client and day."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Select, select

from stepdown.alerts.models import Alert, AlertKind
from stepdown.checkins.models import CheckIn

SOURCE_TYPE = "checkin"


def of_client(
    client_id: uuid.UUID, *, since: date | None = None, limit: int | None = None
) -> Select[CheckIn]:
    """Newest first."""
    stmt = select(CheckIn).where(CheckIn.client_id == client_id)
    if since is not None:
        stmt = stmt.where(CheckIn.day >= since)
    stmt = stmt.order_by(CheckIn.submitted_at.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt


def open_alert_kinds_on(client_id: uuid.UUID, day: date) -> Select[AlertKind]:
    """Kinds of the client's still-open alerts raised by check-ins of that day."""
    return (
        select(Alert.kind)
        .join(CheckIn, CheckIn.id == Alert.source_id)
        .where(
            Alert.client_id == client_id,
            Alert.source_type == SOURCE_TYPE,
            Alert.acknowledged_at.is_(None),
            CheckIn.client_id == client_id,
            CheckIn.day == day,
        )
    )


def alerts_for(checkin_ids: list[uuid.UUID]) -> Select[Alert]:
    """Alerts (open or acknowledged) raised by these check-ins."""
    return select(Alert).where(Alert.source_type == SOURCE_TYPE, Alert.source_id.in_(checkin_ids))
