"""The Aftercare tab's forms, the PDF route, the worklist and the client's portal page."""

from __future__ import annotations

import io
from datetime import timedelta

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.aftercare import service
from stepdown.aftercare.models import (
    AftercarePlan,
    CrisisContact,
    FollowUp,
    MutualHelpMeeting,
    PlanStatus,
    RelapsePreventionCheckIn,
)
from stepdown.clients import service as clients_service
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType
from stepdown.kit.clock import today
from stepdown.security.roles import Role
from tests.factories import (
    SYSTEM,
    csrf_from,
    make_aftercare_plan,
    make_client,
    make_episode,
    make_site,
    make_user,
    sign_in,
)


def _plan(session: Session) -> AftercarePlan:
    session.expire_all()
    return session.scalars(select(AftercarePlan)).one()


def test_case_manager_writes_finalizes_and_prints_a_plan(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site)
    plan = make_aftercare_plan(session, client=person, final=False)
    session.delete(plan)  # start from a client at aftercare without a plan
    session.commit()
    sign_in(client, manager.username)
    tab = f"/clients/{person.id}?tab=aftercare"
    page = client.get(tab)
    assert page.status_code == 200
    assert "Create aftercare plan" in page.text
    token = csrf_from(page.text)

    def post(url: str, **fields: str) -> str:
        response = client.post(url, data={**fields, "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == tab
        return client.get(tab).text

    assert "Draft aftercare plan started." in post(f"/clients/{person.id}/aftercare-plans")
    plan = _plan(session)
    base = f"/aftercare/plans/{plan.id}"
    refused = post(f"{base}/finalize")
    assert "Warning signs: write the client&#39;s own warning signs" in refused
    assert _plan(session).status is PlanStatus.DRAFT
    post(base, warning_signs="Not sleeping\nSkipping meetings", coping_steps="Call Sam")
    post(
        base,
        therapy_with_whom="Dr. Rivera",
        therapy_provider="",
        therapy_when="Mondays",
        case_manager_id=str(manager.id),
        weekly_checkins="4",
        checkin_months="12",
    )
    refused = post(base, weekly_checkins="40")
    assert "Weekly checkins:" in refused
    post(
        f"{base}/meetings",
        kind="aa",
        name="Sunrise group",
        day="saturday",
        at="08:00",
        place_or_link="Church hall",
    )
    post(f"{base}/contacts", name="Sam", relationship="sponsor", phone="555-0199")
    meeting = session.scalars(select(MutualHelpMeeting)).one()
    assert meeting.name == "Sunrise group"
    post(f"{base}/contacts", name="Old contact", phone="555-0100")
    old = session.scalars(select(CrisisContact).where(CrisisContact.name == "Old contact")).one()
    post(f"{base}/contacts/{old.id}/remove")
    shown = post(f"{base}/finalize")
    assert "Plan finalized" in shown
    assert f"{base}.pdf" in shown
    plan = _plan(session)
    assert plan.status is PlanStatus.FINAL
    assert plan.therapy_with_whom == "Dr. Rivera"
    assert plan.case_manager_id == manager.id
    checkins = session.scalars(select(RelapsePreventionCheckIn)).all()
    assert len(checkins) == 15

    printed = client.get(f"{base}.pdf")
    assert printed.status_code == 200
    assert printed.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.content)).pages)
    assert person.display_name in text
    assert "Sunrise group" in text


def test_final_plans_refuse_edits_naming_the_rule(client: TestClient, session: Session) -> None:
    site = make_site(session)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site)
    plan = make_aftercare_plan(session, client=person)
    session.commit()
    sign_in(client, manager.username)
    tab = f"/clients/{person.id}?tab=aftercare"
    token = csrf_from(client.get(tab).text)
    response = client.post(
        f"/aftercare/plans/{plan.id}/contacts",
        data={"name": "Late", "phone": "1", "csrf_token": token},
    )
    assert "aftercare.plan_final" in response.text
    assert session.scalars(select(CrisisContact).where(CrisisContact.name == "Late")).all() == []


