"""Reading draws and orders over the JSON API; clients may read neither."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.kit.clock import today
from stepdown.security import service as security_service
from stepdown.security.roles import USER_ROLES, Role
from tests.drug_testing.test_service import admitted, drawn
from tests.factories import SYSTEM, make_site, make_user


def _headers(session: Session, role: Role) -> dict[str, str]:
    person = make_user(session, role=role)
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=person.username, name="t"
    )
    return {"Authorization": f"Bearer {secret}"}


def test_director_reads_the_draw_and_a_clients_orders(client: TestClient, session: Session) -> None:
    site = make_site(session)
    person = admitted(session, site)
    draw = drawn(session, site, rate=5.0)
    headers = _headers(session, Role.DIRECTOR)
    session.commit()
    draws = client.get(
        "/api/v1/testing/draws",
        params={"site": site.code, "day": today().isoformat()},
        headers=headers,
    )
    assert draws.status_code == 200, draws.text
    [read] = draws.json()
    assert (read["id"], read["draw_hash"], read["selected_count"]) == (
        str(draw.id),
        draw.draw_hash,
        1,
    )
    assert "selected" not in read
    orders = client.get(
        "/api/v1/testing/orders", params={"client_id": str(person.id)}, headers=headers
    )
    assert orders.status_code == 200
    assert [(o["reason"], o["draw_id"]) for o in orders.json()] == [("random", str(draw.id))]


@pytest.mark.parametrize("path", ["/api/v1/testing/draws", "/api/v1/testing/orders"])
def test_clients_may_not_read(client: TestClient, session: Session, path: str) -> None:
    headers = _headers(session, Role.CLIENT)
    session.commit()
    assert client.get(path, headers=headers).status_code == 403


@pytest.mark.parametrize("role", USER_ROLES, ids=lambda r: r.value)
def test_only_director_clinician_and_case_manager_read_draws(
    client: TestClient, session: Session, role: Role
) -> None:
    headers = _headers(session, role)
    session.commit()
    status = client.get("/api/v1/testing/draws", headers=headers).status_code
    assert status == (200 if role in {Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER} else 403)
