"""MedicationStatement, from a prescription on the client's medication list.

The list records the name as prescribed (no RxNorm code), the prescriber by name, and the
days taken, ``starts_on`` through ``ends_on`` inclusive. On ``today``: not yet started is
``intended``, within its days ``active``, past its last day ``stopped`` when staff stopped
it with a reason and ``completed`` otherwise.
"""

from __future__ import annotations

from datetime import date

from fhir.resources.R4B.medicationstatement import MedicationStatement

from stepdown.fhir.resources.common import concept, date_period, meta, patient
from stepdown.medications.models import Medication


def build(medication: Medication, *, today: date) -> MedicationStatement:
    notes = [f"Prescribed by {medication.prescriber}"]
    if medication.is_mat:
        notes.append("Medication for addiction treatment (MAT)")
    return MedicationStatement(
        id=str(medication.id),
        meta=meta(),
        status=_status(medication, today),
        statusReason=[concept(medication.stop_reason)] if medication.stop_reason else None,
        medicationCodeableConcept=concept(medication.name),
        subject=patient(medication.client_id),
        effectivePeriod=date_period(medication.starts_on, medication.ends_on),
        dateAsserted=medication.created_at,
        note=[{"text": text} for text in notes],
    )


def _status(medication: Medication, today: date) -> str:
    if medication.starts_on > today:
        return "intended"
    if medication.active_on(today):
        return "active"
    return "stopped" if medication.stop_reason else "completed"
