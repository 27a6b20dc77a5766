"""A director adjusts a draft by hand: moves a client between groups, drops a group; the
validator checks again and a broken rule blocks publishing until it is fixed."""

from __future__ import annotations

import html

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.calendar import publish
from stepdown.calendar.models import BuildStatus, ScheduleBuild
from stepdown.kit.errors import Conflict, Invalid
from stepdown.scheduling import service
from stepdown.scheduling.exchange import parse_solution
from stepdown.security.roles import Role
from tests.calendar.test_publish import MONDAY, Week, make_week, store
from tests.factories import SYSTEM, csrf_from, make_user, sign_in
from tests.scheduling.test_pages import digest_from


def _director(client: TestClient, session: Session) -> str:
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    return csrf_from(client.get(f"/schedule?week={MONDAY}").text)


def _fresh(session: Session, build: ScheduleBuild) -> ScheduleBuild:
    session.expire_all()
    found = session.get(ScheduleBuild, build.id)
    assert found is not None
    return found


def _code(week: Week, day: str) -> str:
    return f"{week.site.code}-G-{day}"


def test_moving_a_client_is_stored_as_the_solver_stores_a_week_and_shown_in_names(
    client: TestClient, session: Session
) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0, 1], "tue": [2]}))
    token = _director(client, session)
    mover = week.clients[1]

    moved = client.post(
        f"/schedule/builds/{build.id}/move",
        data={
            "csrf_token": token,
            "client": mover.record_number,
            "from_session": _code(week, "mon"),
            "to_session": _code(week, "tue"),
        },
    )
    assert moved.status_code == 200  # back on the adjust page
    assert "Client moved. The validator finds no broken rule." in moved.text
    stored = _fresh(session, build)
    solution = parse_solution(stored.solution)
    rows = [(a.session, a.client) for a in solution.attendance]
    assert rows == sorted(rows)
    assert (_code(week, "tue"), mover.record_number) in rows
    assert (_code(week, "mon"), mover.record_number) not in rows
    assert solution.stats["status"] == "ADJUSTED"
    assert stored.summary["valid"] is True
    assert [a["op"] for a in stored.summary["adjustments"]] == ["move"]
    audited = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_type == "schedule_build",
            AuditEntry.entity_id == str(build.id),
            AuditEntry.client_id == mover.id,
            AuditEntry.action == "update",
        )
    ).all()
    assert len(audited) == 1

    review = html.unescape(client.get(f"/schedule/builds/{build.id}").text)
    assert (
        f"Moved {mover.display_name} from Relapse prevention, Mon 18:00–19:30 "
        f"({week.site.code}) to Relapse prevention, Tue 18:00–19:30" in review
    )
    assert "adjusted by hand" in review
    assert mover.record_number not in review


