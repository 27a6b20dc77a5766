"""A backend system reads only what the client's consents let go to it, for its purpose:
Bundles say what was withheld and carry the 42 CFR 2.32 notice, a read of a withheld
class is refused with the reason, and every disclosure is recorded."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.consents.models import InformationClass, Purpose
from stepdown.diagnoses.models import Diagnosis
from stepdown.disclosures.models import Channel, Disclosure
from stepdown.disclosures.notice import current
from stepdown.fhir import oauth
from stepdown.fhir.models import FhirClient
from tests.factories import make_client
from tests.fhir.factories import Record, make_fhir_client, make_record
from tests.fhir.validator import errors, validate

NOTICE = "/fhir/StructureDefinition/part2-notice"
SCOPE = "/fhir/StructureDefinition/part2-consent-scope"


@pytest.fixture
def record(session: Session) -> Record:
    return make_record(session)


def _token(
    session: Session,
    record: Record,
    *,
    scopes: str = "system/*.read",
    purpose: Purpose = Purpose.TREATMENT,
) -> tuple[FhirClient, dict[str, str]]:
    registered, secret = make_fhir_client(session, record.recipient, scopes=scopes, purpose=purpose)
    issued = oauth.issue_token(
        session, client_id=registered.client_id, client_secret=secret, scope=""
    )
    session.commit()
    return registered, {"Authorization": f"Bearer {issued.secret}"}


def _outcome(bundle: dict[str, Any]) -> dict[str, str]:
    """Class withheld -> reason, from the Bundle's OperationOutcome entry."""
    entries = [e for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
    if not entries:
        return {}
    (entry,) = entries
    return {
        issue["details"]["coding"][0]["code"]: issue["diagnostics"]
        for issue in entry["resource"]["issue"]
    }


def _extensions(resource: dict[str, Any], suffix: str) -> list[str]:
    return [
        e["valueString"] for e in resource["meta"].get("extension", []) if e["url"].endswith(suffix)
    ]


def test_everything_sends_what_the_consent_covers_and_says_what_it_withheld(
    client: TestClient, session: Session, record: Record
) -> None:
    _, headers = _token(session, record)
    response = client.get(f"/fhir/Patient/{record.client.id}/$everything", headers=headers)
    assert response.status_code == 200, response.text
    bundle = response.json()
    sent = {
        e["resource"]["resourceType"] for e in bundle["entry"] if e["search"]["mode"] == "match"
    }
    assert sent == {"Patient", "Consent", "Observation", "QuestionnaireResponse"}
    categories = {
        e["resource"]["category"][0]["coding"][0]["code"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
    }
    assert categories == {"survey"}  # drug tests are not covered
    withheld = _outcome(bundle)
    assert set(withheld) == {
        "attendance",
        "plans",
        "diagnoses",
        "medications",
        "drug_tests",
        "insurance",
    }
    assert all("Partner Clinic" in reason for reason in withheld.values())
    assert _extensions(bundle, NOTICE) == [current().text]
    assert "Partner Clinic (Partner Health)" in _extensions(bundle, SCOPE)[0]
    assert {label["code"] for label in bundle["meta"]["security"]} == {
        "R",
        "42CFRPart2",
        "NORDSCLCD",
    }

    disclosed = session.scalars(select(Disclosure)).one()
    assert disclosed.channel is Channel.FHIR
    assert disclosed.consent_id == record.consent.id
    assert disclosed.information == sorted(
        [InformationClass.ASSESSMENTS, InformationClass.DEMOGRAPHICS]
    )
    assert disclosed.actor_label.startswith("fhir:fhir-")
    assert errors(validate([bundle])) == []


def test_a_read_of_a_withheld_class_is_refused_with_its_reason(
    client: TestClient, session: Session, record: Record
) -> None:
    _, headers = _token(session, record)
    diagnosis = session.scalars(
        select(Diagnosis).where(Diagnosis.client_id == record.client.id)
    ).one()
    refused = client.get(f"/fhir/Condition/{diagnosis.id}", headers=headers)
    assert refused.status_code == 403
    issue = refused.json()["issue"][0]
    assert (issue["severity"], issue["code"]) == ("error", "suppressed")
    assert issue["details"]["coding"][0]["code"] == "diagnoses"
    assert "covers diagnoses" in issue["diagnostics"]
    # The refusal is answered, not raised: the gate's audit of it is committed.
    session.expire_all()
    refusals = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == AuditAction.DISCLOSE, AuditEntry.client_id == record.client.id
        )
    ).all()
    assert [e.detail.get("refused") for e in refusals] == [["diagnoses"]]

    read = client.get(f"/fhir/Patient/{record.client.id}", headers=headers)
    assert read.status_code == 200
    assert _extensions(read.json(), NOTICE) == [current().text]


def test_without_a_consent_naming_it_a_system_cannot_learn_the_client_is_a_patient(
    client: TestClient, session: Session, record: Record
) -> None:
    """42 CFR 2.13(c): no consent naming the recipient, no acknowledgement that the person
    is in the program: not found, and searches find nothing and say nothing."""
    stranger = make_client(session, site=record.site)
    _, headers = _token(session, record)
    read = client.get(f"/fhir/Patient/{stranger.id}", headers=headers)
    assert read.status_code == 404
    number = f"Patient?identifier={stranger.record_number}"
    for query in (f"Observation?patient={stranger.id}", number):
        searched = client.get(f"/fhir/{query}", headers=headers).json()
        assert searched["total"] == 0
        assert "entry" not in searched
    assert (
        client.get(f"/fhir/Patient/{stranger.id}/$everything", headers=headers).status_code == 404
    )
    assert session.scalars(select(Disclosure)).all() == []


def test_a_purpose_the_consent_does_not_list(
    client: TestClient, session: Session, record: Record
) -> None:
    _, headers = _token(session, record, purpose=Purpose.PAYMENT)
    bundle = client.get(f"/fhir/Patient/{record.client.id}/$everything", headers=headers).json()
    assert bundle["total"] == 0
    assert "Payment" in _outcome(bundle)["demographics"]


def test_scopes_narrow_what_is_asked(client: TestClient, session: Session, record: Record) -> None:
    _, headers = _token(session, record, scopes="system/Observation.read")
    bundle = client.get(f"/fhir/Patient/{record.client.id}/$everything", headers=headers).json()
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {
        "Observation",
        "OperationOutcome",
    }
    assert set(_outcome(bundle)) == {"drug_tests"}
    assert client.get(f"/fhir/Patient/{record.client.id}", headers=headers).status_code == 403
