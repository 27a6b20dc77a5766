"""The Case management tab and its forms, the worklist page and the resource directory, as
each role sees them; refused forms come back 4xx with the field named and the values kept."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.aftercare.models import SoberLivingStatus
from stepdown.case_management import service
from stepdown.case_management.models import (
    CommunityResource,
    Need,
    NeedKind,
    NeedStatus,
    Referral,
    ReferralStatus,
)
from stepdown.kit.clock import today
from stepdown.security.roles import Role
from stepdown.web.templating import templates
from tests.case_management.factories import make_need, make_referral, make_team
from tests.factories import csrf_from, make_aftercare_plan, make_user, sign_in


def _day(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


def test_a_case_manager_records_a_housing_referral_and_its_completion(
    client: TestClient, session: Session
) -> None:
    team = make_team(session)
    session.commit()
    sign_in(client, team.manager.username)
    tab = f"/clients/{team.client.id}?tab=case_management"
    page = client.get(tab)
    assert page.status_code == 200
    assert "Record a need" in page.text
    assert "Make a referral" in page.text
    token = csrf_from(page.text)

    added = client.post(
        f"/clients/{team.client.id}/needs",
        data={"csrf_token": token, "kind": "housing", "priority": "high", "detail": "Couch"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert added.headers["location"] == tab
    need = session.scalars(select(Need).where(Need.client_id == team.client.id)).one()

    refused = client.post(
        f"/clients/{team.client.id}/referrals",
        data={"csrf_token": token, "need_id": str(need.id), "organization": "Help Desk (typed)"},
    )
    assert refused.status_code == 422
    assert 'id="e-mr-follow_up_on"' in refused.text
    assert 'value="Help Desk (typed)"' in refused.text  # what was typed is kept
    assert session.scalars(select(Referral)).all() == []

    made = client.post(
        f"/clients/{team.client.id}/referrals",
        data={
            "csrf_token": token,
            "need_id": str(need.id),
            "organization": "Help Desk",
            "follow_up_on": _day(7),
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    referral = session.scalars(select(Referral)).one()
    for status, extra in (("accepted", {"follow_up_on": _day(3)}), ("completed", {})):
        moved = client.post(
            f"/case-management/referrals/{referral.id}/status",
            data={"csrf_token": token, "status": status, "reason": "", **extra},
            follow_redirects=False,
        )
        assert moved.status_code == 303, moved.text
    session.expire_all()
    done = session.get(Referral, referral.id)
    assert done is not None
    assert done.status is ReferralStatus.COMPLETED
    page = client.get(tab)
    assert "Completed" in page.text
    assert "made, by" in page.text
    assert "accepted → completed" in page.text

    met = client.post(
        f"/case-management/needs/{need.id}/status",
        data={"csrf_token": token, "status": "met", "on": _day(0), "reason": ""},
        follow_redirects=False,
    )
    assert met.status_code == 303
    session.expire_all()
    assert session.get(Need, need.id).status is NeedStatus.MET  # type: ignore[union-attr]


def test_a_refused_status_change_reopens_its_form(client: TestClient, session: Session) -> None:
    team = make_team(session)
    referral = make_referral(session, actor=team.as_manager, client=team.client)
    session.commit()
    sign_in(client, team.manager.username)
    token = csrf_from(client.get(f"/clients/{team.client.id}?tab=case_management").text)
    refused = client.post(
        f"/case-management/referrals/{referral.id}/status",
        data={"csrf_token": token, "status": "declined", "reason": ""},
    )
    assert refused.status_code == 422
    assert "say why" in refused.text
    assert f'id="referral-{referral.id}"' in refused.text
    illegal = client.post(
        f"/case-management/referrals/{referral.id}/status",
        data={"csrf_token": token, "status": "completed"},
    )
    assert illegal.status_code == 409
    assert "case_management.illegal_transition" in illegal.text


def test_a_clinician_reads_and_adds_a_need_only(client: TestClient, session: Session) -> None:
    team = make_team(session)
    referral = make_referral(session, actor=team.as_manager, client=team.client)
    session.commit()
    sign_in(client, team.clinician.username)
    page = client.get(f"/clients/{team.client.id}?tab=case_management")
    assert page.status_code == 200
    assert "Test House" in page.text
    assert "Record a need" in page.text
    assert "Make a referral" not in page.text
    token = csrf_from(page.text)
    refused = client.post(
        f"/case-management/referrals/{referral.id}/status",
        data={"csrf_token": token, "status": "accepted", "follow_up_on": _day(2)},
    )
    assert refused.status_code == 403
    assert client.get("/case-management").status_code == 403
    assert (
        client.post(
            f"/clients/{team.client.id}/needs",
            data={"csrf_token": token, "kind": "food", "priority": "low"},
            follow_redirects=False,
        ).status_code
        == 303
    )


def test_utilization_review_sees_no_tab(client: TestClient, session: Session) -> None:
    team = make_team(session)
    reviewer = make_user(session, role=Role.UTILIZATION_REVIEW)
    session.commit()
    sign_in(client, reviewer.username)
    chart = client.get(f"/clients/{team.client.id}")
    assert chart.status_code == 200
    assert "tab=case_management" not in chart.text
    # Asked for by address, the chart falls back to its overview: nothing of the tab shows.
    by_address = client.get(f"/clients/{team.client.id}?tab=case_management")
    assert "cm-needs-heading" not in by_address.text
    assert client.get("/case-management").status_code == 403
    assert client.get("/case-management/resources").status_code == 403


def test_worklist_page_and_sober_living_outcome_recorded_from_it(
    client: TestClient, session: Session
) -> None:
    team = make_team(session)
    make_referral(
        session,
        actor=team.as_manager,
        client=team.client,
        organization="Job Center",
        made_on=today() - timedelta(days=10),
    )
    need = make_need(session, actor=team.as_manager, client=team.client, kind=NeedKind.SOBER_LIVING)
    sober = make_referral(
        session, actor=team.as_manager, client=team.client, need=need, organization="Harbor House"
    )
    session.commit()
    sign_in(client, team.manager.username)
    home_nav = client.get("/case-management")
    assert home_nav.status_code == 200
    assert 'href="/case-management"' in home_nav.text  # the menu entry
    assert "Job Center" in home_nav.text
    assert "3 days overdue" in home_nav.text
    token = csrf_from(home_nav.text)
    client.post(
        f"/case-management/referrals/{sober.id}/status",
        data={"csrf_token": token, "status": "accepted", "follow_up_on": _day(5)},
        follow_redirects=False,
    )
    waiting = client.get("/case-management")
    assert "No aftercare plan yet" in waiting.text

    plan = make_aftercare_plan(session, client=team.client)
    session.commit()
    page = client.get("/case-management")
    assert "Record on the aftercare plan" in page.text
    recorded = client.post(
        f"/case-management/referrals/{sober.id}/aftercare-plan",
        data={"csrf_token": token, "back": "worklist"},
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    assert recorded.headers["location"] == "/case-management"
    session.expire_all()
    assert plan.sober_living_status is SoberLivingStatus.ACCEPTED
    assert plan.sober_living_house == "Harbor House"


def test_the_resource_directory(client: TestClient, session: Session) -> None:
    team = make_team(session)
    session.commit()
    sign_in(client, team.manager.username)
    page = client.get("/case-management/resources")
    assert page.status_code == 200
    token = csrf_from(page.text)
    blank = client.post(
        "/case-management/resources",
        data={"csrf_token": token, "kind": "food", "name": "", "phone": "555-0168"},
    )
    assert blank.status_code == 422
    assert 'value="555-0168"' in blank.text
    added = client.post(
        "/case-management/resources",
        data={"csrf_token": token, "kind": "food", "name": "Eastside Pantry", "phone": "555-0168"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    resource = session.scalars(select(CommunityResource)).one()
    edited = client.post(
        f"/case-management/resources/{resource.id}",
        data={"csrf_token": token, "kind": "food", "name": "Eastside Pantry", "phone": "555-0199"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    session.expire_all()
    assert (resource.phone, resource.is_active) == ("555-0199", False)  # box left unticked
    listing = client.get("/case-management/resources?kind=food")
    assert "Eastside Pantry" in listing.text
    assert "inactive" in listing.text

    sign_in(client, team.clinician.username)
    read_only = client.get("/case-management/resources")
    assert read_only.status_code == 200
    assert "Add an organization" not in read_only.text


def test_the_home_partial(session: Session) -> None:
    """What the lead includes on the home page: counts and the most urgent follow-ups."""
    team = make_team(session)
    make_referral(
        session,
        actor=team.as_manager,
        client=team.client,
        organization="Job Center",
        made_on=today() - timedelta(days=9),
    )
    partial = templates.env.get_template("case_management/_home.html")
    html = partial.render(case_management=service.worklist_for_home(session, actor=team.as_manager))
    assert "1 follow-up overdue" in html
    assert "Job Center" in html
    assert "2 days overdue" in html
    none = service.worklist_for_home(session, actor=team.as_clinician)
    assert partial.render(case_management=none).strip() == ""
