"""Recording and stopping prescriptions; reading them for the chart and for drug tests.

A prescription is never edited or deleted, only stopped (its last day recorded), so a past
drug-test interpretation can always be traced to the medications active that day.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.drug_testing.models import Analyte
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.medications import access, rules
from stepdown.medications.models import Medication
from stepdown.medications.schemas import MedicationCreate
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role


def _require(policy: Policy, actor: Actor) -> None:
    """Routes check the policy too; this keeps the CLI and other callers to the same rule."""
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {policy.description}")


def _of_client(session: Session, client_id: uuid.UUID) -> list[Medication]:
    return list(
        session.scalars(
            select(Medication)
            .where(Medication.client_id == client_id)
            .order_by(Medication.starts_on.desc(), Medication.name)
        )
    )


def client_medications(session: Session, *, actor: Actor, client_id: uuid.UUID) -> list[Medication]:
    """A client's prescriptions, current and past, newest first; an audited read."""
    _require(access.READ, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    medications = _of_client(session, client.id)
    audit_service.record_reads(
        session, actor=actor, entity_type="medication", client_ids=[client.id]
    )
    return medications


def active_on(session: Session, *, client_id: uuid.UUID, day: date) -> list[Medication]:
    """Prescriptions active on a day, for a drug-test interpretation. Not audited here: the
    caller is an audited action on this client (recording a result)."""
    return [m for m in _of_client(session, client_id) if m.active_on(day)]


def add_medication(
    session: Session, *, actor: Actor, client_id: uuid.UUID, data: MedicationCreate
) -> Medication:
    _require(access.WRITE, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    explains = rules.explains(data.name, analytes=data.analytes, is_mat=data.is_mat)
    prescriber = data.prescriber.strip()
    if not prescriber:
        raise Invalid("enter the prescriber's name", field="prescriber")
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise Invalid("the last day cannot be before the first", field="ends_on")
    medication = Medication(
        client_id=client.id,
        name=" ".join(data.name.split()),
        analytes=[a.value for a in Analyte if a in explains.analytes],
        is_mat=explains.is_mat,
        prescriber=prescriber,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        created_by=actor.user_id,
    )
    session.add(medication)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="medication",
        entity_id=medication.id,
        client_id=client.id,
        detail={
            "analytes": medication.analytes,
            "is_mat": medication.is_mat,
            "starts_on": medication.starts_on.isoformat(),
        },
    )
    return medication


def stop_medication(
    session: Session, *, actor: Actor, medication_id: uuid.UUID, ends_on: date, reason: str
) -> Medication:
    """Record the last day taken (a planned last day may be moved while it is still ahead).
    A stopped prescription stays stopped: a restart is a new prescription, so the gap stays
    on record."""
    _require(access.WRITE, actor)
    medication = session.get(Medication, medication_id)
    if medication is None:
        raise NotFound("no such medication, or not one you may see")
    clients_service.get_client(session, actor=actor, client_id=medication.client_id)
    before = medication.ends_on
    if before is not None and before < today():
        raise Conflict("this medication is already stopped", rule="medication.already_stopped")
    if ends_on < medication.starts_on:
        raise Invalid("the last day cannot be before the first", field="ends_on")
    medication.ends_on = ends_on
    medication.stop_reason = reason.strip()[:300]
    medication.stopped_by = actor.user_id
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="medication",
        entity_id=medication.id,
        client_id=medication.client_id,
        detail={
            "ends_on": {"before": before.isoformat() if before else None, "after": str(ends_on)}
        },
    )
    return medication


@dataclass(frozen=True)
class MedicationsTab:
    medications: list[Medication]
    can_edit: bool
    analytes: tuple[Analyte, ...] = tuple(Analyte)
    suggestions: list[str] = field(default_factory=rules.suggestions)

    @property
    def current(self) -> list[Medication]:
        return [m for m in self.medications if m.ends_on is None or m.ends_on >= today()]

    @property
    def past(self) -> list[Medication]:
        return [m for m in self.medications if m.ends_on is not None and m.ends_on < today()]

    @cached_property
    def unrecognised(self) -> frozenset[uuid.UUID]:
        """Medications whose name the table does not know and for which no analytes were
        recorded. They explain nothing on a drug test, so a positive they should explain reads
        as unexpected and a missing MAT positive goes unseen; the tab flags them so staff
        correct the name or record the analytes."""
        return frozenset(
            m.id for m in self.medications if not m.analytes and not rules.recognised(m.name)
        )


def chart_tab(session: Session, *, actor: Actor, client: Client) -> MedicationsTab:
    return MedicationsTab(
        medications=client_medications(session, actor=actor, client_id=client.id),
        can_edit=access.WRITE.allows(actor.role),
    )
