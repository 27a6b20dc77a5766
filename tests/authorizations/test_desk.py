"""The utilization-review desk on SQLite and PostgreSQL: a review due today, one overdue, an
approval running out, a request waiting, a denial with its appeal deadline, and a client in
care with nothing in force; who may open it; `stepdown ur desk` and `auth list` print it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from stepdown.authorizations import service
from stepdown.authorizations.rules import AuthStatus, UnitType
from stepdown.authorizations.schemas import AuthorizationRequest, Decision
from stepdown.coverage import service as coverage_service
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.kit.errors import Forbidden
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.command_line import stepdown
from tests.coverage.factories import make_coverage, make_payer
from tests.factories import SYSTEM, make_client, make_episode, make_site, make_user


def _in_care(session: Session, site: object) -> tuple[object, object]:
    person = make_client(session, site=site)  # type: ignore[arg-type]
    episode = make_episode(session, client=person, on=today() - timedelta(days=20))
    coverage = make_coverage(
        session, coverage_service.Owner(client_id=person.id), make_payer(session), member_id="M1"
    )
    return episode, coverage


def _authorize(
    session: Session, episode: object, coverage: object, status: AuthStatus, **decision: object
) -> None:
    found = service.request_authorization(
        session,
        actor=SYSTEM,
        episode_id=episode.id,  # type: ignore[attr-defined]
        data=AuthorizationRequest(
            coverage_id=coverage.id,  # type: ignore[attr-defined]
            level_code="IOP",
            unit_type=UnitType.DAY,
            requested_units=10,
            starts_on=today() - timedelta(days=5),
            ends_on=today() + timedelta(days=int(decision.pop("days_left", 20))),  # type: ignore[call-overload]
        ),
    )
    if status is not AuthStatus.PENDING:
        service.record_decision(
            session,
            actor=SYSTEM,
            authorization_id=found.id,
            data=Decision(status=status, **decision),  # type: ignore[arg-type]
        )


def _seed(session: Session) -> dict[str, str]:
    site = make_site(session)
    names: dict[str, str] = {}
    for label, status, decision in (
        (
            "due_today",
            AuthStatus.APPROVED,
            {"approved_units": 10, "auth_number": "A1", "next_review_on": today()},
        ),
        (
            "overdue",
            AuthStatus.APPROVED,
            {
                "approved_units": 10,
                "auth_number": "A2",
                "next_review_on": today() - timedelta(days=2),
            },
        ),
        (
            "running_out",
            AuthStatus.APPROVED,
            {"approved_units": 10, "auth_number": "A3", "days_left": 3},
        ),
        ("pending", AuthStatus.PENDING, {}),
        ("denied", AuthStatus.DENIED, {"appeal_deadline": today() + timedelta(days=30)}),
    ):
        episode, coverage = _in_care(session, site)
        _authorize(session, episode, coverage, status, **decision)
        names[label] = episode.client_id  # type: ignore[attr-defined]
    bare, _ = _in_care(session, site)
    names["uncovered"] = bare.client_id  # type: ignore[attr-defined]
    return names


def test_the_desk_sorts_the_days_work(session: Session) -> None:
    ids = _seed(session)
    review = security_service.actor_for(make_user(session, role=Role.UTILIZATION_REVIEW))
    desk = service.desk(session, actor=review)

    def clients(rows: list[service.DeskRow]) -> set[object]:
        return {r.client.id for r in rows}

    assert clients(desk.due_today) == {ids["due_today"]}
    assert clients(desk.overdue) == {ids["overdue"]}
    assert ids["running_out"] in clients(desk.running_out)
    assert clients(desk.pending) == {ids["pending"]}
    assert clients(desk.denied) == {ids["denied"]}
    uncovered = {c.id for c in desk.uncovered}
    assert {ids["uncovered"], ids["pending"], ids["denied"]} <= uncovered
    assert ids["due_today"] not in uncovered
    clinician = security_service.actor_for(make_user(session, role=Role.CLINICIAN))
    with pytest.raises(Forbidden):
        service.desk(session, actor=clinician)


def test_the_cli_prints_the_desk(tmp_path: Path) -> None:
    env: dict[str, str | None] = {
        "STEPDOWN_VAR_DIR": str(tmp_path),
        "STEPDOWN_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
    }
    assert stepdown(env, "db", "upgrade").returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path}/cli.db")
    with session_scope(make_sessionmaker(engine)) as session:
        _seed(session)
    engine.dispose()
    desk = stepdown(env, "ur", "desk")
    assert desk.returncode == 0, desk.stderr
    for title in ("Reviews due today", "Reviews overdue", "Requests waiting", "Denials"):
        assert title in desk.stdout
    listed = stepdown(env, "auth", "list", "--expiring", "7")
    assert listed.returncode == 0, listed.stderr
    assert "Running out" in listed.stdout
    assert stepdown(env, "auth", "list", "--expiring", "-1").returncode == 2
