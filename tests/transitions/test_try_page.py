"""The director's "try the review rules" page: the engine on typed evidence, nothing stored."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import Role
from tests.factories import csrf_from, make_user, sign_in

DOING_WELL = {
    "as_of": "2026-11-20",
    "level": "IOP",
    "level_since": "2026-08-10",
    "typical_weeks_min": "8",
    "typical_weeks_max": "12",
    "attendance_rate": "0.95",
    "weeks_judged": "4",
    "tests_collected": "4",
    "positive_specimens": "0",
    "checkin_days": "20",
    "use_days": "0",
    "instruments_since_admission": "2",
    "objectives_met": "1",
}


def test_a_director_tries_the_review_rules(client: TestClient, session: Session) -> None:
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    token = csrf_from(client.get("/reviews/try").text)
    down = client.post("/reviews/try", data={**DOING_WELL, "csrf_token": token})
    assert down.status_code == 200, down.text
    assert "Step down to OP" in down.text
    unknown = client.post(
        "/reviews/try", data={**DOING_WELL, "tests_collected": "", "csrf_token": token}
    )
    assert "EVIDENCE-NO-SPECIMEN" in unknown.text
    assert "Step down to OP" not in unknown.text
    held = client.post(
        "/reviews/try",
        data={**DOING_WELL, "safety_state": "assessment_required", "csrf_token": token},
    )
    assert "Reassess now" in held.text
    bad = client.post(
        "/reviews/try", data={**DOING_WELL, "attendance_rate": "1.5", "csrf_token": token}
    )
    assert bad.status_code == 422
    assert "attendance_rate" in bad.text


def test_only_directors_try_the_review_rules(client: TestClient, session: Session) -> None:
    clinician = make_user(session, role=Role.CLINICIAN)
    session.commit()
    sign_in(client, clinician.username)
    assert client.get("/reviews/try").status_code == 403
