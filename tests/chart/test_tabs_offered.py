"""Every tab the chart offers a role opens for that role: a tab that answers 403 is not
offered (a walk of the demo found admissions refused on Placement)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.clients.access import CLIENTS_READ
from stepdown.security.roles import STAFF_ROLES, Role
from tests.factories import make_client, make_episode, make_site, make_user, sign_in


@pytest.mark.parametrize(
    "role", sorted((r for r in STAFF_ROLES if CLIENTS_READ.allows(r)), key=lambda r: r.value)
)
def test_every_offered_tab_opens(client: TestClient, session: Session, role: Role) -> None:
    site = make_site(session)
    user = make_user(session, role=role, site=site)
    person = make_client(session, site=site, clinician=user if role is Role.CLINICIAN else None)
    make_episode(session, client=person)
    session.commit()
    sign_in(client, user.username)
    chart = client.get(f"/clients/{person.id}")
    assert chart.status_code == 200
    offered = re.findall(rf'href="/clients/{person.id}\?tab=([a-z_-]+)"', chart.text)
    assert offered
    refused = {
        tab: status
        for tab in offered
        if (status := client.get(f"/clients/{person.id}?tab={tab}").status_code) != 200
    }
    assert refused == {}
