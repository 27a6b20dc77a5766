"""The Assessments tab in the browser's terms: administer through the form, see the error
named with answers kept, see the alert banner on every tab until it is acknowledged."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import Role
from tests.factories import csrf_from, make_client, make_response, make_site, make_user, sign_in

PHQ9_ITEM9_AT_2 = {f"item_{n}": "1" for n in range(1, 9)} | {"item_9": "2"}


def test_administer_phq9_through_the_form(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    session.commit()
    sign_in(client, clinician.username)
    tab = client.get(f"/clients/{person.id}?tab=assessments")
    assert tab.status_code == 200
    assert tab.text.count("<h1>") == 1
    assert "<summary>Administer PHQ-9</summary>" in tab.text
    assert "<legend>9. Thoughts of being better off dead or of self-harm</legend>" in tab.text
    assert '<input type="radio" id="phq9-item_9-2" name="item_9" value="2" required>' in tab.text
    assert '<label for="phq9-item_9-2">More than half the days (2)</label>' in tab.text
    assert f'action="/clients/{person.id}/instruments/phq9"' in tab.text

    posted = client.post(
        f"/clients/{person.id}/instruments/phq9",
        data={"csrf_token": csrf_from(tab.text), **PHQ9_ITEM9_AT_2},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == f"/clients/{person.id}?tab=assessments"
    page = client.get(posted.headers["location"])
    assert "PHQ-9 recorded: total 10, moderate. An alert was raised" in page.text
    assert "Total 10 of 27, moderate" in page.text
    assert '<svg class="trend"' in page.text
    assert "Open alerts (1)" in page.text
    assert (
        "PHQ-9 item 9 answered 2 (more than half the days): same-day safety assessment needed"
        in page.text
    )


def test_a_missing_answer_re_renders_the_form_naming_the_item(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    session.commit()
    sign_in(client, clinician.username)
    token = csrf_from(client.get(f"/clients/{person.id}?tab=assessments").text)
    answers = {f"item_{n}": "2" for n in range(1, 9)}  # item 9 left blank
    page = client.post(
        f"/clients/{person.id}/instruments/phq9", data={"csrf_token": token, **answers}
    )
    assert page.status_code == 422
    assert '<a href="#phq9-item_9">PHQ-9 item 9: missing</a>' in page.text
    assert re.search(r'<fieldset id="phq9-item_9" class="invalid"', page.text)
    assert '<details id="administer-phq9" open>' in page.text
    assert 'id="phq9-item_8-2" name="item_8" value="2" required checked>' in page.text
    assert "Open alerts" not in page.text  # nothing was stored


def test_audit_c_preselects_the_recorded_sex(client: TestClient, session: Session) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR)
    person = make_client(session, site=site, sex_assigned_at_birth="Female")
    session.commit()
    sign_in(client, director.username)
    tab = client.get(f"/clients/{person.id}?tab=assessments")
    assert '<option value="female" selected>female</option>' in tab.text
    posted = client.post(
        f"/clients/{person.id}/instruments/auditc",
        data={"csrf_token": csrf_from(tab.text), "item_1": "1", "item_2": "1", "item_3": "1"},
    )
    assert posted.status_code == 422
    assert "choose female or male" in posted.text


def test_alert_banner_on_every_tab_until_acknowledged(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    make_response(session, client=person, answers=[0] * 8 + [1])
    session.commit()
    sign_in(client, clinician.username)
    for tab in ("overview", "care", "assessments"):
        page = client.get(f"/clients/{person.id}?tab={tab}")
        assert "Open alerts (1)" in page.text, tab
        assert "answered 1 (several days)" in page.text
    home = client.get("/")
    assert "Open alerts (1)" in home.text
    assert f'<a href="/clients/{person.id}">' in home.text

    care = client.get(f"/clients/{person.id}?tab=care").text
    alert_id = re.search(r'action="/alerts/([0-9a-f-]{36})/acknowledge"', care)
    assert alert_id
    url = f"/alerts/{alert_id.group(1)}/acknowledge"
    empty = client.post(
        url,
        data={"csrf_token": csrf_from(care), "note": " ", "tab": "care"},
        follow_redirects=False,
    )
    assert empty.headers["location"] == f"/clients/{person.id}?tab=care"
    assert "Note: say what was done about the alert" in client.get(empty.headers["location"]).text
    done = client.post(
        url, data={"csrf_token": csrf_from(care), "note": "Seen today; safety plan", "tab": "care"}
    )
    assert done.status_code == 200
    assert "Alert acknowledged." in done.text
    assert "Open alerts" not in done.text
    assert "No open alerts." in client.get("/").text
    again = client.post(url, data={"csrf_token": csrf_from(care), "note": "x", "tab": "care"})
    assert "rule: alert.already_acknowledged" in again.text


def test_home_pages_list_alerts_for_their_own_people(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    other = make_user(session, role=Role.CLINICIAN, site=site)
    director = make_user(session, role=Role.DIRECTOR)
    person = make_client(session, site=site, clinician=clinician)
    make_response(session, client=person, code="cssrs", answers=[1, 1, 1, 0, 0, 0])
    session.commit()
    for user, shown in ((director, True), (other, False)):
        sign_in(client, user.username)
        home = client.get("/").text
        assert ("C-SSRS screener moderate risk" in home) is shown, user.role
        token = csrf_from(home)
        client.post("/sign-out", data={"csrf_token": token})


def test_case_managers_see_the_banner_without_the_form(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site)
    make_response(session, client=person, answers=[0] * 8 + [3])
    session.commit()
    sign_in(client, manager.username)
    page = client.get(f"/clients/{person.id}")
    assert "Open alerts (1)" in page.text
    assert "/acknowledge" not in page.text
    assert "acknowledges this alert" in page.text


def test_roles_that_see_no_results(client: TestClient, session: Session) -> None:
    site = make_site(session)
    admin = make_user(session, role=Role.ADMIN)
    other = make_user(session, role=Role.CLINICIAN, site=site)
    portal = make_user(session, role=Role.CLIENT)
    person = make_client(session, site=site)
    make_response(session, client=person, answers=[0] * 8 + [1])
    session.commit()
    sign_in(client, admin.username)
    overview = client.get(f"/clients/{person.id}")
    assert overview.status_code == 200
    assert "Open alerts" not in overview.text
    assert client.get(f"/clients/{person.id}?tab=assessments").status_code == 403
    client.post("/sign-out", data={"csrf_token": csrf_from(overview.text)})
    sign_in(client, other.username)
    assert client.get(f"/clients/{person.id}?tab=assessments").status_code == 404
    token = csrf_from(client.get("/").text)
    refused = client.post(
        f"/clients/{person.id}/instruments/phq9", data={"csrf_token": token, **PHQ9_ITEM9_AT_2}
    )
    assert refused.status_code == 404
    client.post("/sign-out", data={"csrf_token": token})
    sign_in(client, portal.username)
    assert client.get(f"/clients/{person.id}?tab=assessments").status_code == 403


def test_mark_entered_in_error_from_the_history(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    response = make_response(session, client=person, code="gad7", answers=[3] * 7)
    session.commit()
    sign_in(client, clinician.username)
    tab = client.get(f"/clients/{person.id}?tab=assessments").text
    url = f"/instrument-responses/{response.id}/entered-in-error"
    assert f'action="{url}"' in tab
    missing = client.post(url, data={"csrf_token": csrf_from(tab), "reason": ""})
    assert missing.status_code == 422
    assert "say why the result is in error" in missing.text
    done = client.post(url, data={"csrf_token": csrf_from(tab), "reason": "wrong chart"})
    assert done.status_code == 200
    assert "Result marked entered in error" in done.text
    assert "Entered in error: wrong chart" in done.text
    assert "<del>Total 21 of 21, severe</del>" in done.text
    assert '<svg class="trend"' not in done.text
