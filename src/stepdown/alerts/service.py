"""Raising, listing and acknowledging clinical alerts.

An alert is raised in the same transaction as the finding behind it, so a recorded PHQ-9
with item 9 above zero can never exist without its alert. Alerts are never deleted: an
acknowledgement closes one and says what was done, and both steps are audited. An urgent
alert also queues its notifications in that transaction (``notify``): they go out only if
the finding is stored, and a mail or SMS outage never stops it from being stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from stepdown.alerts import access, repository, rules
from stepdown.alerts.models import SAFETY_ALERT_KINDS, Alert, AlertKind, Severity
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.jobs import service as jobs_service
from stepdown.kit.clock import local, utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role

ALREADY_ACKNOWLEDGED = "alert.already_acknowledged"


def _may(policy: Policy, actor: Actor) -> bool:
    """CLI commands and jobs act as the system, which reads on the program's behalf."""
    return actor.role is Role.SYSTEM or policy.allows(actor.role)


def _by_urgency(alerts: Iterable[Alert]) -> list[Alert]:
    """Urgent first; newest first within a severity (the query already orders by time)."""
    return sorted(alerts, key=lambda a: a.severity.rank)


def raise_alert(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    kind: AlertKind,
    severity: Severity,
    summary: str,
    source_type: str,
    source_id: uuid.UUID,
) -> Alert:
    """Open an alert; the caller has already checked the actor may act on this client."""
    summary = summary.strip()
    if not summary:
        raise Invalid("an alert needs a summary", field="summary")
    alert = Alert(
        client_id=client_id,
        kind=kind,
        severity=severity,
        summary=summary,
        source_type=source_type,
        source_id=source_id,
        created_at=utc_now(),
        created_by=actor.user_id,
    )
    session.add(alert)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="alert",
        entity_id=alert.id,
        client_id=client_id,
        detail={
            "kind": kind.value,
            "severity": severity.value,
            "source_type": source_type,
            "source_id": str(source_id),
        },
    )
    if rules.notifies(severity):
        # Keyed by the alert, so an alert has one first round of notifications.
        jobs_service.enqueue(session, rules.NOTIFY_JOB, key=str(alert.id), alert_id=str(alert.id))
    return alert


def _visible_clients(
    session: Session, actor: Actor, client_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Client]:
    return clients_service.clients_by_id(session, actor=actor, client_ids=sorted(set(client_ids)))


def open_alerts_for_client(session: Session, *, actor: Actor, client_id: uuid.UUID) -> list[Alert]:
    """A client's open alerts, urgent first; reading them is audited when there are any."""
    if not _may(access.READ, actor):
        raise Forbidden(f"your role ({actor.role.label}) may not {access.READ.description}")
    if client_id not in _visible_clients(session, actor, [client_id]):
        raise NotFound("no such client, or not one you may see")
    alerts = _by_urgency(session.scalars(repository.open_alerts([client_id])))
    if alerts:
        audit_service.record_reads(
            session, actor=actor, entity_type="alert", client_ids=[client_id]
        )
    return alerts


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    client: Client


def open_alerts_for_home(session: Session, *, actor: Actor) -> list[AlertRow]:
    """The open alerts this actor must act on: a clinician's own caseload, or, for a
    director, the whole program. Urgent first, newest first within a severity."""
    if not _may(access.LIST, actor):
        raise Forbidden(f"your role ({actor.role.label}) may not {access.LIST.description}")
    alerts = list(session.scalars(repository.open_alerts()))
    clients = _visible_clients(session, actor, (a.client_id for a in alerts))
    rows = [
        AlertRow(a, clients[a.client_id]) for a in _by_urgency(alerts) if a.client_id in clients
    ]
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type="alert",
        client_ids=list(dict.fromkeys(row.client.id for row in rows)),
    )
    return rows


@dataclass(frozen=True)
class ChartAlerts:
    """What the banner at the top of every chart tab shows."""

    alerts: list[Alert]
    can_acknowledge: bool


def chart_banner(session: Session, *, actor: Actor, client: Client) -> ChartAlerts | None:
    """None for roles that do not see alerts (they may still open the chart itself)."""
    if not _may(access.READ, actor):
        return None
    alerts = open_alerts_for_client(session, actor=actor, client_id=client.id)
    return ChartAlerts(alerts, access.ACKNOWLEDGE.allows(actor.role))


def get_alert(session: Session, *, actor: Actor, alert_id: uuid.UUID) -> Alert:
    """An alert the actor may see (else 404). Not audited by itself: it only locates the
    alert for an action that is."""
    alert = session.get(Alert, alert_id)
    if alert is None or alert.client_id not in _visible_clients(session, actor, [alert.client_id]):
        raise NotFound("no such alert, or not one you may see")
    return alert


def acknowledge(session: Session, *, actor: Actor, alert_id: uuid.UUID, note: str) -> Alert:
    """Close an alert, saying what was done. The row is locked so two clinicians acting at
    once get one acknowledgement and one refusal, not two."""
    if not access.ACKNOWLEDGE.allows(actor.role):
        raise Forbidden("only clinicians and directors may acknowledge alerts")
    note = note.strip()
    if not note:
        raise Invalid("say what was done about the alert", field="note")
    alert = session.scalar(repository.for_update(alert_id))
    if alert is None or alert.client_id not in _visible_clients(session, actor, [alert.client_id]):
        raise NotFound("no such alert, or not one you may see")
    if alert.acknowledged_at is not None:
        raise Conflict(
            "this alert was already acknowledged at "
            f"{local(alert.acknowledged_at):%Y-%m-%d %H:%M %Z}",
            rule=ALREADY_ACKNOWLEDGED,
        )
    alert.acknowledged_at = utc_now()
    alert.acknowledged_by = actor.user_id
    alert.acknowledgement_note = note
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="alert",
        entity_id=alert.id,
        client_id=alert.client_id,
        detail={"acknowledged": True, "kind": alert.kind.value},
    )
    return alert


def open_safety_alerts(session: Session, *, client_id: uuid.UUID) -> list[Alert]:
    """The client's open suicide-risk alerts, oldest first, for the safety gate.

    Not audited and not policy-checked here: the gate is read on behalf of an action that
    already loaded the client through the clients service and records its own audit entry
    (a placement, a review, the chart's safety tab).
    """
    return sorted(
        (
            a
            for a in session.scalars(repository.open_alerts([client_id]))
            if a.kind in SAFETY_ALERT_KINDS
        ),
        key=lambda a: a.created_at,
    )
