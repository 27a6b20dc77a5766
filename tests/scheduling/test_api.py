"""The schedule-build JSON API: build (202, then poll), list, read, publish and discard,
with refusals as 4xx."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from stepdown.scheduling.exchange import Instance, Solution
from stepdown.security.roles import Role
from stepdown.settings import Settings
from tests.calendar.test_publish import MONDAY, make_week, store
from tests.factories import csrf_from, make_user, sign_in
from tests.scheduling.test_tasks import (
    LATER,
    ProgressHook,
    first_fit_solver,
    run_jobs,
    small_program,
)


def _signed_in(client: TestClient, session: Session, role: Role) -> dict[str, str]:
    user = make_user(session, role=role)
    session.commit()
    sign_in(client, user.username)
    return {"X-CSRF-Token": csrf_from(client.get("/").text)}


def test_a_director_lists_reads_and_publishes_a_build(client: TestClient, session: Session) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0, 1], "tue": [2]}))
    headers = _signed_in(client, session, Role.DIRECTOR)

    listed = client.get(f"/api/v1/schedule/builds?week={MONDAY}")
    assert listed.status_code == 200
    assert [(b["id"], b["status"]) for b in listed.json()] == [(str(build.id), "draft")]
    read = client.get(f"/api/v1/schedule/builds/{build.id}").json()
    assert read["summary"]["clients"] == 4
    assert {u["client"] for u in read["summary"]["unmet"]} == {
        c.record_number for c in week.clients
    }

    published = client.post(f"/api/v1/schedule/builds/{build.id}/publish", headers=headers)
    assert published.status_code == 200, published.text
    body = published.json()
    assert (body["sessions_added"], body["seats_added"], body["clients_affected"]) == (2, 3, 3)
    assert body["build"]["status"] == "published"

    again = client.post(f"/api/v1/schedule/builds/{build.id}/publish", headers=headers)
    assert again.status_code == 409
    assert again.json()["rule"] == "build.not_draft"
    discard = client.post(f"/api/v1/schedule/builds/{build.id}/discard", headers=headers)
    assert discard.status_code == 409


def test_bad_requests_name_their_field(client: TestClient, session: Session) -> None:
    headers = _signed_in(client, session, Role.DIRECTOR)
    tuesday = MONDAY + timedelta(days=1)
    refused = client.post(
        "/api/v1/schedule/builds",
        json={"week_of": str(tuesday), "time_limit": 2},
        headers=headers,
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "week_of"
    too_long = client.post(
        "/api/v1/schedule/builds", json={"week_of": str(MONDAY), "time_limit": 601}, headers=headers
    )
    assert too_long.status_code == 422
    missing = client.get("/api/v1/schedule/builds/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


def test_a_clinician_may_not_publish(client: TestClient, session: Session) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0]}))
    headers = _signed_in(client, session, Role.CLINICIAN)
    refused = client.post(f"/api/v1/schedule/builds/{build.id}/publish", headers=headers)
    assert refused.status_code == 403


def test_building_answers_202_and_the_status_url_gives_progress_then_the_result(
    client: TestClient,
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    small_program(session)
    headers = _signed_in(client, session, Role.DIRECTOR)
    asked = client.post(
        "/api/v1/schedule/builds", json={"week_of": str(LATER), "time_limit": 5}, headers=headers
    )
    assert asked.status_code == 202, asked.text
    body = asked.json()
    assert (body["status"], body["time_limit"], body["summary"]) == ("queued", 5, {})
    status_url = body["status_url"]
    assert status_url == f"/api/v1/schedule/builds/{body['id']}"
    assert asked.headers["location"] == status_url
    assert client.get(status_url).json()["status"] == "queued"

    again = client.post(
        "/api/v1/schedule/builds", json={"week_of": str(LATER), "time_limit": 5}, headers=headers
    )
    assert again.status_code == 409
    assert again.json()["rule"] == "build.already_solving"

    assert run_jobs(session_factory, settings, first_fit_solver) == 1
    done = client.get(status_url).json()
    assert done["status"] == "draft"
    assert done["progress"]["clients"] == 2
    assert done["summary"]["clients"] == 2
    assert done["error"] is None
    published = client.post(f"{status_url}/publish", headers=headers)
    assert published.status_code == 200, published.text


def test_a_failed_build_gives_its_reason(
    client: TestClient,
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    def failing(instance: Instance, *, time_limit: float, on_progress: ProgressHook) -> Solution:
        raise MemoryError("no room for the model")

    small_program(session)
    headers = _signed_in(client, session, Role.DIRECTOR)
    asked = client.post(
        "/api/v1/schedule/builds", json={"week_of": str(LATER), "time_limit": 5}, headers=headers
    )
    assert asked.status_code == 202
    run_jobs(session_factory, settings, failing)
    failed = client.get(asked.json()["status_url"]).json()
    assert (failed["status"], failed["error"]) == ("failed", "MemoryError: no room for the model")
    listed = client.get(f"/api/v1/schedule/builds?week={LATER}").json()
    assert [(b["status"], b["status_url"]) for b in listed] == [
        ("failed", asked.json()["status_url"])
    ]
