"""The Authorizations tab: UR requests an IOP authorization, records an approval of 10 days,
and the tab shows the days left as attendance uses them; a refused form names its field; a
clinician reads the balance and cannot change it."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.attendance import service as attendance_service
from stepdown.attendance.models import AttendanceStatus
from stepdown.authorizations.models import Authorization
from stepdown.coverage import service as coverage_service
from stepdown.kit.clock import today
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.coverage.factories import make_coverage, make_payer
from tests.factories import (
    csrf_from,
    make_client,
    make_episode,
    make_occurrence,
    make_site,
    make_user,
    sign_in,
)


def test_ur_records_an_approval_and_attendance_uses_it(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    review = make_user(session, role=Role.UTILIZATION_REVIEW, site=site)
    person = make_client(session, site=site, clinician=clinician)
    episode = make_episode(session, client=person, on=today() - timedelta(days=14))
    owner = coverage_service.Owner(client_id=person.id)
    coverage = str(make_coverage(session, owner, make_payer(session), member_id="W7").id)
    session.commit()
    sign_in(client, review.username)
    tab = f"/clients/{person.id}?tab=authorizations"
    page = client.get(tab)
    assert "No authorization on file." in page.text
    token = csrf_from(page.text)
    assert f'value="{coverage}"' in page.text  # offered in the request form
    start = today() - timedelta(days=7)
    refused = client.post(
        f"/episodes/{episode.id}/authorizations",
        data={
            "csrf_token": token,
            "coverage_id": coverage,
            "level_code": "IOP",
            "unit_type": "day",
            "requested_units": "10",
            "starts_on": start.isoformat(),
            "ends_on": (start - timedelta(days=1)).isoformat(),
        },
    )
    assert refused.status_code == 422
    assert "the authorization cannot end before it starts" in refused.text
    done = client.post(
        f"/episodes/{episode.id}/authorizations",
        data={
            "csrf_token": token,
            "coverage_id": coverage,
            "level_code": "IOP",
            "unit_type": "day",
            "requested_units": "10",
            "codes": "S9480",
            "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=27)).isoformat(),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    found = session.scalars(select(Authorization)).one()
    approved = client.post(
        f"/authorizations/{found.id}/decision",
        data={
            "csrf_token": token,
            "status": "approved",
            "approved_units": "10",
            "auth_number": "IOP-2231",
            "next_review_on": (today() + timedelta(days=5)).isoformat(),
        },
        follow_redirects=False,
    )
    assert approved.status_code == 303
    for back in (6, 5, 4):
        occurrence = make_occurrence(
            session,
            site=site,
            leader=clinician,
            day=today() - timedelta(days=back),
            clients=[person],
        )
        attendance_service.record_attendance(
            session,
            actor=security_service.actor_for(clinician),
            occurrence_id=occurrence.id,
            entries=[attendance_service.Entry(person.id, AttendanceStatus.PRESENT)],
        )
    session.commit()
    page = client.get(tab).text
    assert "7 of 10 days remaining" in page
    assert "3 used by attendance" in page
    census = client.get("/census").text
    assert "7 of 10 days left" in census

    client.cookies.clear()
    sign_in(client, clinician.username)
    page = client.get(tab).text
    assert "7 of 10 days remaining" in page
    assert "Record the request" not in page
    refused = client.post(
        f"/authorizations/{found.id}/decision",
        data={"csrf_token": csrf_from(page), "status": "cancelled"},
    )
    assert refused.status_code == 403
