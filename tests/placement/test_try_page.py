"""The director's "try the placement rules" page: the engine on typed facts, nothing stored."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import Role
from tests.factories import csrf_from, make_user, sign_in

FORM = {
    "age": "40",
    "environment_stable": "true",
    "dimensions.intoxication_withdrawal": "0",
    "dimensions.biomedical": "0",
    "dimensions.emotional_behavioral_cognitive": "2",
    "dimensions.readiness_to_change": "1",
    "dimensions.relapse_continued_use": "2",
    "dimensions.recovery_environment": "1",
    "availability.day": "false",
    "availability.evening": "true",
}


def test_a_director_tries_the_rules(client: TestClient, session: Session) -> None:
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    page = client.get("/placement/try")
    assert page.status_code == 200
    token = csrf_from(page.text)
    plain = client.post("/placement/try", data={**FORM, "csrf_token": token})
    assert plain.status_code == 200
    assert "Recommended: IOP, evening track" in plain.text
    held = client.post(
        "/placement/try",
        data={**FORM, "instruments.phq9_item9_positive": "true", "csrf_token": token},
    )
    assert "No level yet: Safety assessment required today" in held.text
    assert "SAFETY-PHQ9-ITEM9" in held.text
    bad = client.post(
        "/placement/try", data={**FORM, "dimensions.biomedical": "7", "csrf_token": token}
    )
    assert bad.status_code == 422
    assert "dimensions.biomedical" in bad.text
    assert 'value="7"' in bad.text  # what was typed stays


def test_only_directors_try_the_rules(client: TestClient, session: Session) -> None:
    clinician = make_user(session, role=Role.CLINICIAN)
    session.commit()
    sign_in(client, clinician.username)
    assert client.get("/placement/try").status_code == 403
