"""The Plan tab through the browser forms, the client's plan page, and the home list."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.kit.clock import today
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from stepdown.treatment_plans import service
from stepdown.treatment_plans.models import (
    Goal,
    Objective,
    ObjectiveStatus,
    PlanStatus,
    Problem,
    TreatmentPlan,
)
from tests.factories import (
    csrf_from,
    make_client,
    make_episode,
    make_plan,
    make_site,
    make_user,
    sign_in,
)

T = TypeVar("T")


def _one(session: Session, model: type[T]) -> T:
    session.expire_all()
    found = session.scalars(select(model)).all()
    assert len(found) == 1, found
    return found[0]


def test_write_sign_and_follow_a_plan(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    make_episode(session, client=person)
    session.commit()
    sign_in(client, clinician.username)
    tab = f"/clients/{person.id}?tab=plan"
    page = client.get(tab)
    assert page.status_code == 200
    assert "Start a draft plan" in page.text
    token = csrf_from(page.text)

    def post(url: str, **fields: str) -> str:
        response = client.post(url, data={**fields, "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == tab
        return client.get(tab).text

    shown = post(f"/clients/{person.id}/treatment-plans", review_interval_days="14")
    assert "Draft plan version 1 started." in shown
    plan = _one(session, TreatmentPlan)
    assert plan.review_interval_days == 14
    base = f"/treatment-plans/{plan.id}"
    assert "add at least one problem" in post(f"{base}/problems", statement="")
    post(f"{base}/problems", statement="Cocaine use, severe")
    problem = _one(session, Problem)
    post(f"{base}/goals", problem_id=str(problem.id), client_words="I want my life back")
    goal = _one(session, Goal)
    refused = post(
        f"{base}/objectives",
        goal_id=str(goal.id),
        statement="Negative tests for 4 weeks",
        target_date=(today() - timedelta(days=1)).isoformat(),
    )
    assert "Target date: the target date must be today or later" in refused
    post(
        f"{base}/objectives",
        goal_id=str(goal.id),
        statement="Negative tests for 4 weeks",
        target_date=(today() + timedelta(days=28)).isoformat(),
    )
    objective = _one(session, Objective)
    post(
        f"{base}/interventions",
        modality="individual_therapy",
        description="Motivational interviewing",
        frequency="weekly",
        responsible_user_id=str(clinician.id),
    )
    edited = post(f"{base}/items/goal/{goal.id}", client_words="I want my life and my family back")
    assert "I want my life and my family back" in edited
    signed = post(f"{base}/sign")
    assert "waits for the client&#39;s signature" in signed or "waits for the client" in signed
    refused = post(f"{base}/problems", statement="Late addition")
    assert "plan.signed_is_frozen" in refused
    unattested = post(f"{base}/sign-in-person")
    assert "Attested: confirm that the client signed in your presence" in unattested
    active = post(f"{base}/sign-in-person", attested="yes")
    assert "Plan in effect: version 1" in active
    assert "Progress note" in active

    noted = post(
        f"{base}/notes",
        written_on=today().isoformat(),
        narrative="First negative test.",
        **{f"status_{objective.id}": "in_progress"},
    )
    assert "Progress note saved with 1 status change(s)." in noted
    assert "Not started → <strong>In progress</strong>" in noted
    reviewed = post(f"{base}/reviews", reviewed_on=today().isoformat(), summary="On track.")
    assert f"the next is due {(today() + timedelta(days=14)).isoformat()}" in reviewed

    revised = post(f"{base}/revise")
    assert "Draft: version 2" in revised
    assert "Plan in effect: version 1" in revised
    session.expire_all()
    assert session.get(TreatmentPlan, plan.id).status is PlanStatus.ACTIVE  # type: ignore[union-attr]
    assert session.get(Objective, objective.id).status is ObjectiveStatus.IN_PROGRESS  # type: ignore[union-attr]


def test_who_sees_the_tab(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    make_episode(session, client=person)
    make_plan(session, client=person, clinician=clinician)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    admissions = make_user(session, role=Role.ADMISSIONS, site=site)
    session.commit()
    sign_in(client, manager.username)
    page = client.get(f"/clients/{person.id}?tab=plan")
    assert "Plan in effect: version 1" in page.text
    assert "I want to stay sober for my kids" in page.text
    assert "Save note" not in page.text
    token = csrf_from(page.text)
    plan = _one(session, TreatmentPlan)
    refused = client.post(f"/treatment-plans/{plan.id}/revise", data={"csrf_token": token})
    assert refused.status_code == 403
    client.cookies.clear()
    sign_in(client, admissions.username)
    page = client.get(f"/clients/{person.id}?tab=plan")
    assert "Plan in effect" not in page.text


def test_home_lists_overdue_reviews(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    make_episode(session, client=person)
    plan = make_plan(session, client=person, clinician=clinician)
    plan.next_review_due = today() - timedelta(days=3)
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, clinician.username)
    home = client.get("/").text
    assert "Overdue plan reviews (1)" in home
    assert person.record_number in home
    client.cookies.clear()
    sign_in(client, director.username)
    assert person.record_number in client.get("/").text


def test_client_signs_in_the_portal(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    portal = make_user(session, role=Role.CLIENT, site=site)
    person = make_client(session, site=site, clinician=clinician)
    person.portal_user_id = portal.id
    make_episode(session, client=person)
    plan = make_plan(session, client=person, clinician=clinician, sign=False)
    service.sign_as_clinician(session, actor=security_service.actor_for(clinician), plan_id=plan.id)
    session.commit()
    sign_in(client, portal.username)
    page = client.get("/my-plan")
    assert "Waiting for your signature: version 1" in page.text
    assert "No plan is in effect yet." in page.text
    token = csrf_from(page.text)
    done = client.post(f"/my-plan/{plan.id}/sign", data={"csrf_token": token})
    assert "you signed your treatment plan" in done.text
    assert "I want to stay sober for my kids" in done.text
    assert "Waiting for your signature" not in done.text
