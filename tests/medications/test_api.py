"""Medications over the JSON API and on the chart tab, with refusals naming their field."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.kit.clock import today
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import SYSTEM, csrf_from, make_client, make_site, make_user, sign_in


def _headers(session: Session, role: Role) -> tuple[dict[str, str], object]:
    person = make_user(session, role=role)
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=person.username, name="t"
    )
    return {"Authorization": f"Bearer {secret}"}, person


def test_add_list_and_stop_over_the_api(client: TestClient, session: Session) -> None:
    person = make_client(session, site=make_site(session))
    headers, _ = _headers(session, Role.DIRECTOR)
    session.commit()
    url = f"/api/v1/clients/{person.id}/medications"
    added = client.post(
        url,
        json={"name": "Suboxone 8 mg/2 mg", "prescriber": "Dr. A", "starts_on": str(today())},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    assert (added.json()["analytes"], added.json()["is_mat"]) == (["buprenorphine"], True)
    listed = client.get(url, headers=headers).json()
    assert [m["name"] for m in listed] == ["Suboxone 8 mg/2 mg"]
    stopped = client.post(
        f"/api/v1/medications/{listed[0]['id']}/stop",
        json={"ends_on": str(today()), "reason": "switched"},
        headers=headers,
    )
    assert stopped.status_code == 200
    assert stopped.json()["ends_on"] == str(today())


def test_a_refusal_is_422_naming_the_field(client: TestClient, session: Session) -> None:
    person = make_client(session, site=make_site(session))
    headers, _ = _headers(session, Role.DIRECTOR)
    session.commit()
    response = client.post(
        f"/api/v1/clients/{person.id}/medications",
        json={"name": "Methadone", "prescriber": "  ", "starts_on": str(today())},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "prescriber"


def test_case_managers_read_but_do_not_add(client: TestClient, session: Session) -> None:
    site = make_site(session)
    person = make_client(session, site=site)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=manager.username, name="t"
    )
    headers = {"Authorization": f"Bearer {secret}"}
    session.commit()
    url = f"/api/v1/clients/{person.id}/medications"
    assert client.get(url, headers=headers).status_code == 200
    body = {"name": "Methadone", "prescriber": "Dr. A", "starts_on": str(today())}
    assert client.post(url, json=body, headers=headers).status_code == 403


def test_the_chart_tab_adds_a_medication_and_shows_a_refused_field(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    session.commit()
    sign_in(client, clinician.username)
    page = client.get(f"/clients/{person.id}?tab=medications")
    assert page.status_code == 200
    assert "Add a medication" in page.text
    token = csrf_from(page.text)
    form = {
        "csrf_token": token,
        "name": "Clonazepam 0.5 mg",
        "prescriber": "Dr. B",
        "starts_on": str(today()),
        "ends_on": "",
        "is_mat": "",
    }
    added = client.post(f"/clients/{person.id}/medications", data=form, follow_redirects=False)
    assert added.status_code == 303
    shown = client.get(f"/clients/{person.id}?tab=medications").text
    assert "Clonazepam 0.5 mg" in shown
    assert "benzodiazepines" in shown
    refused = client.post(f"/clients/{person.id}/medications", data=form | {"starts_on": "soon"})
    assert refused.status_code == 422
    assert "Starts on:" in refused.text
    assert 'value="Clonazepam 0.5 mg"' in refused.text  # what was typed is kept


def test_the_chart_tab_stops_a_medication_and_refuses_a_last_day_before_the_first(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    person = make_client(session, site=site)
    session.commit()
    sign_in(client, director.username)
    page = client.get(f"/clients/{person.id}?tab=medications")
    token = csrf_from(page.text)
    client.post(
        f"/clients/{person.id}/medications",
        data={
            "csrf_token": token,
            "name": "Methadone 60 mg",
            "prescriber": "Dr. C",
            "starts_on": str(today()),
            "ends_on": "",
            "is_mat": "",
        },
    )
    medication_id = client.get(
        f"/api/v1/clients/{person.id}/medications", headers={"x-csrf-token": token}
    ).json()[0]["id"]
    early = client.post(
        f"/medications/{medication_id}/stop",
        data={"csrf_token": token, "client_id": str(person.id), "ends_on": "2000-01-01"},
    )
    assert early.status_code == 422
    assert "<strong>Ends on:</strong>" in early.text
    stopped = client.post(
        f"/medications/{medication_id}/stop",
        data={"csrf_token": token, "client_id": str(person.id), "ends_on": str(today())},
        follow_redirects=False,
    )
    assert stopped.status_code == 303
    assert "ongoing" not in client.get(f"/clients/{person.id}?tab=medications").text


def test_the_chart_tab_flags_a_name_the_table_does_not_recognise(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    session.commit()
    sign_in(client, clinician.username)
    token = csrf_from(client.get(f"/clients/{person.id}?tab=medications").text)
    for name in ("Foozamine 10 mg", "Methadose 40 mg dispersible"):
        form = {
            "csrf_token": token,
            "name": name,
            "prescriber": "Dr. D",
            "starts_on": str(today()),
            "ends_on": "",
            "is_mat": "",
        }
        added = client.post(f"/clients/{person.id}/medications", data=form)
        assert added.status_code == 200, added.text
    shown = client.get(f"/clients/{person.id}?tab=medications").text
    flag = "not recognised: analytes not explained"
    assert shown.count(flag) == 1
    assert flag in shown.split("Foozamine 10 mg", 1)[1].split("</td>", 1)[0]
