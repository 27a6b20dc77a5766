"""Patient, from a client's record (demographics and contacts, nothing clinical)."""

from __future__ import annotations

from fhir.resources.R4B.patient import Patient

from stepdown.clients.models import Client
from stepdown.fhir import namespace as ns
from stepdown.fhir.namespace import Namespace
from stepdown.fhir.resources.common import Json, coding, concept, meta

RECORD_NUMBER = "record-number"


def build(client: Client, *, names: Namespace) -> Patient:
    """Sex at birth and gender identity are free text in our record, so there is no
    administrative ``gender`` code to give; gender identity and pronouns go in the core
    extensions, as text."""
    return Patient(
        id=str(client.id),
        meta=meta(),
        identifier=[
            {
                "use": "usual",
                "type": concept(
                    "Medical record number",
                    coding(ns.V2_IDENTIFIER_TYPE, "MR", "Medical record number"),
                ),
                "system": names.identifier_system(RECORD_NUMBER),
                "value": client.record_number,
            }
        ],
        name=_names(client),
        birthDate=client.date_of_birth,
        telecom=_telecom(client.phone, client.email) or None,
        address=[{"text": client.address}] if client.address else None,
        contact=_emergency_contact(client) or None,
        extension=_identity(client) or None,
    )


def _names(client: Client) -> list[Json]:
    names: list[Json] = [
        {
            "use": "official",
            "family": client.legal_last_name,
            "given": [client.legal_first_name],
        }
    ]
    if client.preferred_name:
        names.append(
            {"use": "usual", "family": client.legal_last_name, "given": [client.preferred_name]}
        )
    return names


def _telecom(phone: str, email: str) -> list[Json]:
    found: list[Json] = []
    if phone:
        found.append({"system": "phone", "value": phone})
    if email:
        found.append({"system": "email", "value": email})
    return found


def _emergency_contact(client: Client) -> list[Json]:
    if not client.emergency_contact_name:
        return []
    contact: Json = {"name": {"text": client.emergency_contact_name}}
    if client.emergency_contact_relationship:
        contact["relationship"] = [concept(client.emergency_contact_relationship)]
    if client.emergency_contact_phone:
        contact["telecom"] = _telecom(client.emergency_contact_phone, "")
    return [contact]


def _identity(client: Client) -> list[Json]:
    found: list[Json] = []
    if client.gender_identity:
        found.append(
            {"url": ns.GENDER_IDENTITY, "valueCodeableConcept": concept(client.gender_identity)}
        )
    if client.pronouns:
        found.append(
            {
                "url": ns.PRONOUNS,
                "extension": [{"url": "value", "valueCodeableConcept": concept(client.pronouns)}],
            }
        )
    return found
