"""The FHIR routes for staff and clients: metadata, read, search, $everything, who reads
what, the audit trail, and refusals as OperationOutcomes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.fhir import api as fhir_api
from stepdown.security.deps import OPEN_MARKER, POLICY_MARKER
from stepdown.security.roles import Role
from tests.factories import bearer, make_client, make_user
from tests.fhir.factories import Record, make_record
from tests.fhir.validator import errors, validate

FHIR_JSON = "application/fhir+json"


@pytest.fixture
def record(session: Session) -> Record:
    made = make_record(session)
    session.commit()
    return made


def _types(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["resourceType"] for e in bundle.get("entry", [])]


def _declared(dependant: Dependant) -> set[str]:
    found = set()
    if dependant.call is not None:
        found |= {m for m in (POLICY_MARKER, OPEN_MARKER) if hasattr(dependant.call, m)}
    for sub in dependant.dependencies:
        found |= _declared(sub)
    return found


def test_every_route_declares_who_may_call_it() -> None:
    """As tests/security walks the whole app: only metadata and the token endpoint are
    open (the token endpoint's credentials are the request)."""
    declared = {
        route.path: _declared(route.dependant)
        for route in fhir_api.router.routes
        if isinstance(route, APIRoute)
    }
    assert declared == {
        "/fhir/metadata": {OPEN_MARKER},
        "/fhir/auth/token": {OPEN_MARKER},
        "/fhir/Patient/{patient_id}/$everything": {POLICY_MARKER},
        "/fhir/{resource_type}/{resource_id}": {POLICY_MARKER},
        "/fhir/{resource_type}": {POLICY_MARKER},
    }


class TestMetadata:
    def test_anyone_may_read_the_capability_statement(self, client: TestClient) -> None:
        response = client.get("/fhir/metadata")
        assert response.status_code == 200
        assert response.headers["content-type"] == FHIR_JSON
        body = response.json()
        assert body["resourceType"] == "CapabilityStatement"
        assert body["fhirVersion"] == "4.0.1"
        served = {r["type"] for r in body["rest"][0]["resource"]}
        assert {"Patient", "Observation", "Consent", "Coverage"} <= served
        oauth = body["rest"][0]["security"]["extension"][0]["extension"][0]
        assert oauth["valueUri"].endswith("/fhir/auth/token")


class TestStaff:
    def test_a_clinician_reads_and_searches_their_client(
        self, client: TestClient, session: Session, record: Record
    ) -> None:
        headers = bearer(session, record.clinician)
        session.commit()
        patient_id = record.client.id

        read = client.get(f"/fhir/Patient/{patient_id}", headers=headers)
        assert read.status_code == 200, read.text
        assert read.headers["content-type"] == FHIR_JSON
        assert read.json()["id"] == str(patient_id)
        assert "extension" not in read.json()["meta"]  # no disclosure: no notice

        found = client.get(f"/fhir/Observation?patient=Patient/{patient_id}", headers=headers)
        assert found.status_code == 200
        bundle = found.json()
        assert (bundle["type"], bundle["total"]) == ("searchset", 8)
        lab = client.get(
            f"/fhir/Observation?patient={patient_id}&category=laboratory", headers=headers
        ).json()
        assert lab["total"] == 2

        by_number = client.get(
            f"/fhir/Patient?identifier={record.client.record_number}", headers=headers
        ).json()
        assert [e["resource"]["id"] for e in by_number["entry"]] == [str(patient_id)]

        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.client_id == patient_id, AuditEntry.entity_type.like("fhir.%")
            )
        ).all()
        assert {(e.action, e.entity_type) for e in entries} >= {
            (AuditAction.READ, "fhir.Patient"),
            (AuditAction.READ, "fhir.Observation"),
        }

    def test_everything_the_clinician_may_read(
        self, client: TestClient, session: Session, record: Record
    ) -> None:
        headers = bearer(session, record.clinician)
        session.commit()
        response = client.get(f"/fhir/Patient/{record.client.id}/$everything", headers=headers)
        assert response.status_code == 200
        bundle = response.json()
        assert set(_types(bundle)) == {
            "Patient",
            "EpisodeOfCare",
            "Encounter",
            "Appointment",
            "CarePlan",
            "Goal",
            "Condition",
            "MedicationStatement",
            "Observation",
            "QuestionnaireResponse",
            "Coverage",
            "Consent",
        }
        assert all(e["fullUrl"].startswith("http://") for e in bundle["entry"])
        assert errors(validate([bundle])) == []

    def test_a_role_reads_only_what_it_reads_elsewhere(
        self, client: TestClient, session: Session, record: Record
    ) -> None:
        """Admissions screen with instruments but neither read drug tests nor diagnoses."""
        admissions = make_user(session, role=Role.ADMISSIONS, site=record.site)
        headers = bearer(session, admissions)
        session.commit()
        url = f"/fhir/Observation?patient={record.client.id}"
        observations = client.get(url, headers=headers).json()
        categories = {
            e["resource"]["category"][0]["coding"][0]["code"] for e in observations["entry"]
        }
        assert categories == {"survey"}
        refused = client.get(f"/fhir/Condition?patient={record.client.id}", headers=headers)
        assert refused.status_code == 403
        assert refused.json()["issue"][0]["code"] == "forbidden"
        everything = client.get(
            f"/fhir/Patient/{record.client.id}/$everything", headers=headers
        ).json()
        assert "Condition" not in _types(everything)
        assert "Observation" in _types(everything)

    def test_another_clinicians_client_is_not_found(
        self, client: TestClient, session: Session, record: Record
    ) -> None:
        other = make_user(session, role=Role.CLINICIAN, site=record.site)
        headers = bearer(session, other)
        session.commit()
        response = client.get(f"/fhir/Patient/{record.client.id}", headers=headers)
        assert response.status_code == 404
        assert response.json()["issue"][0]["code"] == "not-found"
        searched = client.get(f"/fhir/Condition?patient={record.client.id}", headers=headers)
        assert searched.json()["total"] == 0


