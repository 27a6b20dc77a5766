"""The accounting as a page: staff print it for a client, the client reads their own."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.clients import service as clients_service
from stepdown.consents.models import Purpose
from stepdown.disclosures import gate
from stepdown.disclosures.models import Channel
from stepdown.security.roles import Role
from tests.disclosures.factories import COURT, released
from tests.factories import SYSTEM, make_client, make_site, make_user, sign_in


def test_staff_and_the_client_see_the_accounting(client: TestClient, session: Session) -> None:
    r = released(session)
    r.consent()
    gate.disclose(
        session,
        actor=r.staff,
        client_id=r.client.id,
        recipient_id=r.officer.recipient_id,
        purpose=Purpose.COURT_SUPERVISION,
        classes=COURT,
        channel=Channel.ACCOUNTABILITY_SUMMARY,
        description="accountability summary",
    )
    portal_user = make_user(session, role=Role.CLIENT)
    clients_service.link_portal_account(
        session, actor=SYSTEM, client=r.client, user_id=portal_user.id
    )
    other = make_client(session, site=make_site(session))
    session.commit()
    sign_in(client, r.clinician.username)
    page = client.get(f"/clients/{r.client.id}/disclosures")
    assert page.status_code == 200
    assert "Pat Officer (County Probation)" in page.text
    assert "Drug test results" in page.text
    assert (
        client.get(f"/clients/{r.client.id}/disclosures", params={"start": "x"}).status_code == 422
    )
    client.cookies.clear()
    sign_in(client, portal_user.username)
    own = client.get("/portal/disclosures")
    assert own.status_code == 200
    assert "Who received my records" in own.text
    assert "Pat Officer (County Probation)" in own.text
    assert client.get(f"/clients/{other.id}/disclosures").status_code == 403
