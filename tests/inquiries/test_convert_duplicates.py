"""Converting an inquiry checks for the caller already being on record, before anything is
created: the page shows the likely matches, the API refuses with their record numbers."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.inquiries import service
from stepdown.inquiries.rules import InquiryStatus
from stepdown.programs.models import Site
from stepdown.security.roles import Role
from tests.factories import (
    SYSTEM,
    bearer,
    csrf_from,
    make_client,
    make_inquiry,
    make_site,
    make_user,
    sign_in,
)


def _clients(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Client)) or 0


def _lookalike(session: Session) -> tuple[Client, uuid.UUID, Site]:
    site = make_site(session)
    existing = make_client(
        session,
        site=site,
        legal_first_name="Marisol",
        legal_last_name="Vega",
        date_of_birth=date(1988, 11, 3),
    )
    inquiry = make_inquiry(
        session,
        site=site,
        first_name="Marisól",
        last_name="Vega",
        date_of_birth="1988-11-03",
    )
    service.move_status(
        session,
        actor=SYSTEM,
        inquiry_id=inquiry.id,
        change=service.StatusChangeCreate(to_status=InquiryStatus.CONTACTED),
    )
    return existing, inquiry.id, site


def test_service_refuses_then_admits_once_confirmed(session: Session) -> None:
    existing, inquiry_id, _ = _lookalike(session)
    before = _clients(session)
    with pytest.raises(service.LikelyDuplicates) as refused:
        service.convert_to_client(session, actor=SYSTEM, inquiry_id=inquiry_id)
    assert [c.record_number for c in refused.value.candidates] == [existing.record_number]
    assert existing.record_number in refused.value.message
    assert _clients(session) == before
    made = service.convert_to_client(
        session, actor=SYSTEM, inquiry_id=inquiry_id, not_duplicate=True
    )
    assert made.id != existing.id
    assert _clients(session) == before + 1


def test_page_shows_matches_and_links_to_the_existing_record(
    client: TestClient, session: Session
) -> None:
    existing, inquiry_id, site = _lookalike(session)
    user = make_user(session, role=Role.ADMISSIONS, site=site)
    session.commit()
    sign_in(client, user.username)
    token = csrf_from(client.get(f"/inquiries/{inquiry_id}").text)
    before = _clients(session)
    shown = client.post(f"/inquiries/{inquiry_id}/convert", data={"csrf_token": token})
    assert shown.status_code == 409
    assert "This may be someone already on record" in shown.text
    assert existing.record_number in shown.text
    assert "same name and date of birth" in shown.text
    assert _clients(session) == before
    linked = client.post(
        f"/inquiries/{inquiry_id}/link",
        data={"csrf_token": token, "client_id": str(existing.id)},
        follow_redirects=False,
    )
    assert linked.status_code == 303
    assert linked.headers["location"] == f"/clients/{existing.id}"
    session.expire_all()
    assert _clients(session) == before


def test_page_admits_someone_else_when_told(client: TestClient, session: Session) -> None:
    _, inquiry_id, site = _lookalike(session)
    user = make_user(session, role=Role.ADMISSIONS, site=site)
    session.commit()
    sign_in(client, user.username)
    token = csrf_from(client.get(f"/inquiries/{inquiry_id}").text)
    done = client.post(
        f"/inquiries/{inquiry_id}/convert",
        data={"csrf_token": token, "not_duplicate": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith("/clients/")


def test_api_refuses_with_record_numbers(client: TestClient, session: Session) -> None:
    existing, inquiry_id, site = _lookalike(session)
    headers = bearer(session, make_user(session, role=Role.ADMISSIONS, site=site))
    session.commit()
    refused = client.post(f"/api/v1/inquiries/{inquiry_id}/convert", headers=headers)
    assert refused.status_code == 409
    assert existing.record_number in refused.json()["detail"]
    done = client.post(
        f"/api/v1/inquiries/{inquiry_id}/convert?not_duplicate=true", headers=headers
    )
    assert done.status_code == 201, done.text


def test_chart_carries_what_the_call_gathered(client: TestClient, session: Session) -> None:
    site = make_site(session)
    inquiry = make_inquiry(
        session,
        site=site,
        date_of_birth="1979-05-06",
        caller_type="family",
        caller_name="Ana Ruiz",
        caller_relationship="sister",
        payer_name="Example Health Plan",
        member_id="XK-99812",
        substances=["alcohol", "opioids"],
    )
    service.move_status(
        session,
        actor=SYSTEM,
        inquiry_id=inquiry.id,
        change=service.StatusChangeCreate(to_status=InquiryStatus.CONTACTED),
    )
    made = service.convert_to_client(session, actor=SYSTEM, inquiry_id=inquiry.id)
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    chart = client.get(f"/clients/{made.id}").text
    assert "From the admission call" in chart
    for shown in ("Ana Ruiz", "(sister)", "Example Health Plan", "XK-99812", "Alcohol, Opioids"):
        assert shown in chart


def test_the_care_team_is_chosen_at_admission(client: TestClient, session: Session) -> None:
    site = make_site(session)
    inquiry = make_inquiry(session, site=site, date_of_birth="1991-02-03")
    service.move_status(
        session,
        actor=SYSTEM,
        inquiry_id=inquiry.id,
        change=service.StatusChangeCreate(to_status=InquiryStatus.CONTACTED),
    )
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    admissions = make_user(session, role=Role.ADMISSIONS, site=site)
    session.commit()
    sign_in(client, admissions.username)
    page = client.get(f"/inquiries/{inquiry.id}").text
    assert f'<option value="{clinician.id}">' in page
    token = csrf_from(page)
    wrong = client.post(
        f"/inquiries/{inquiry.id}/convert",
        data={"csrf_token": token, "primary_clinician": "not-an-id"},
    )
    assert wrong.status_code == 422
    done = client.post(
        f"/inquiries/{inquiry.id}/convert",
        data={"csrf_token": token, "primary_clinician": str(clinician.id)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    session.expire_all()
    made = session.get(Client, uuid.UUID(done.headers["location"].rsplit("/", 1)[1]))
    assert made is not None
    assert made.primary_clinician_id == clinician.id