def test_a_move_that_breaks_a_rule_blocks_publishing_until_it_is_moved_back(
    client: TestClient, session: Session
) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0, 1, 2], "tue": [3]}))
    token = _director(client, session)
    crowding = {
        "csrf_token": token,
        "client": week.clients[3].record_number,
        "from_session": _code(week, "tue"),
        "to_session": _code(week, "mon"),
    }
    moved = client.post(f"/schedule/builds/{build.id}/move", data=crowding)
    assert "breaks a rule" in moved.text
    page = html.unescape(moved.text)
    assert "Relapse prevention, Mon 18:00–19:30" in page  # the rule named in words
    assert "has 4 clients, outside 1–3" in page
    assert _fresh(session, build).summary["valid"] is False

    asked = client.post(f"/schedule/builds/{build.id}/publish", data={"csrf_token": token})
    refused = client.post(
        f"/schedule/builds/{build.id}/publish",
        data={"csrf_token": token, "confirmed": "yes", "digest": digest_from(asked.text)},
    )
    assert "Not published: the schedule breaks a rule" in refused.text
    assert _fresh(session, build).status is BuildStatus.DRAFT

    back = dict(crowding, from_session=_code(week, "mon"), to_session=_code(week, "tue"))
    fixed = client.post(f"/schedule/builds/{build.id}/move", data=back)
    assert "The validator finds no broken rule." in fixed.text
    stored = _fresh(session, build)
    assert stored.summary["valid"] is True
    assert len(stored.summary["adjustments"]) == 2
    digest = publish.preview(session, actor=SYSTEM, build_id=build.id).changes.digest
    result = publish.publish(session, actor=SYSTEM, build_id=build.id, confirmed=digest)
    assert result.build.status is BuildStatus.PUBLISHED
    session.commit()
    late = client.get(f"/schedule/builds/{build.id}/adjust")
    assert "Not adjusted: this build is published; only a draft can be adjusted" in late.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("client", "NOBODY", "choose a client of this build"),
        ("from_session", "tue", "the client is not in that group in this build"),
        ("to_session", "wed", "choose a group that runs in this build"),
        ("to_session", "mon", "choose a different group to move to"),
    ],
)
def test_a_move_that_cannot_be_made_is_refused_naming_the_field(
    client: TestClient, session: Session, field: str, value: str, message: str
) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0, 1], "tue": [2]}))
    token = _director(client, session)
    form = {
        "csrf_token": token,
        "client": week.clients[0].record_number,
        "from_session": _code(week, "mon"),
        "to_session": _code(week, "tue"),
    }
    form[field] = value if field == "client" else _code(week, value)
    refused = client.post(f"/schedule/builds/{build.id}/move", data=form)
    assert refused.status_code == 422
    assert message in refused.text
    assert f'id="e-{field}"' in refused.text
    assert "adjustments" not in _fresh(session, build).summary


def test_dropping_a_group_asks_first_then_takes_it_and_its_seats_out(
    client: TestClient, session: Session
) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0, 1], "tue": [2]}))
    token = _director(client, session)
    drop = {"csrf_token": token, "session": _code(week, "mon")}

    asked = client.post(f"/schedule/builds/{build.id}/drop", data=drop)
    assert asked.status_code == 200
    assert week.clients[0].display_name in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    assert len(parse_solution(_fresh(session, build).solution).sessions) == 2

    dropped = client.post(f"/schedule/builds/{build.id}/drop", data={**drop, "confirmed": "yes"})
    assert "Group dropped; 2 clients lose it." in dropped.text
    solution = parse_solution(_fresh(session, build).solution)
    assert [r.id for r in solution.sessions] == [_code(week, "tue")]
    assert {a.session for a in solution.attendance} == {_code(week, "tue")}
    assert {u.client for u in solution.unmet} >= {c.record_number for c in week.clients[:2]}


def test_only_a_draft_is_adjusted_and_only_by_a_director(
    client: TestClient, session: Session
) -> None:
    week = make_week(session)
    build = store(session, week, week.solution({"mon": [0, 1], "tue": [2]}))
    publish.publish(session, actor=SYSTEM, build_id=build.id)
    with pytest.raises(Conflict):
        service.drop_session(session, actor=SYSTEM, build_id=build.id, session_id="x")
    draft = store(session, week, week.solution({"mon": [0, 1], "tue": [2]}))
    with pytest.raises(Invalid):
        service.drop_session(session, actor=SYSTEM, build_id=draft.id, session_id="x")
    clinician = make_user(session, role=Role.CLINICIAN)
    session.commit()
    sign_in(client, clinician.username)
    token = csrf_from(client.get("/").text)
    assert client.get(f"/schedule/builds/{draft.id}/adjust").status_code == 403
    refused = client.post(
        f"/schedule/builds/{draft.id}/drop",
        data={"csrf_token": token, "session": _code(week, "mon"), "confirmed": "yes"},
    )
    assert refused.status_code == 403
    assert len(parse_solution(_fresh(session, draft).solution).sessions) == 2