def test_pdf_is_for_staff_in_scope_and_the_client_themselves(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    portal_user = make_user(session, role=Role.CLIENT)
    person = make_client(session, site=site)
    clients_service.link_portal_account(
        session, actor=SYSTEM, client=person, user_id=portal_user.id
    )
    own = make_aftercare_plan(session, client=person)
    other = make_aftercare_plan(session, client=make_client(session, site=site))
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    session.commit()

    sign_in(client, clinician.username)  # not the primary clinician of either
    assert client.get(f"/aftercare/plans/{own.id}.pdf").status_code == 404
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})

    sign_in(client, portal_user.username)
    assert client.get(f"/aftercare/plans/{own.id}.pdf").status_code == 200
    assert client.get(f"/aftercare/plans/{other.id}.pdf").status_code == 404


def test_the_client_sees_their_plan_and_marks_a_check_in_done(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    portal_user = make_user(session, role=Role.CLIENT)
    person = make_client(session, site=site)
    clients_service.link_portal_account(
        session, actor=SYSTEM, client=person, user_id=portal_user.id
    )
    plan = make_aftercare_plan(session, client=person, on=today() - timedelta(days=7))
    session.commit()
    sign_in(client, portal_user.username)
    page = client.get("/portal/aftercare")
    assert page.status_code == 200
    assert f"/aftercare/plans/{plan.id}.pdf" in page.text
    assert "Skipping meals" in page.text
    assert "988" in page.text
    first = session.scalars(
        select(RelapsePreventionCheckIn).where(RelapsePreventionCheckIn.sequence == 1)
    ).one()
    assert f"/portal/aftercare/check-ins/{first.id}/complete" in page.text
    response = client.post(
        f"/portal/aftercare/check-ins/{first.id}/complete",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/portal/aftercare"
    session.expire_all()
    assert first.completed_at is not None
    assert first.completed_by == portal_user.id


def test_a_client_without_a_plan_is_told_so(client: TestClient, session: Session) -> None:
    portal_user = make_user(session, role=Role.CLIENT)
    person = make_client(session, site=make_site(session))
    clients_service.link_portal_account(
        session, actor=SYSTEM, client=person, user_id=portal_user.id
    )
    make_episode(session, client=person)
    session.commit()
    sign_in(client, portal_user.username)
    assert "You do not have an aftercare plan yet" in client.get("/portal/aftercare").text


def test_worklist_lists_missed_check_ins_and_marks_them_done(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site)
    make_aftercare_plan(session, client=person, on=today() - timedelta(days=12))
    session.commit()
    sign_in(client, manager.username)
    page = client.get("/aftercare")
    assert page.status_code == 200
    assert person.display_name in page.text
    assert "Missed" in page.text
    first = session.scalars(
        select(RelapsePreventionCheckIn).where(RelapsePreventionCheckIn.sequence == 1)
    ).one()
    response = client.post(
        f"/aftercare/check-ins/{first.id}/complete",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/aftercare"
    assert "No check-in is due or missed." in client.get("/aftercare").text


def test_follow_ups_are_recorded_on_the_tab(client: TestClient, session: Session) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    person = make_client(session, site=site)
    episode = make_episode(session, client=person, on=today() - timedelta(days=60))
    continuum_service.discharge(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        discharge_type=DischargeType.COMPLETED,
        on=today() - timedelta(days=30),
        summary="Completed IOP.",
    )
    service.schedule_follow_ups(session, actor=SYSTEM, today=today())
    session.commit()
    sign_in(client, director.username)
    tab = f"/clients/{person.id}?tab=aftercare"
    page = client.get(tab)
    assert "Create aftercare plan" in page.text  # discharged completed, no plan yet
    thirty = session.scalars(
        select(FollowUp).where(FollowUp.episode_id == episode.id, FollowUp.days_after == 30)
    ).one()
    assert f"/aftercare/follow-ups/{thirty.id}" in page.text
    response = client.post(
        f"/aftercare/follow-ups/{thirty.id}",
        data={
            "csrf_token": csrf_from(page.text),
            "client_id": str(person.id),
            "reached": "true",
            "abstinent": "true",
            "readmitted": "false",
            "employment_school": "working",
            "housing": "stable",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == tab
    shown = client.get(tab).text
    assert "Abstinent: yes; readmitted: no; Working; housing: Stable" in shown
    session.expire_all()
    assert thirty.recorded_by == director.id
