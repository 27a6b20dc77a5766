"""The Diagnoses chart tab through its forms: add, refuse with the field named and the values
kept, change the principal, resolve, mark entered in error on a confirmation page; and who
sees the tab."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.diagnoses.models import Diagnosis, DiagnosisStatus
from stepdown.kit.clock import today
from stepdown.programs.models import Site
from stepdown.security.roles import Role
from tests.diagnoses.factories import make_chart, make_diagnosis
from tests.factories import csrf_from, make_user, sign_in


def _diagnosis(session: Session, code: str) -> Diagnosis:
    session.expire_all()
    found = session.scalars(select(Diagnosis).where(Diagnosis.code == code)).one()
    return found


def test_a_clinician_keeps_the_diagnoses(client: TestClient, session: Session) -> None:
    chart = make_chart(session)
    session.commit()
    sign_in(client, chart.clinician.username)
    tab = f"/clients/{chart.client.id}?tab=diagnoses"
    page = client.get(tab)
    assert page.status_code == 200
    assert "Add a diagnosis" in page.text
    assert "None current." in page.text
    token = csrf_from(page.text)

    def post(url: str, **fields: str) -> str:
        response = client.post(url, data={**fields, "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == tab
        return client.get(tab).text

    add = f"/clients/{chart.client.id}/diagnoses"
    refused = client.post(
        add,
        data={
            "csrf_token": token,
            "code": "F10.20",
            "severity": "mild",
            "principal": "yes",
            "diagnosed_on": str(chart.episode.admitted_on),
        },
    )
    assert refused.status_code == 422
    assert "<strong>Severity:</strong>" in refused.text
    assert "codes to F10.1-" in refused.text
    assert 'value="F10.20"' in refused.text  # what was typed is kept
    assert session.scalar(select(func.count()).select_from(Diagnosis)) == 0

    shown = post(
        add,
        code="f1020",
        severity="severe",
        principal="yes",
        diagnosed_on=str(chart.episode.admitted_on),
        diagnosed_by_id=str(chart.clinician.id),
    )
    assert "F10.20 recorded as a principal diagnosis." in shown
    assert "Alcohol dependence, uncomplicated" in shown
    shown = post(add, code="F41.1", diagnosed_on=str(today()))
    assert "F41.1 recorded as a secondary diagnosis." in shown
    anxiety = _diagnosis(session, "F41.1")
    alcohol = _diagnosis(session, "F10.20")

    ahead = str(today() + timedelta(days=1))
    refused = client.post(
        f"/diagnoses/{anxiety.id}/principal", data={"csrf_token": token, "on": ahead}
    )
    assert refused.status_code == 422
    assert "<strong>On:</strong> the date cannot be in the future" in refused.text
    shown = post(f"/diagnoses/{anxiety.id}/principal", on=str(today()))
    assert "F41.1 is the principal diagnosis from" in shown
    assert _diagnosis(session, "F41.1").id == anxiety.id

    shown = post(f"/diagnoses/{anxiety.id}/end", status="resolved", on=str(today()))
    assert "F41.1 resolved from" in shown
    assert "Past diagnoses" in shown
    assert "No principal diagnosis today" in shown
    assert _diagnosis(session, "F41.1").status is DiagnosisStatus.RESOLVED

    confirm = client.get(f"/diagnoses/{alcohol.id}/entered-in-error")
    assert confirm.status_code == 200
    assert 'class="danger"' in confirm.text
    assert 'name="confirmed" value="yes"' in confirm.text
    unconfirmed = client.post(
        f"/diagnoses/{alcohol.id}/entered-in-error", data={"csrf_token": token, "reason": "x"}
    )
    assert unconfirmed.status_code == 422
    no_reason = client.post(
        f"/diagnoses/{alcohol.id}/entered-in-error",
        data={"csrf_token": token, "confirmed": "yes", "reason": ""},
    )
    assert no_reason.status_code == 422
    assert "<strong>Reason:</strong>" in no_reason.text
    shown = post(
        f"/diagnoses/{alcohol.id}/entered-in-error", confirmed="yes", reason="wrong client"
    )
    assert "marked entered in error" in shown
    assert "<del><code>F10.20</code></del>" in shown
    assert "wrong client" in shown
    assert _diagnosis(session, "F10.20").status is DiagnosisStatus.ENTERED_IN_ERROR


def test_viewing_the_tab_is_audited(client: TestClient, session: Session) -> None:
    chart = make_chart(session)
    make_diagnosis(session, chart, principal=True)
    session.commit()
    sign_in(client, chart.clinician.username)

    def reads() -> int:
        session.expire_all()
        return (
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(
                    AuditEntry.entity_type == "diagnosis",
                    AuditEntry.action == AuditAction.READ,
                    AuditEntry.client_id == chart.client.id,
                )
            )
            or 0
        )

    before = reads()
    assert client.get(f"/clients/{chart.client.id}?tab=diagnoses").status_code == 200
    assert reads() == before + 1


def test_who_sees_the_tab(client: TestClient, session: Session) -> None:
    chart = make_chart(session)
    made = make_diagnosis(session, chart, principal=True)
    review = make_user(session, role=Role.UTILIZATION_REVIEW)
    site = session.get(Site, chart.client.site_id)
    case_manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    tab = f"/clients/{chart.client.id}?tab=diagnoses"

    sign_in(client, review.username)
    page = client.get(tab)
    assert page.status_code == 200
    assert "Alcohol dependence, uncomplicated" in page.text
    assert "Add a diagnosis" not in page.text
    assert "Entered in error…" not in page.text
    token = csrf_from(page.text)
    denied = client.post(
        f"/clients/{chart.client.id}/diagnoses", data={"csrf_token": token, "code": "F41.1"}
    )
    assert denied.status_code == 403
    client.cookies.clear()

    sign_in(client, case_manager.username)
    page = client.get(tab)
    assert page.status_code == 200  # the chart, on its overview: no Diagnoses tab
    assert "?tab=diagnoses" not in page.text
    assert "Alcohol dependence" not in page.text
    assert client.get(f"/diagnoses/{made.id}/entered-in-error").status_code == 403
    client.cookies.clear()

    sign_in(client, director.username)
    page = client.get(tab)
    assert "Add a diagnosis" in page.text
    assert f'action="/diagnoses/{made.id}/end"' in page.text


def test_the_care_timeline_shows_each_episodes_diagnoses(
    client: TestClient, session: Session
) -> None:
    chart = make_chart(session)
    make_diagnosis(session, chart, code="F10.20", principal=True)
    make_diagnosis(session, chart, code="F41.1")
    case_manager = make_user(
        session, role=Role.CASE_MANAGER, site=session.get(Site, chart.client.site_id)
    )
    session.commit()
    sign_in(client, chart.clinician.username)
    care = client.get(f"/clients/{chart.client.id}?tab=care").text
    assert "<strong>Diagnoses:</strong>" in care
    principal, secondary = care.index("<code>F10.20</code>"), care.index("<code>F41.1</code>")
    assert principal < secondary  # the principal diagnosis first
    assert "(principal, since" in care
    assert "(secondary, since" in care

    client.cookies.clear()
    sign_in(client, case_manager.username)  # a role that does not read diagnoses
    care = client.get(f"/clients/{chart.client.id}?tab=care")
    assert care.status_code == 200
    assert "<code>F10.20</code>" not in care.text
