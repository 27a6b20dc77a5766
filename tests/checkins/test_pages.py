"""The chart's Check-ins tab, and staff entering a check-in on a client's behalf."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.alerts.models import Alert, AlertKind, Severity
from stepdown.checkins.models import CheckIn, EntryMode
from stepdown.security.roles import Role
from tests.factories import csrf_from, make_checkin, make_client, make_site, make_user, sign_in


def test_tab_shows_trend_entries_and_flags_and_staff_can_enter(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    make_checkin(session, client=person, craving=9, mood=2, note="rough night")
    session.commit()
    sign_in(client, clinician.username)
    page = client.get(f"/clients/{person.id}?tab=checkins")
    assert page.status_code == 200
    assert "Craving and mood" in page.text
    assert '<svg class="trend"' in page.text
    assert "rough night" in page.text
    assert "craving ≥ 8" in page.text
    assert "Enter a check-in for this client" in page.text

    url = f"/clients/{person.id}/check-ins"
    token = csrf_from(page.text)
    refused = client.post(url, data={"csrf_token": token, "craving": "4", "mood": "5"})
    assert refused.status_code == 422
    assert "say whether you used" in refused.text
    assert 'id="craving-4" name="craving" value="4" required checked' in refused.text

    done = client.post(
        url,
        data={
            "csrf_token": token,
            "craving": "4",
            "mood": "5",
            "used_since_last": "no",
            "self_harm_thoughts": "no",
            "risky_situations": ["offered", "money"],
            "sleep_hours": "7,5",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/clients/{person.id}?tab=checkins"
    session.expire_all()
    entered = session.scalars(select(CheckIn).where(CheckIn.craving == 4)).one()
    assert entered.entry_mode is EntryMode.STAFF
    assert entered.entered_by == clinician.id
    assert entered.risky_situations == ["offered", "money"]
    assert str(entered.sleep_hours) == "7.5"
    assert entered.self_harm_thoughts is False


def test_staff_must_ask_about_self_harm_and_see_the_crisis_alert_raised(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    make_checkin(session, client=person, note="from an old app")  # not answered (API default)
    session.commit()
    sign_in(client, clinician.username)
    page = client.get(f"/clients/{person.id}?tab=checkins")
    assert "have you had thoughts of hurting yourself or of ending your life?" in page.text
    assert '<th scope="col">Thoughts of self-harm</th>' in page.text
    assert '<span class="muted">not answered</span>' in page.text

    url = f"/clients/{person.id}/check-ins"
    answers = {"csrf_token": csrf_from(page.text), "craving": "3", "mood": "4"}
    answers["used_since_last"] = "no"
    refused = client.post(url, data=answers)
    assert refused.status_code == 422
    assert 'href="#self_harm_thoughts"' in refused.text
    assert "answer yes or no: have you had thoughts of hurting yourself" in refused.text
    assert session.scalar(select(func.count()).select_from(Alert)) == 0

    done = client.post(url, data={**answers, "self_harm_thoughts": "yes"})
    assert done.status_code == 200
    assert "An urgent crisis alert was raised for the primary clinician" in done.text
    assert "same-day safety assessment is needed" in done.text
    assert "<strong>Yes</strong>" in done.text
    assert "thoughts of self-harm</span>" in done.text  # the flag
    assert "crisis alert open" in done.text
    session.expire_all()
    alert = session.scalars(select(Alert)).one()
    assert alert.kind is AlertKind.CHECKIN_CRISIS
    assert alert.severity is Severity.URGENT

    again = client.post(url, data={**answers, "self_harm_thoughts": "yes"})
    assert "already has an open crisis alert for today" in again.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_roles_without_the_policy_do_not_see_the_tab(client: TestClient, session: Session) -> None:
    site = make_site(session)
    person = make_client(session, site=site)
    admissions = make_user(session, role=Role.ADMISSIONS, site=site)
    session.commit()
    sign_in(client, admissions.username)
    page = client.get(f"/clients/{person.id}?tab=checkins")
    assert page.status_code == 200
    assert "Craving and mood" not in page.text
    posted = client.post(
        f"/clients/{person.id}/check-ins",
        data={"csrf_token": csrf_from(page.text), "craving": "1", "mood": "5"},
    )
    assert posted.status_code == 403
