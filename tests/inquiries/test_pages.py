"""The admissions pages through a browser's eyes: forms, redirects, field errors, roles."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.inquiries.models import Inquiry
from stepdown.inquiries.rules import InquiryStatus
from stepdown.programs.models import Site
from stepdown.security.roles import Role
from tests.factories import csrf_from, make_inquiry, make_site, make_user, sign_in


def _signed_in(client: TestClient, session: Session, role: Role, site: Site | None) -> None:
    user = make_user(session, role=role, site=site)
    session.commit()
    sign_in(client, user.username)


def _one_h1(html: str) -> None:
    assert html.count("<h1") == 1
    assert "<th>" not in html  # every header cell says its scope


def _every_input_labelled(html: str) -> None:
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if 'type="hidden"' in tag:
            continue
        found = re.search(r'id="([^"]+)"', tag)
        if found:
            assert f'for="{found.group(1)}"' in html, tag
        else:  # a checkbox inside its own <label>
            assert re.search(r"<label><input[^>]*" + re.escape(tag[6:]), html), tag


def test_board_groups_open_inquiries_by_status(client: TestClient, session: Session) -> None:
    site = make_site(session)
    waiting = make_inquiry(session, site=site, first_name="Waiting", urgency="urgent")
    make_inquiry(session, site=make_site(session), first_name="Elsewhere")
    _signed_in(client, session, Role.ADMISSIONS, site)
    page = client.get("/inquiries")
    assert page.status_code == 200
    _one_h1(page.text)
    assert "<h1>Inquiries</h1>" in page.text
    assert f'href="/inquiries/{waiting.id}"' in page.text
    assert "Elsewhere" not in page.text
    assert '<a href="/inquiries" aria-current="page">Inquiries</a>' in page.text
    assert 'New <span class="muted">(1)</span>' in page.text
    assert client.get("/inquiries?urgency=routine").text.count(str(waiting.id)) == 0
    bad = client.get("/inquiries?urgency=tomorrow")
    assert bad.status_code == 422
    assert "Urgency:" in bad.text


def test_new_inquiry_form_records_and_redirects(client: TestClient, session: Session) -> None:
    site = make_site(session)
    _signed_in(client, session, Role.ADMISSIONS, site)
    form = client.get("/inquiries/new")
    assert form.status_code == 200
    _one_h1(form.text)
    _every_input_labelled(form.text)
    assert f'<option value="{site.id}" selected>' in form.text
    assert 'value="None"' not in form.text
    response = client.post(
        "/inquiries/new",
        data={
            "csrf_token": csrf_from(form.text),
            "source": "phone",
            "caller_type": "self",
            "first_name": "Quill",
            "last_name": "Marsh",
            "substances": ["alcohol", "cannabis"],
            "urgency": "soon",
            "site_id": str(site.id),
            "assigned_to_id": "",
            "date_of_birth": "",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    inquiry = session.scalar(select(Inquiry).where(Inquiry.first_name == "Quill"))
    assert inquiry is not None
    assert inquiry.substances == ["alcohol", "cannabis"]
    assert response.headers["location"] == f"/inquiries/{inquiry.id}"
    detail = client.get(response.headers["location"])
    assert "Inquiry recorded." in detail.text


def test_bad_input_redisplays_the_form_with_the_field_named(
    client: TestClient, session: Session
) -> None:
    _signed_in(client, session, Role.DIRECTOR, None)
    form = client.get("/inquiries/new")
    response = client.post(
        "/inquiries/new",
        data={
            "csrf_token": csrf_from(form.text),
            "caller_type": "family",
            "first_name": "Tamsin",
            "phone": "not a number",
        },
    )
    assert response.status_code == 422
    assert "Caller&#39;s name (if not the person): Enter the caller" in response.text
    assert 'id="i-caller_name"' in response.text
    assert 'aria-invalid="true" aria-describedby="e-caller_name"' in response.text
    assert 'value="Tamsin"' in response.text  # what was typed is kept
    _one_h1(response.text)


def test_detail_offers_only_allowed_moves_and_moves(client: TestClient, session: Session) -> None:
    site = make_site(session)
    inquiry = make_inquiry(session, site=site)
    _signed_in(client, session, Role.ADMISSIONS, site)
    page = client.get(f"/inquiries/{inquiry.id}")
    assert page.status_code == 200
    _one_h1(page.text)
    _every_input_labelled(page.text)
    offered = re.findall(r'<option value="([a-z_]+)"', page.text)
    assert offered == ["contacted", "referred_out", "declined", "lost"]
    assert "/convert" not in page.text
    token = csrf_from(page.text)
    url = f"/inquiries/{inquiry.id}/status"
    missing = client.post(url, data={"csrf_token": token, "to_status": "declined"})
    assert missing.status_code == 422
    assert "Reason: Say why" in missing.text
    refused = client.post(url, data={"csrf_token": token, "to_status": "admitted"})
    assert refused.status_code == 409
    assert "cannot move to admitted" in refused.text
    moved = client.post(
        url, data={"csrf_token": token, "to_status": "contacted"}, follow_redirects=False
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/inquiries/{inquiry.id}"
    after = client.get(f"/inquiries/{inquiry.id}")
    assert "Moved to contacted." in after.text
    assert 'action="/inquiries/' + str(inquiry.id) + '/convert"' in after.text
    session.expire_all()
    assert inquiry.status is InquiryStatus.CONTACTED


def test_convert_redirects_to_the_client(client: TestClient, session: Session) -> None:
    site = make_site(session)
    inquiry = make_inquiry(session, site=site)
    _signed_in(client, session, Role.ADMISSIONS, site)
    page = client.get(f"/inquiries/{inquiry.id}")
    token = csrf_from(page.text)
    client.post(
        f"/inquiries/{inquiry.id}/status", data={"csrf_token": token, "to_status": "contacted"}
    )
    missing = client.post(f"/inquiries/{inquiry.id}/convert", data={"csrf_token": token})
    assert missing.status_code == 422
    assert "date of birth" in missing.text
    assert f'href="/inquiries/{inquiry.id}/edit"' in missing.text
    edit = client.get(f"/inquiries/{inquiry.id}/edit")
    _every_input_labelled(edit.text)
    values = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', edit.text))
    values.update(csrf_token=token, date_of_birth="1992-07-08", source="phone", caller_type="self")
    values.update(urgency="routine", site_id=str(site.id))
    saved = client.post(f"/inquiries/{inquiry.id}/edit", data=values, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    done = client.post(
        f"/inquiries/{inquiry.id}/convert", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    session.expire_all()
    assert inquiry.date_of_birth == date(1992, 7, 8)
    assert done.headers["location"] == f"/clients/{inquiry.client_id}"


@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.CLINICIAN])
def test_site_staff_read_but_do_not_write(role: Role, client: TestClient, session: Session) -> None:
    site = make_site(session)
    inquiry = make_inquiry(session, site=site)
    _signed_in(client, session, role, site)
    assert client.get("/inquiries").status_code == 200
    page = client.get(f"/inquiries/{inquiry.id}")
    assert page.status_code == 200
    assert "Next step" not in page.text
    assert client.get("/inquiries/new").status_code == 403
    token = csrf_from(page.text)
    move = {"csrf_token": token, "to_status": "contacted"}
    assert client.post(f"/inquiries/{inquiry.id}/status", data=move).status_code == 403
    assert client.post(f"/inquiries/{inquiry.id}/convert", data=move).status_code == 403


def test_clients_are_turned_away(client: TestClient, session: Session) -> None:
    _signed_in(client, session, Role.CLIENT, make_site(session))
    assert client.get("/inquiries").status_code == 403
    assert client.get("/inquiries/new").status_code == 403
    assert "Inquiries" not in client.get("/").text
