"""The set-up pages as an administrator uses them, and who may open them."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.continuum import service as continuum_service
from stepdown.programs import service as programs_service
from stepdown.security.roles import Role
from tests.factories import (
    SYSTEM,
    csrf_from,
    make_client,
    make_episode,
    make_site,
    make_user,
    sign_in,
)


def _signed_in(client: TestClient, session: Session, role: Role = Role.ADMIN) -> str:
    user = make_user(session, role=role)
    session.commit()
    sign_in(client, user.username)
    return csrf_from(client.get("/setup").text) if role in (Role.ADMIN, Role.DIRECTOR) else ""


@pytest.mark.parametrize("role", [Role.ADMIN, Role.DIRECTOR])
def test_the_checklist_opens_for_administrators_and_directors(
    client: TestClient, session: Session, role: Role
) -> None:
    _signed_in(client, session, role)
    page = client.get("/setup")
    assert page.status_code == 200
    assert 'id="step-sites"' in page.text
    assert 'href="/setup"' in page.text  # in the menu


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.ADMISSIONS, Role.CLIENT])
def test_other_roles_get_a_403(client: TestClient, session: Session, role: Role) -> None:
    _signed_in(client, session, role)
    for path in ("/setup", "/setup/program", "/setup/sites"):
        assert client.get(path).status_code == 403, path


def test_program_details_show_in_the_header_once_saved(
    client: TestClient, session: Session
) -> None:
    programs_service.create_program(
        session, actor=SYSTEM, name="Harbor", time_zone="America/Chicago"
    )
    token = _signed_in(client, session)
    refused = client.post(
        "/setup/program",
        data={"csrf_token": token, "name": "Harbor", "phone": "call us", "address": ""},
    )
    assert refused.status_code == 422
    assert "Phone:" in refused.text
    assert 'value="call us"' in refused.text
    saved = client.post(
        "/setup/program",
        data={
            "csrf_token": token,
            "name": "Harbor Street Recovery",
            "phone": "555-0142",
            "address": "1 Dock Road\nPortland",
        },
    )
    assert saved.status_code == 200
    assert '<a class="brand" href="/">Harbor Street Recovery</a>' in saved.text
    assert "America/Chicago" in client.get("/setup/program").text


def test_a_site_is_added_edited_and_closed_after_confirmation(
    client: TestClient, session: Session
) -> None:
    token = _signed_in(client, session)
    bad = client.post(
        "/setup/sites", data={"csrf_token": token, "code": "no spaces", "name": "North"}
    )
    assert bad.status_code == 422
    assert "Code:" in bad.text
    added = client.post(
        "/setup/sites",
        data={"csrf_token": token, "code": "n1", "name": "North", "phone": "555-0101"},
    )
    assert added.status_code == 200
    assert "Site N1 added." in added.text
    site = programs_service.site_by_code(session, "N1")
    assert site is not None
    edited = client.post(
        f"/setup/sites/{site.id}",
        data={"csrf_token": token, "code": "N1", "name": "North Clinic", "address": "1 North Way"},
    )
    assert edited.status_code == 200
    assert "North Clinic" in edited.text
    asked = client.post(
        f"/setup/sites/{site.id}/close", data={"csrf_token": token, "closed_on": "2027-03-01"}
    )
    assert asked.status_code == 200
    assert "Close site N1?" in asked.text
    session.expire_all()
    unconfirmed = programs_service.get_site(session, site.id)
    assert unconfirmed is not None
    assert unconfirmed.closed_on is None
    closed = client.post(
        f"/setup/sites/{site.id}/close",
        data={"csrf_token": token, "closed_on": "2027-03-01", "confirmed": "yes"},
    )
    assert closed.status_code == 200
    assert "Site N1 closes on March 1, 2027." in closed.text
    session.expire_all()
    reread = programs_service.get_site(session, site.id)
    assert reread is not None
    assert reread.closed_on == date(2027, 3, 1)


def test_closing_a_site_in_use_says_who_is_left(client: TestClient, session: Session) -> None:
    site = make_site(session)
    make_episode(session, client=make_client(session, site=site))
    token = _signed_in(client, session)
    refused = client.post(
        f"/setup/sites/{site.id}/close",
        data={"csrf_token": token, "closed_on": "2027-03-01", "confirmed": "yes"},
    )
    assert refused.status_code == 409
    assert "1 client(s) in care" in refused.text


def test_a_closing_day_out_of_range_is_refused_by_field(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    token = _signed_in(client, session)
    refused = client.post(
        f"/setup/sites/{site.id}/close", data={"csrf_token": token, "closed_on": "9999-01-01"}
    )
    assert refused.status_code == 422
    assert "Closes on:" in refused.text


def test_an_administrator_adds_a_partner_and_stops_offering_it(
    client: TestClient, session: Session
) -> None:
    token = _signed_in(client, session)
    refused = client.post(
        "/levels/partners",
        data={"csrf_token": token, "name": "Lakeside Detox", "level": "IOP"},
    )
    assert refused.status_code == 422
    assert "provided here, not by partners" in refused.text
    added = client.post(
        "/levels/partners",
        data={
            "csrf_token": token,
            "name": "Lakeside Detox",
            "level": "DETOX",
            "phone": "555-0190",
        },
    )
    assert added.status_code == 200
    assert "Lakeside Detox added as a partner provider." in added.text
    partner = next(p for p in continuum_service.partners(session) if p.name == "Lakeside Detox")
    stopped = client.post(
        f"/levels/partners/{partner.id}/active", data={"csrf_token": token, "active": "no"}
    )
    assert "no longer offered for new referrals" in stopped.text
    session.expire_all()
    assert not partner.is_active
