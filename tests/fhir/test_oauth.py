"""Backend clients: registering, the client-credentials token endpoint, and scopes."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.consents import service as consents_service
from stepdown.consents.models import ContactRelationship, Purpose
from stepdown.fhir import oauth
from stepdown.fhir.models import FhirAccessToken
from stepdown.fhir.scopes import Context, Scope, covered, parse, parse_all
from stepdown.kit.errors import Conflict, Forbidden, Invalid
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_site, make_user
from tests.fhir.factories import make_fhir_client, make_recipient

TOKEN = "/fhir/auth/token"


class TestScopes:
    def test_reading_them(self) -> None:
        assert parse("system/Observation.read") == Scope(Context.SYSTEM, "Observation", "read")
        assert parse_all("patient/*.read  patient/*.read") == (Scope(Context.PATIENT, "*", "read"),)
        for wrong in ("system/Observation.write", "system/Practitioner.read", "Observation.read"):
            with pytest.raises(ValueError, match=r"read scope|serves no"):
                parse(wrong)

    def test_what_covers_what(self) -> None:
        everything = parse_all("system/*.read")
        assert covered(parse_all("system/Observation.read system/Patient.read"), everything)
        assert not covered(parse_all("user/Observation.read"), everything)
        assert not covered(parse_all("system/Patient.read"), parse_all("system/Observation.read"))


class TestRegistering:
    def test_a_client_is_stored_with_a_digest_of_its_secret(self, session: Session) -> None:
        client, secret = make_fhir_client(session, make_recipient(session))
        assert client.client_id.startswith("fhir-")
        assert secret not in client.secret_hash
        assert client.scopes == ["system/*.read"]

    def test_refused(self, session: Session) -> None:
        recipient = make_recipient(session)
        with pytest.raises(Invalid, match="system scopes"):
            make_fhir_client(session, recipient, scopes="patient/*.read")
        clinician = security_service.actor_for(make_user(session, role=Role.CLINICIAN))
        with pytest.raises(Forbidden):
            oauth.list_clients(session, actor=clinician)
        person = make_client(session, site=make_site(session))
        contact = consents_service.add_contact(
            session,
            actor=SYSTEM,
            client_id=person.id,
            name="Pat Parent",
            relationship=ContactRelationship.PARENT,
        )
        with pytest.raises(Conflict, match="program-wide"):
            oauth.register_client(
                session,
                actor=SYSTEM,
                name="x",
                scopes="system/*.read",
                recipient_id=contact.recipient_id,
                purpose=Purpose.TREATMENT,
            )


class TestTokenEndpoint:
    def test_issue_and_use_a_token(self, client: TestClient, session: Session) -> None:
        registered, secret = make_fhir_client(session, make_recipient(session))
        session.commit()
        response = client.post(
            TOKEN,
            data={
                "grant_type": "client_credentials",
                "client_id": registered.client_id,
                "client_secret": secret,
                "scope": "system/Observation.read",
            },
        )
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 300
        assert body["scope"] == "system/Observation.read"
        assert body["access_token"].startswith("sdf_")
        stored = session.scalars(select(FhirAccessToken)).one()
        assert body["access_token"] not in stored.token_hash
        assert session.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.SIGN_IN)
        ).all()

        headers = {"Authorization": f"Bearer {body['access_token']}"}
        refused = client.get("/fhir/Patient?_id=" + str(registered.id), headers=headers)
        assert refused.status_code == 403
        assert refused.json()["issue"][0]["code"] == "forbidden"

    def test_http_basic_and_all_the_clients_scopes(
        self, client: TestClient, session: Session
    ) -> None:
        registered, secret = make_fhir_client(
            session, make_recipient(session), scopes="system/Patient.read system/Observation.read"
        )
        session.commit()
        basic = base64.b64encode(f"{registered.client_id}:{secret}".encode()).decode()
        response = client.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["scope"] == "system/Observation.read system/Patient.read"

    def test_refusals(self, client: TestClient, session: Session) -> None:
        registered, secret = make_fhir_client(
            session, make_recipient(session), scopes="system/Observation.read"
        )
        session.commit()
        good = {"grant_type": "client_credentials", "client_id": registered.client_id}
        cases = [
            ({**good, "client_secret": "wrong"}, 401, "invalid_client"),
            ({**good, "client_id": "fhir-nobody", "client_secret": secret}, 401, "invalid_client"),
            ({**good, "client_secret": secret, "scope": "system/*.read"}, 400, "invalid_scope"),
            ({**good, "client_secret": secret, "scope": "system/Foo.read"}, 400, "invalid_scope"),
            (
                {**good, "client_secret": secret, "grant_type": "password"},
                400,
                "unsupported_grant_type",
            ),
            ({"client_id": registered.client_id, "client_secret": secret}, 400, "invalid_request"),
        ]
        for form, status, error in cases:
            response = client.post(TOKEN, data=form)
            assert (response.status_code, response.json()["error"]) == (status, error), form
        assert (
            client.post(
                TOKEN,
                data={"grant_type": "client_credentials"},
                headers={"Authorization": "Basic !!"},
            ).json()["error"]
            == "invalid_client"
        )
        failures = session.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.SIGN_IN_FAILED)
        ).all()
        assert len(failures) == 4

    def test_a_disabled_client_is_refused_and_its_tokens_stop(
        self, client: TestClient, session: Session
    ) -> None:
        registered, secret = make_fhir_client(session, make_recipient(session))
        issued = oauth.issue_token(
            session, client_id=registered.client_id, client_secret=secret, scope=""
        )
        oauth.disable_client(session, actor=SYSTEM, client_id=registered.client_id)
        session.commit()
        headers = {"Authorization": f"Bearer {issued.secret}"}
        assert client.get("/fhir/Patient?_id=x", headers=headers).status_code == 401
        response = client.post(
            TOKEN,
            data={
                "grant_type": "client_credentials",
                "client_id": registered.client_id,
                "client_secret": secret,
            },
        )
        assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