class TestClientsOwnRecord:
    def test_a_client_reads_only_their_own_record(
        self, client: TestClient, session: Session, record: Record
    ) -> None:
        account = make_user(session, role=Role.CLIENT, site=record.site)
        record.client.portal_user_id = account.id
        someone_else = make_client(session, site=record.site, clinician=record.clinician)
        headers = bearer(session, account)
        session.commit()

        own = client.get(f"/fhir/Patient/{record.client.id}/$everything", headers=headers)
        assert own.status_code == 200
        assert "Condition" in _types(own.json())
        assert "extension" not in own.json()["meta"]  # the client's own record: no notice

        assert client.get(f"/fhir/Patient/{someone_else.id}", headers=headers).status_code == 404
        theirs = client.get(f"/fhir/Patient/{someone_else.id}/$everything", headers=headers)
        assert theirs.status_code == 404
        searched = client.get(f"/fhir/Observation?patient={someone_else.id}", headers=headers)
        assert searched.json()["total"] == 0


class TestRefusals:
    def test_refusals_are_operation_outcomes(
        self, client: TestClient, session: Session, record: Record
    ) -> None:
        headers = bearer(session, record.clinician)
        session.commit()
        cases = {
            "/fhir/Practitioner/1": (404, "not-found"),
            "/fhir/Patient/not-a-uuid": (404, "not-found"),
            "/fhir/Observation": (400, "invalid"),
            f"/fhir/Observation?patient={record.client.id}&date=2026": (400, "invalid"),
            "/fhir/Patient": (400, "invalid"),
            "/fhir/Observation?patient=Patient/nonsense": (400, "invalid"),
        }
        for path, (status, code) in cases.items():
            response = client.get(path, headers=headers)
            assert response.status_code == status, path
            assert response.headers["content-type"] == FHIR_JSON
            body = response.json()
            assert body["resourceType"] == "OperationOutcome"
            assert body["issue"][0]["code"] == code, path

    def test_anonymous_callers_must_authenticate(self, client: TestClient, record: Record) -> None:
        response = client.get(f"/fhir/Patient/{record.client.id}")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["issue"][0]["code"] == "login"
        bogus = {"Authorization": "Bearer sdf_not-a-token"}
        assert client.get(f"/fhir/Patient/{record.client.id}", headers=bogus).status_code == 401
