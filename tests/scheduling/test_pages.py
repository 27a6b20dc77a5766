"""The director's schedule pages: week, build, review, publish and discard, as a browser posts."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.calendar import publish
from stepdown.calendar.models import BuildStatus, ScheduleBuild, SessionOccurrence
from stepdown.demo.seed import seed
from stepdown.kit.clock import today
from stepdown.security.roles import Role
from tests.calendar.test_publish import MONDAY, make_week, store
from tests.factories import SYSTEM, csrf_from, make_user, sign_in

KEY = "demo-test-key"


def _director(client: TestClient, session: Session) -> str:
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    return csrf_from(client.get(f"/schedule?week={MONDAY}").text)


def test_the_review_shows_figures_grid_and_unmet_then_publish_puts_it_on_the_calendar(
    client: TestClient, session: Session
) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0, 1], "wed": [2]}))
    token = _director(client, session)

    listing = client.get(f"/schedule?week={MONDAY + timedelta(days=3)}")
    assert listing.status_code == 200
    assert f"/schedule/builds/{build.id}" in listing.text
    assert "Nothing is published for this week yet" in listing.text

    page = client.get(f"/schedule/builds/{build.id}")
    assert page.status_code == 200
    assert "0 of 4 (0 %)" in page.text  # nobody has their individual appointment
    assert week.clients[3].record_number in page.text  # in the unmet list, with a reason
    assert f"Site {week.site.code}" in page.text
    assert "RP</strong> · " + week.room.code in page.text
    assert "Publish this week" in page.text

    published = client.post(f"/schedule/builds/{build.id}/publish", data={"csrf_token": token})
    assert published.status_code == 200  # followed the redirect back to the review
    assert "Published the week of" in published.text
    assert f"/calendar/site/{week.site.code}?week={MONDAY}" in published.text
    assert "Publish this week" not in published.text
    session.expire_all()
    assert session.get(ScheduleBuild, build.id).status is BuildStatus.PUBLISHED  # type: ignore[union-attr]
    assert len(session.scalars(select(SessionOccurrence)).all()) == 2

    again = client.post(f"/schedule/builds/{build.id}/publish", data={"csrf_token": token})
    assert "Not published: this build is published" in again.text


def test_a_later_build_shows_its_changes_and_can_be_discarded(
    client: TestClient, session: Session
) -> None:
    week = make_week(session)
    first = store(session, week, week.solution({"mon": [0, 1], "wed": [2]}))
    publish.publish(session, actor=SYSTEM, build_id=first.id)
    second = store(session, week, week.solution({"mon": [0], "thu": [2]}))
    token = _director(client, session)

    page = client.get(f"/schedule/builds/{second.id}")
    assert "Sessions added: 1" in page.text
    assert "Sessions removed: 1" in page.text
    assert week.clients[1].record_number in page.text  # moved out of Monday's group

    discarded = client.post(f"/schedule/builds/{second.id}/discard", data={"csrf_token": token})
    assert discarded.status_code == 200
    assert "Build discarded." in discarded.text
    session.expire_all()
    assert session.get(ScheduleBuild, second.id).status is BuildStatus.DISCARDED  # type: ignore[union-attr]


def test_a_post_without_the_csrf_token_is_refused(client: TestClient, session: Session) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0]}))
    _director(client, session)
    refused = client.post(f"/schedule/builds/{build.id}/publish", data={})
    assert refused.status_code == 403
    session.expire_all()
    assert session.get(ScheduleBuild, build.id).status is BuildStatus.DRAFT  # type: ignore[union-attr]


def test_clinicians_get_no_schedule_builds(client: TestClient, session: Session) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0]}))
    clinician = make_user(session, role=Role.CLINICIAN)
    session.commit()
    sign_in(client, clinician.username)
    assert client.get(f"/schedule/builds/{build.id}").status_code == 403
    assert 'href="/schedule"' not in client.get("/clients").text


def test_building_the_demo_week_in_the_browser(client: TestClient, session: Session) -> None:
    sign_ins = {s.role: s for s in seed(session, actor=SYSTEM, secret_key=KEY)}
    session.commit()
    director = sign_ins[Role.DIRECTOR]
    sign_in(client, director.username, director.password)
    later = today() - timedelta(days=today().weekday()) + timedelta(weeks=2)
    token = csrf_from(client.get(f"/schedule?week={later}").text)

    refused = client.post(
        "/schedule/builds", data={"csrf_token": token, "week": str(later), "time_limit": "0"}
    )
    assert refused.status_code == 422
    assert "give between 1 and 60 seconds" in refused.text

    built = client.post(
        "/schedule/builds",
        data={"csrf_token": token, "week": str(later), "time_limit": "2"},
        headers={"HX-Request": "true"},
    )
    assert built.status_code == 200
    target = built.headers["HX-Redirect"]
    assert target.startswith("/schedule/builds/")
    review = client.get(target)
    assert "compliant. Review it below" in review.text
    assert "Sessions by site" in review.text


def test_a_refused_background_build_is_swapped_into_the_page(
    client: TestClient, session: Session
) -> None:
    """htmx swaps only 2xx responses, so its refusal comes back as 200, retargeted."""
    token = _director(client, session)
    refused = client.post(
        "/schedule/builds",
        data={"csrf_token": token, "week": str(MONDAY), "time_limit": "soon"},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 200
    assert refused.headers["HX-Retarget"] == "#main"
    assert "enter a number of seconds" in refused.text
    assert 'value="soon"' in refused.text
