"""The OpenAPI document agrees with the answers the app gives (issue 12)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_user


def _document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def test_422_is_our_error_body(app: FastAPI) -> None:
    document = _document(app)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert {"error", "detail", "field", "errors"} <= set(
        schemas["ValidationErrorBody"]["properties"]
    )
    answer = document["paths"]["/api/v1/audit"]["get"]["responses"]["422"]
    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/ValidationErrorBody")


def test_refusals_are_documented_where_they_can_happen(app: FastAPI) -> None:
    paths = _document(app)["paths"]
    listed = paths["/api/v1/audit/verify"]["get"]["responses"]
    assert {"401", "403"} <= set(listed)
    assert "404" not in listed
    assert "409" not in listed
    one = paths["/api/v1/alumni/events/{event_id}"]["put"]["responses"]
    assert {"401", "403", "404", "409", "422"} <= set(one)
    assert one["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "401" not in paths["/healthz"]["get"]["responses"]


def test_the_validation_answer_matches_the_document(client: TestClient, session: Session) -> None:
    user = make_user(session, role=Role.DIRECTOR)
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=user.username, name="t"
    )
    session.commit()
    answer = client.get("/api/v1/audit?limit=0", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 422
    body = answer.json()
    assert set(body) == {"error", "detail", "field", "errors"}
    assert body["field"] == "limit"
    assert body["errors"][0]["field"] == "limit"


def test_a_405_says_which_methods_are_allowed(client: TestClient) -> None:
    answer = client.delete("/healthz")
    assert answer.status_code == 405
    assert "GET" in answer.headers["allow"]
    page = client.request("PATCH", "/sign-in", headers={"accept": "text/html"})
    assert page.status_code == 405
    assert "allow" in page.headers
