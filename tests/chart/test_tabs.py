"""Every chart tab a role is shown opens for that role: a link is never a way to a 403."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.chart import service as chart_service
from stepdown.clients.access import CLIENTS_READ
from stepdown.security.roles import USER_ROLES, Role
from tests.factories import make_client, make_episode, make_site, make_user, sign_in

TAB_LINK = re.compile(r'href="/clients/[0-9a-f-]+\?tab=([a-z_]+)"')
CHART_ROLES = [role for role in USER_ROLES if CLIENTS_READ.allows(role)]


@pytest.mark.parametrize("role", CHART_ROLES, ids=lambda r: r.value)
def test_every_tab_shown_opens(role: Role, client: TestClient, session: Session) -> None:
    site = make_site(session)
    user = make_user(session, role=role, site=site)
    clinician = user if role is Role.CLINICIAN else make_user(session, site=site)
    person = make_client(session, site=site, clinician=clinician)
    make_episode(session, client=person)
    session.commit()
    sign_in(client, user.username)
    chart = client.get(f"/clients/{person.id}")
    assert chart.status_code == 200, chart.text
    shown = TAB_LINK.findall(chart.text)
    assert "overview" in shown
    refused = {}
    for key in shown:
        page = client.get(f"/clients/{person.id}?tab={key}")
        if page.status_code != 200:
            refused[key] = page.status_code
    assert not refused, f"{role.value} is shown tabs it cannot open: {refused}"


def test_each_of_the_charts_own_tabs_names_its_policy() -> None:
    assert [key for key, _ in chart_service.TABS] == list(chart_service.TAB_POLICIES)


def test_a_hidden_tab_asked_for_by_address_is_refused(client: TestClient, session: Session) -> None:
    site = make_site(session)
    admin = make_user(session, role=Role.ADMIN, site=site)
    person = make_client(session, site=site, clinician=make_user(session, site=site))
    session.commit()
    sign_in(client, admin.username)
    chart = client.get(f"/clients/{person.id}")
    assert "?tab=assessments" not in chart.text
    assert client.get(f"/clients/{person.id}?tab=assessments").status_code == 403
    unknown = client.get(f"/clients/{person.id}?tab=nonsense")
    assert unknown.status_code == 200
    assert f'href="/clients/{person.id}?tab=overview" aria-current="page"' in unknown.text
