"""A new client reaches a caseload through the browser: the home list, take, assign."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.clients import care_team
from stepdown.kit.clock import today
from stepdown.security.roles import Role
from tests.factories import csrf_from, make_client, make_site, make_user, sign_in


def test_a_clinician_finds_a_waiting_client_on_home_and_takes_them(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, legal_first_name="Noor", legal_last_name="Haddad")
    session.commit()
    sign_in(client, clinician.username)
    home = client.get("/")
    assert "Waiting for a clinician (1)" in home.text
    assert "Noor Haddad" in home.text
    assert client.get(f"/clients/{person.id}").status_code == 404  # not theirs yet
    taken = client.post(f"/clients/{person.id}/take", data={"csrf_token": csrf_from(home.text)})
    assert taken.status_code == 200
    assert "Noor Haddad is now on your caseload." in taken.text
    again = client.get("/")
    assert "Waiting for a clinician (0)" in again.text
    assert f'href="/clients/{person.id}"' in again.text  # in "Your clients"


def test_the_director_assigns_from_the_chart(client: TestClient, session: Session) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site)
    session.commit()
    sign_in(client, director.username)
    home = client.get("/")
    assert f'href="/clients/{person.id}#care-team"' in home.text
    chart = client.get(f"/clients/{person.id}")
    assert 'id="care-team"' in chart.text
    bad = client.post(
        f"/clients/{person.id}/care-team",
        data={"csrf_token": csrf_from(chart.text), "primary_clinician": str(manager.id)},
    )
    assert bad.status_code == 422
    assert "choose an active clinician" in bad.text
    saved = client.post(
        f"/clients/{person.id}/care-team",
        data={
            "csrf_token": csrf_from(chart.text),
            "primary_clinician": str(clinician.id),
            "case_manager": str(manager.id),
        },
    )
    assert saved.status_code == 200
    assert "Care team saved." in saved.text
    session.expire_all()
    team = care_team.care_team(session, person)
    assert team.primary_clinician == clinician
    assert team.case_manager == manager


def test_a_case_manager_sees_the_team_but_cannot_change_it(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site)
    session.commit()
    sign_in(client, manager.username)
    chart = client.get(f"/clients/{person.id}")
    assert "Save care team" not in chart.text
    assert "Case manager" in chart.text
    refused = client.post(
        f"/clients/{person.id}/care-team",
        data={"csrf_token": csrf_from(chart.text), "case_manager": str(manager.id)},
    )
    assert refused.status_code == 403


def test_the_family_contact_is_offered_on_an_adolescents_chart_only(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    day = today()
    teen = make_client(
        session, site=site, date_of_birth=day.replace(year=day.year - 15, day=min(day.day, 28))
    )
    adult = make_client(session, site=site)
    session.commit()
    sign_in(client, director.username)
    assert "Family contact" not in client.get(f"/clients/{adult.id}").text
    chart = client.get(f"/clients/{teen.id}")
    assert '<label for="f-family_contact">Family contact</label>' in chart.text
    saved = client.post(
        f"/clients/{teen.id}/care-team",
        data={"csrf_token": csrf_from(chart.text), "family_contact": str(manager.id)},
    )
    assert saved.status_code == 200
    session.expire_all()
    assert care_team.care_team(session, teen).family_contact == manager
