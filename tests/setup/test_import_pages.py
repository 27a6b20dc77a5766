"""The import pages as an administrator uses them: upload, preview, confirm; and who may."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.kit.clock import today
from stepdown.security.roles import Role
from tests.factories import csrf_from, make_site, make_user, sign_in

PAYLOAD = re.compile(r'name="payload" value="([^"]*)"')


def _signed_in(client: TestClient, session: Session, role: Role = Role.ADMIN) -> str:
    user = make_user(session, role=role)
    session.commit()
    sign_in(client, user.username)
    return csrf_from(client.get("/").text)


def _upload(
    client: TestClient, token: str, kind: str, content: bytes, name: str = "import.csv"
) -> str:
    response = client.post(
        "/setup/import",
        data={"csrf_token": token, "kind": kind},
        files={"file": (name, content, "text/csv")},
    )
    return f"{response.status_code}\n{response.text}"


def _clients(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Client)) or 0


@pytest.fixture
def north(session: Session) -> None:
    make_site(session, code="NORTH", name="North clinic")
    session.commit()


@pytest.mark.usefixtures("north")
def test_upload_preview_confirm_creates_the_clients(client: TestClient, session: Session) -> None:
    token = _signed_in(client, session)
    admitted = (today() - timedelta(days=7)).isoformat()
    content = (
        "\ufeffFirst name,Last name,DOB,Site,Level,Admission date\n"
        f"Ana,Diaz,03/04/1988,NORTH,PHP,{admitted}\n"
        "Bo,Park,1990-01-02,North clinic,,\n"
    ).encode()
    before = _clients(session)

    preview = client.post(
        "/setup/import",
        data={"csrf_token": token, "kind": "clients"},
        files={"file": ("clients.csv", content, "text/csv")},
    )
    assert preview.status_code == 200
    assert 'id="accepted"' in preview.text
    assert "Ana" in preview.text
    assert "PHP (day) from" in preview.text
    assert "Import 2 row(s)" in preview.text
    session.expire_all()
    assert _clients(session) == before  # nothing until confirmed

    payload = PAYLOAD.search(preview.text)
    assert payload is not None
    done = client.post(
        "/setup/import/confirm",
        data={
            "csrf_token": token,
            "kind": "clients",
            "filename": "clients.csv",
            "payload": payload.group(1),
        },
    )
    assert done.status_code == 200
    assert "Imported 2 clients" in done.text
    assert "PHP from" in done.text
    assert done.headers["Cache-Control"] == "no-store"
    session.expire_all()
    assert _clients(session) == before + 2

    again = client.post(
        "/setup/import/confirm",
        data={
            "csrf_token": token,
            "kind": "clients",
            "filename": "clients.csv",
            "payload": payload.group(1),
        },
    )
    assert again.status_code == 409  # now each row is a client on file
    assert "already on file" in again.text
    session.expire_all()
    assert _clients(session) == before + 2


@pytest.mark.usefixtures("north")
def test_staff_passwords_are_shown_once(client: TestClient, session: Session) -> None:
    token = _signed_in(client, session)
    content = b"username,display_name,role,site\nnew.clin,New Clinician,Clinician,NORTH\n"
    preview = client.post(
        "/setup/import",
        data={"csrf_token": token, "kind": "staff"},
        files={"file": ("staff.csv", content, "text/csv")},
    )
    payload = PAYLOAD.search(preview.text)
    assert payload is not None
    done = client.post(
        "/setup/import/confirm",
        data={
            "csrf_token": token,
            "kind": "staff",
            "filename": "staff.csv",
            "payload": payload.group(1),
        },
    )
    assert done.status_code == 200
    assert re.search(r'class="password-once">[a-z0-9]{5}(-[a-z0-9]{5}){3}<', done.text)
    assert done.headers["Cache-Control"] == "no-store"


@pytest.mark.usefixtures("north")
def test_a_refused_file_shows_row_field_and_reason_and_no_confirm(
    client: TestClient, session: Session
) -> None:
    token = _signed_in(client, session)
    content = b"first_name,last_name,date_of_birth,site\nAna,Diaz,1988-02-30,NORTH\n"
    page = _upload(client, token, "clients", content)
    assert page.startswith("200\n")
    assert 'id="refused"' in page
    assert "<td>2</td><td><code>date_of_birth</code></td>" in page
    assert "not a date on the calendar" in page
    assert 'name="payload"' not in page


def test_a_latin1_or_corrupt_file_is_refused_with_a_message(
    client: TestClient, session: Session
) -> None:
    token = _signed_in(client, session)
    latin1 = _upload(client, token, "clients", "first_name\nJosé\n".encode("latin-1"))
    assert latin1.startswith("422\n")
    assert "is not UTF-8" in latin1
    corrupt = _upload(client, token, "clients", b"PK\x03\x04 broken", name="clients.xlsx")
    assert corrupt.startswith("422\n")
    assert "not a zip file" in corrupt


def test_a_tampered_confirmation_is_refused(client: TestClient, session: Session) -> None:
    token = _signed_in(client, session)
    refused = client.post(
        "/setup/import/confirm",
        data={"csrf_token": token, "kind": "clients", "filename": "x.csv", "payload": "!!notit"},
    )
    assert refused.status_code == 422
    assert "upload the file again" in refused.text


def test_the_confirmation_needs_the_csrf_token(client: TestClient, session: Session) -> None:
    _signed_in(client, session)
    refused = client.post(
        "/setup/import/confirm", data={"kind": "clients", "filename": "x.csv", "payload": "x"}
    )
    assert refused.status_code == 403


def test_a_director_imports_clients_but_not_accounts(client: TestClient, session: Session) -> None:
    token = _signed_in(client, session, Role.DIRECTOR)
    page = client.get("/setup/import")
    assert page.status_code == 200
    assert 'value="clients"' in page.text
    assert 'value="staff"' not in page.text
    refused = _upload(client, token, "staff", b"username,display_name,role\nab1,A,clinician\n")
    assert refused.startswith("422\n")
    assert "only an administrator imports staff accounts" in refused


def test_the_checklist_links_to_the_import(client: TestClient, session: Session) -> None:
    _signed_in(client, session)
    assert 'href="/setup/import"' in client.get("/setup").text


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.ADMISSIONS, Role.UTILIZATION_REVIEW])
def test_other_roles_get_a_403(client: TestClient, session: Session, role: Role) -> None:
    token = _signed_in(client, session, role)
    assert client.get("/setup/import").status_code == 403
    posted = client.post(
        "/setup/import",
        data={"csrf_token": token, "kind": "clients"},
        files={"file": ("c.csv", b"first_name\nA\n", "text/csv")},
    )
    assert posted.status_code == 403
    confirmed = client.post(
        "/setup/import/confirm",
        data={"csrf_token": token, "kind": "clients", "filename": "c.csv", "payload": "x"},
    )
    assert confirmed.status_code == 403
