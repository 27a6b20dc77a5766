"""The director's schedule pages: week, build, review, publish and discard, as a browser posts."""

from __future__ import annotations

import re
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from stepdown.app import create_app
from stepdown.attendance.models import AttendanceRecord
from stepdown.calendar import publish
from stepdown.calendar.models import BuildStatus, ScheduleBuild, SessionOccurrence
from stepdown.kit import migrate
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.scheduling import service
from stepdown.scheduling.exchange import Instance, Solution
from stepdown.scheduling.first_fit import first_fit
from stepdown.scheduling.solver import Progress
from stepdown.security.roles import Role
from stepdown.settings import Settings
from tests.calendar.test_publish import MONDAY, make_week, store
from tests.factories import SYSTEM, csrf_from, make_occurrence, make_user, sign_in
from tests.scheduling.test_tasks import (
    LATER,
    ProgressHook,
    first_fit_solver,
    run_jobs,
    small_program,
)


def digest_from(html: str) -> str:
    """The change list's digest the confirm page's form carries."""
    found = re.search(r'name="digest" value="([0-9a-f]+)"', html)
    assert found is not None, "no confirm form on the page"
    return found.group(1)


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
    assert week.clients[3].display_name in page.text  # in the unmet list, with a reason
    assert week.clients[3].record_number not in page.text
    assert f"Site {week.site.code}" in page.text
    assert "Relapse prevention</strong> · " + week.room.code in page.text
    assert "Publish this week" in page.text

    asked = client.post(f"/schedule/builds/{build.id}/publish", data={"csrf_token": token})
    assert asked.status_code == 200
    assert "Publish and tell them" in asked.text  # the change list to confirm first
    published = client.post(
        f"/schedule/builds/{build.id}/publish",
        data={"csrf_token": token, "confirmed": "yes", "digest": digest_from(asked.text)},
    )
    assert published.status_code == 200  # followed the redirect back to the review
    assert "Published the week of" in published.text
    assert f"/calendar/site/{week.site.code}?week={MONDAY}" in published.text
    assert "Publish this week" not in published.text
    session.expire_all()
    assert session.get(ScheduleBuild, build.id).status is BuildStatus.PUBLISHED  # type: ignore[union-attr]
    assert len(session.scalars(select(SessionOccurrence)).all()) == 2

    again = client.post(
        f"/schedule/builds/{build.id}/publish", data={"csrf_token": token, "confirmed": "yes"}
    )
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
    assert "Clients whose week moves (2)" in page.text  # out of Monday's group; Wed to Thu
    assert week.clients[1].display_name in page.text
    assert week.clients[1].record_number not in page.text

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


