"""Publishing is deliberate: the change list first, in names, then a confirmation of that list."""

from __future__ import annotations

import copy
import html

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.calendar import publish
from stepdown.calendar.models import BuildStatus, CalendarNotice, ScheduleBuild, SessionOccurrence
from stepdown.kit.errors import Conflict
from stepdown.security.roles import Role
from tests.calendar.test_publish import MONDAY, Week, make_week, store
from tests.factories import SYSTEM, csrf_from, make_user, sign_in
from tests.scheduling.test_pages import digest_from


def _named(session: Session) -> Week:
    week = make_week(session)
    week.leaders[0].display_name = "Dana Leader"
    week.leaders[1].display_name = "Sam Second"
    session.flush()
    return week


def _director(client: TestClient, session: Session) -> str:
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    return csrf_from(client.get(f"/schedule?week={MONDAY}").text)


def _status(session: Session, build: ScheduleBuild) -> BuildStatus:
    session.expire_all()
    found = session.get(ScheduleBuild, build.id)
    assert found is not None
    return found.status


def test_a_post_without_confirmation_shows_the_change_list_in_names_and_publishes_nothing(
    client: TestClient, session: Session
) -> None:
    week = _named(session)
    first = store(session, week, week.solution({"mon": [0, 1]}, appointments={3: "wed"}))
    publish.publish(session, actor=SYSTEM, build_id=first.id)
    second = store(session, week, week.solution({"mon": [0], "tue": [1, 2]}, leader={"tue": 1}))
    token = _director(client, session)

    page = client.post(f"/schedule/builds/{second.id}/publish", data={"csrf_token": token})
    assert page.status_code == 200
    text = page.text
    assert "Clients whose week moves (3)" in text  # Given1 to Tuesday, Given2 new, Given3's hour
    assert "Staff whose week moves (2)" in text  # Dana loses the hour, Sam gains Tuesday
    assert "Appointments cancelled (1)" in text
    for client_row in week.clients[1:]:
        assert client_row.display_name in text
        assert client_row.record_number not in text
    assert "Dana Leader" in text
    assert "Sam Second" in text
    assert "Relapse prevention" in text
    for leader in week.leaders:
        assert leader.username not in text
    assert ">RP<" not in text
    assert 'name="confirmed" value="yes"' in text
    assert _status(session, second) is BuildStatus.DRAFT
    told = select(CalendarNotice).where(CalendarNotice.build_id == second.id)
    assert session.scalars(told).all() == []


def test_the_confirmed_list_publishes_and_tells_everyone_it_names(
    client: TestClient, session: Session
) -> None:
    week = _named(session)
    build = store(session, week, week.solution({"mon": [0, 1], "tue": [2]}))
    token = _director(client, session)

    asked = client.post(f"/schedule/builds/{build.id}/publish", data={"csrf_token": token})
    done = client.post(
        f"/schedule/builds/{build.id}/publish",
        data={"csrf_token": token, "confirmed": "yes", "digest": digest_from(asked.text)},
    )
    assert done.status_code == 200
    assert "3 clients' and 1 staff members' weeks changed" in html.unescape(done.text)
    assert _status(session, build) is BuildStatus.PUBLISHED
    told = session.scalars(select(CalendarNotice)).all()
    assert {n.client_id for n in told if n.client_id} == {c.id for c in week.clients[:3]}
    assert {n.user_id for n in told if n.user_id} == {week.leaders[0].id}


def test_a_confirmation_of_a_list_that_changed_meanwhile_publishes_nothing(
    client: TestClient, session: Session
) -> None:
    week = _named(session)
    build = store(session, week, week.solution({"mon": [0, 1]}))
    token = _director(client, session)
    asked = client.post(f"/schedule/builds/{build.id}/publish", data={"csrf_token": token})
    # Another build of the week is published before the director confirms.
    other = store(session, week, week.solution({"mon": [0, 1], "tue": [2]}))
    publish.publish(session, actor=SYSTEM, build_id=other.id)
    session.commit()

    stale = client.post(
        f"/schedule/builds/{build.id}/publish",
        data={"csrf_token": token, "confirmed": "yes", "digest": digest_from(asked.text)},
    )
    assert stale.status_code == 409
    assert "differ from the ones you confirmed" in stale.text
    assert digest_from(stale.text) != digest_from(asked.text)  # the new list, to confirm
    assert _status(session, build) is BuildStatus.DRAFT

    without_digest = client.post(
        f"/schedule/builds/{build.id}/publish", data={"csrf_token": token, "confirmed": "yes"}
    )
    assert without_digest.status_code == 409
    assert _status(session, build) is BuildStatus.DRAFT


def test_the_service_refuses_a_digest_that_is_not_the_lists(session: Session) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0]}))
    with pytest.raises(Conflict) as refused:
        publish.publish(session, actor=SYSTEM, build_id=build.id, confirmed="0" * 32)
    assert refused.value.rule == "publish.changes_moved"
    assert session.scalars(select(SessionOccurrence)).all() == []
    digest = publish.preview(session, actor=SYSTEM, build_id=build.id).changes.digest
    result = publish.publish(session, actor=SYSTEM, build_id=build.id, confirmed=digest)
    assert result.build.status is BuildStatus.PUBLISHED


def test_a_group_whose_time_moved_is_listed_and_moved_on_the_calendar(session: Session) -> None:
    week = make_week(session)
    first = store(session, week, week.solution({"mon": [0, 1]}))
    publish.publish(session, actor=SYSTEM, build_id=first.id)
    second = store(session, week, week.solution({"mon": [0, 1]}))
    instance = copy.deepcopy(second.instance)
    for spec in instance["sessions"]:
        spec["start"], spec["end"] = "17:00", "18:30"
    second.instance = instance
    session.flush()

    preview = publish.preview(session, actor=SYSTEM, build_id=second.id)
    moved = [(m.before.start, m.after.start) for p in preview.changes.clients for m in p.moved]
    assert moved == [("18:00", "17:00"), ("18:00", "17:00")]
    publish.publish(session, actor=SYSTEM, build_id=second.id, confirmed=preview.changes.digest)
    occurrence = session.scalars(select(SessionOccurrence)).one()
    assert (occurrence.start, occurrence.end, occurrence.build_id) == ("17:00", "18:30", second.id)
