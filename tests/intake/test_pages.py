"""Intake pages in the browser's terms: the chart tab, the form (a refusal keeps every
value), signing with the password, the addendum, the printout, the worklist, and the
"From the intake" notes on the placement form (ratings left empty)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.intake.models import Intake, IntakeStatus, IntakeSubstance, Substance
from stepdown.kit import clock
from stepdown.kit.clock import utc_now
from stepdown.security.roles import Role
from tests.factories import PASSWORD, csrf_from, make_user, sign_in
from tests.intake.factories import PRESENTING, make_intake, make_setting, supervise


def _form(token: str, **extra: str) -> dict[str, str]:
    interviewed = utc_now() - timedelta(hours=1)
    last = clock.local(interviewed - timedelta(hours=30))
    return {
        "csrf_token": token,
        "action": "draft",
        "interviewed_at": clock.input_value(interviewed),
        "presenting_problem": PRESENTING,
        "substance_rows": "3",
        # Row 0 left blank: blank rows are dropped and the rest renumbered.
        "substances.1.substance": "alcohol",
        "substances.1.age_first_use": "16",
        "substances.1.frequency": "daily",
        "substances.1.last_use_on": last.date().isoformat(),
        "substances.1.last_use_time": last.strftime("%H:%M"),
        "substances.2.substance": "cannabis",
        "withdrawal_complications": "yes",
        "housing": "independent",
        "family": "Lives with a partner and two children.",
    } | extra


def test_a_clinician_writes_signs_and_prints_an_intake(
    client: TestClient, session: Session
) -> None:
    s = make_setting(session)
    session.commit()
    sign_in(client, s.clinician.username)
    tab = client.get(f"/clients/{s.client.id}?tab=intake")
    assert tab.status_code == 200
    assert "Start the intake" in tab.text
    started = client.post(
        f"/clients/{s.client.id}/intake",
        data={"csrf_token": csrf_from(tab.text)},
        follow_redirects=False,
    )
    assert started.status_code == 303
    edit_url = started.headers["location"]
    intake = session.scalar(select(Intake).where(Intake.client_id == s.client.id))
    assert intake is not None
    assert edit_url == f"/intakes/{intake.id}/edit"
    page = client.get(edit_url)
    assert page.status_code == 200
    assert 'name="substances.0.substance"' in page.text
    token = csrf_from(page.text)

    saved = client.post(f"/intakes/{intake.id}", data=_form(token), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    session.expire_all()
    rows = session.scalars(
        select(IntakeSubstance)
        .where(IntakeSubstance.intake_id == intake.id)
        .order_by(IntakeSubstance.position)
    ).all()
    assert [(r.position, r.substance) for r in rows] == [
        (0, Substance.ALCOHOL),
        (1, Substance.CANNABIS),
    ]
    assert rows[0].last_use_at is not None

    view = client.get(f"/intakes/{intake.id}")
    assert "Draft: not yet signed" in view.text
    assert 'autocomplete="current-password"' in view.text
    assert "withdrawal potential to review" in view.text
    wrong = client.post(
        f"/intakes/{intake.id}/sign",
        data={"csrf_token": token, "secret": "not it"},
        follow_redirects=False,
    )
    assert wrong.status_code == 422
    assert "nothing was signed" in wrong.text
    session.expire_all()
    assert session.get(Intake, intake.id).status is IntakeStatus.DRAFT  # type: ignore[union-attr]
    signed = client.post(
        f"/intakes/{intake.id}/sign",
        data={"csrf_token": token, "secret": PASSWORD},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    after = client.get(f"/intakes/{intake.id}")
    assert "Signed; read-only" in after.text
    assert "Edit the draft" not in after.text
    assert "what was signed" in after.text
    assert client.get(f"/intakes/{intake.id}/edit", follow_redirects=False).status_code == 303

    added = client.post(
        f"/intakes/{intake.id}/addenda",
        data={"csrf_token": token, "text": "Partner called: drinking resumed.", "secret": PASSWORD},
        follow_redirects=False,
    )
    assert added.status_code == 303
    printed = client.get(f"/intakes/{intake.id}/print")
    assert printed.status_code == 200
    assert PRESENTING in printed.text
    assert "Partner called: drinking resumed." in printed.text
    assert "42 CFR Part 2" in printed.text
    assert 'name="secret"' not in printed.text
    chart = client.get(f"/clients/{s.client.id}?tab=intake")
    assert "Start the intake" not in chart.text
    assert f"/intakes/{intake.id}/print" in chart.text


def test_a_refused_form_keeps_what_was_typed(client: TestClient, session: Session) -> None:
    s = make_setting(session)
    intake = make_intake(session, s)
    session.commit()
    sign_in(client, s.clinician.username)
    token = csrf_from(client.get(f"/intakes/{intake.id}/edit").text)
    bad = _form(token, **{"substances.2.age_first_use": "300"}, family="A new family note")
    refused = client.post(f"/intakes/{intake.id}", data=bad)
    assert refused.status_code == 422
    # The blank row 0 was dropped: the cannabis row is now row 2 of the page (index 1).
    assert "Row 2, age first use: enter a number from 1 to 120" in refused.text
    assert 'value="300"' in refused.text
    assert "A new family note" in refused.text
    other = _form(token, **{"substances.1.substance": "other"})
    named = client.post(f"/intakes/{intake.id}", data=other)
    assert named.status_code == 422
    assert "name the substance" in named.text
    answer = client.post(f"/intakes/{intake.id}", data=_form(token, pregnant="maybe"))
    assert answer.status_code == 422
    session.expire_all()
    assert session.get(Intake, intake.id).family == ""  # type: ignore[union-attr]


def test_the_supervisor_cosigns_from_the_worklist(client: TestClient, session: Session) -> None:
    s = make_setting(session)
    supervisor = make_user(session, role=Role.CLINICIAN, site=s.site)
    supervise(session, s.clinician, supervisor)
    intake = make_intake(session, s, sign=True)
    session.commit()
    sign_in(client, supervisor.username)
    worklist = client.get("/intakes")
    assert worklist.status_code == 200
    assert "Intakes to co-sign (1)" in worklist.text
    assert f'href="/intakes/{intake.id}"' in worklist.text
    page = client.get(f"/intakes/{intake.id}")
    assert "Co-sign as supervisor" in page.text
    assert "Add an addendum" not in page.text  # reading it to co-sign is not writing it
    done = client.post(
        f"/intakes/{intake.id}/cosign",
        data={"csrf_token": csrf_from(page.text), "secret": PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Intakes to co-sign" not in client.get("/intakes").text


def test_the_worklist_lists_intakes_due(client: TestClient, session: Session) -> None:
    s = make_setting(session, admitted_days_ago=10)
    session.commit()
    sign_in(client, s.clinician.username)
    page = client.get("/intakes")
    assert "Intakes due (1)" in page.text
    assert s.client.record_number in page.text
    assert "not started" in page.text


def test_the_placement_form_shows_the_intake_beside_each_dimension(
    client: TestClient, session: Session
) -> None:
    s = make_setting(session)
    make_intake(session, s)
    session.commit()
    sign_in(client, s.clinician.username)
    form = client.get(f"/clients/{s.client.id}/assessments/new")
    assert form.status_code == 200
    assert form.text.count("From the intake") == 6
    assert "withdrawal potential to review" in form.text
    assert "Pregnant: not asked" in form.text
    assert not re.search(r'name="d\d_rating" value="\d" checked', form.text)


def test_roles_without_intake_access_see_no_tab_and_are_refused(
    client: TestClient, session: Session
) -> None:
    s = make_setting(session)
    intake = make_intake(session, s, sign=True)
    case_manager = make_user(session, role=Role.CASE_MANAGER, site=s.site)
    session.commit()
    sign_in(client, case_manager.username)
    chart = client.get(f"/clients/{s.client.id}")
    assert chart.status_code == 200
    assert "?tab=intake" not in chart.text
    assert client.get(f"/intakes/{intake.id}").status_code == 403
    assert client.get(f"/intakes/{intake.id}/print").status_code == 403
    assert client.get("/intakes").status_code == 403