def test_a_build_is_queued_then_its_page_shows_progress_then_the_review(
    client: TestClient,
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    small_program(session)
    token = _director(client, session)
    refused = client.post(
        "/schedule/builds", data={"csrf_token": token, "week": str(LATER), "time_limit": "0"}
    )
    assert refused.status_code == 422
    assert "give between 1 and 600 seconds" in refused.text

    asked = client.post(
        "/schedule/builds",
        data={"csrf_token": token, "week": str(LATER), "time_limit": "5"},
        headers={"HX-Request": "true"},
    )
    assert asked.status_code == 200
    target = asked.headers["HX-Redirect"]
    page = client.get(target)
    assert "Building the week of" in page.text  # the flash
    assert "Waiting for the job runner" in page.text
    assert f'hx-get="{target}/progress" hx-trigger="every 2s"' in page.text
    assert f'<a href="{target}">Refresh</a>' in page.text  # without JavaScript
    assert "Discard this build" in page.text
    assert "Queued" in client.get(f"/schedule?week={LATER}").text

    build_id = uuid.UUID(target.rsplit("/", 1)[1])
    build = session.get_one(ScheduleBuild, build_id)
    build.status = BuildStatus.SOLVING  # as the job leaves it while the optimizer runs
    session.flush()
    service.record_progress(
        session,
        build_id=build_id,
        progress={"clients": 2, "seconds": 1.5, "compliant": 1, "compliant_bound": 2},
    )
    session.commit()
    panel = client.get(f"{target}/progress", headers={"HX-Request": "true"})
    assert 'id="build-progress"' in panel.text
    assert "<html" not in panel.text  # the panel alone, swapped into the page
    assert "1.5 s of up to 5 s" in panel.text
    assert "1 of 2" in panel.text
    assert "at most 2 compliant" in panel.text
    assert "1 of 2 so far" in client.get(f"/schedule?week={LATER}").text

    build.status = BuildStatus.QUEUED  # the job takes it from the start
    session.commit()
    assert run_jobs(session_factory, settings, first_fit_solver) == 1
    done = client.get(f"{target}/progress", headers={"HX-Request": "true"})
    assert done.headers["HX-Redirect"] == target
    review = client.get(target)
    assert "compliant. Review it below" in review.text
    assert "Sessions by site" in review.text
    assert "Publish this week" in review.text
    assert "hx-trigger" not in review.text


def test_a_failed_build_shows_its_reason_and_polling_stops(
    client: TestClient,
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    token = _director(client, session)  # nobody in care: the job cannot build the week
    asked = client.post(
        "/schedule/builds", data={"csrf_token": token, "week": str(LATER), "time_limit": "5"}
    )
    assert asked.status_code == 200
    target = str(asked.url.path)
    run_jobs(session_factory, settings, first_fit_solver)
    polled = client.get(f"{target}/progress", headers={"HX-Request": "true"})
    assert polled.headers["HX-Redirect"] == target
    page = client.get(target)
    assert f"The build failed: no client can be scheduled in the week of {LATER}" in page.text
    assert "hx-trigger" not in page.text
    assert "Discard this build" not in page.text
    week = client.get(f"/schedule?week={LATER}")
    assert "Failed" in week.text
    assert "no client can be scheduled" in week.text


def test_a_queued_build_can_be_discarded_from_its_page(
    client: TestClient, session: Session
) -> None:
    token = _director(client, session)
    asked = client.post(
        "/schedule/builds", data={"csrf_token": token, "week": str(LATER), "time_limit": "5"}
    )
    target = str(asked.url.path)
    discarded = client.post(f"{target}/discard", data={"csrf_token": token})
    assert "Build discarded." in discarded.text
    session.expire_all()
    build = session.get_one(ScheduleBuild, uuid.UUID(target.rsplit("/", 1)[1]))
    assert build.status is BuildStatus.DISCARDED


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


def test_while_a_build_solves_other_requests_go_on_and_its_page_follows_it(
    tmp_path: Path,
) -> None:
    """The embedded install: one SQLite file, the app's requests and the job runner's thread
    on their own connections. Before, the build held the write lock for its whole solve and
    every other write failed with "database is locked" after the 10 s busy timeout."""
    settings = Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/live.db",
        secret_key="live-build-test-key",  # type: ignore[arg-type]
        jobs_backend="off",  # the test runs the job itself, with an optimizer it controls
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = make_engine(settings.effective_database_url)
    migrate.upgrade(engine)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as setup:
        program = small_program(setup)
        director = make_user(setup, role=Role.DIRECTOR)
        group = make_occurrence(
            setup,
            site=program.site,
            leader=program.therapist,
            # The program's day, which attendance is taken on: UTC's differs each evening.
            day=datetime.now(ZoneInfo(settings.timezone)).date(),
            start="00:00",
            end="00:30",
            room=program.room,
            clients=program.clients,
        )
    solving, release = threading.Event(), threading.Event()

    def slow(instance: Instance, *, time_limit: float, on_progress: ProgressHook) -> Solution:
        on_progress(Progress(seconds=1.5, objective=10, bound=30, compliant=1, compliant_bound=2))
        solving.set()
        assert release.wait(60), "the test never let the optimizer finish"
        return first_fit(instance)

    errors: list[BaseException] = []

    def job_runner() -> None:
        try:
            run_jobs(factory, settings, slow)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    runner = threading.Thread(target=job_runner)
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        sign_in(client, director.username)
        token = csrf_from(client.get(f"/schedule?week={LATER}").text)
        asked = client.post(
            "/schedule/builds", data={"csrf_token": token, "week": str(LATER), "time_limit": "5"}
        )
        target = str(asked.url.path)
        assert "Waiting for the job runner" in asked.text
        runner.start()
        try:
            assert solving.wait(30), "the job did not start the optimizer"
            deadline = time.monotonic() + 10
            while "Compliant so far" not in (page := client.get(target).text):
                assert time.monotonic() < deadline, "no progress shown"
                time.sleep(0.1)
            assert "1.5 s of up to 5 s" in page
            assert "1 of 2" in page

            # Pages that read (and audit what they show) and a write all go through at once.
            for path in (
                f"/schedule?week={LATER}",
                "/clients",
                f"/clients/{program.clients[0].id}",
            ):
                started = time.monotonic()
                assert client.get(path).status_code == 200, path
                assert time.monotonic() - started < 2, path
            started = time.monotonic()
            marked = client.post(
                f"/attendance/occurrences/{group.id}/all-present", data={"csrf_token": token}
            )
            assert time.monotonic() - started < 2
            assert "2 marked present" in marked.text
            with Session(engine) as check:
                assert check.scalar(select(func.count()).select_from(AttendanceRecord)) == 2
        finally:
            release.set()
            runner.join(60)
        assert errors == []

        done = client.get(f"{target}/progress", headers={"HX-Request": "true"})
        assert done.headers["HX-Redirect"] == target
        review = client.get(target)
        assert "compliant. Review it below" in review.text
        assert "Sessions by site" in review.text
    engine.dispose()
