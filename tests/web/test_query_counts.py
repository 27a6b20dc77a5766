"""Pages and API reads that list clients run a fixed number of statements, whatever the
census: a query per client made a 300-client site's census and board take half a second.

Each test serves the same request for a small and a larger census and compares the
number of SQL statements the request ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from stepdown.attendance.rules import week_of
from stepdown.kit.clock import today
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import (
    PASSWORD,
    SYSTEM,
    make_client,
    make_episode,
    make_site,
    make_user,
    sign_in,
)


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def _count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def _admit(session: Session, site: Site, how_many: int) -> None:
    for _ in range(how_many):
        make_episode(session, client=make_client(session, site=site))
    session.commit()


def _statements_for(
    engine: Engine, session: Session, site: Site, request: Callable[[], Any]
) -> tuple[int, int]:
    """Statements the request runs with 2 clients in care, then with 12."""
    _admit(session, site, 2)
    request()  # warm caches (the level catalog, the caller's token) the same way both times
    with counted(engine) as few:
        assert request().status_code == 200
    _admit(session, site, 10)
    with counted(engine) as many:
        assert request().status_code == 200
    return len(few), len(many)


@pytest.fixture
def director_headers(session: Session) -> dict[str, str]:
    person = make_user(session, role=Role.DIRECTOR, username="counts.director")
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=person.username, name="t"
    )
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_the_census_api_runs_a_fixed_number_of_statements(
    client: TestClient, engine: Engine, session: Session, director_headers: dict[str, str]
) -> None:
    site = make_site(session)
    few, many = _statements_for(
        engine,
        session,
        site,
        lambda: client.get(f"/api/v1/census?site_id={site.id}", headers=director_headers),
    )
    assert few == many


def test_the_compliance_board_api_runs_a_fixed_number_of_statements(
    client: TestClient, engine: Engine, session: Session, director_headers: dict[str, str]
) -> None:
    site = make_site(session)
    week = week_of(today()).isoformat()
    few, many = _statements_for(
        engine,
        session,
        site,
        lambda: client.get(
            f"/api/v1/attendance/board?site={site.code}&week={week}", headers=director_headers
        ),
    )
    assert few == many


def test_the_census_and_board_pages_run_a_fixed_number_of_statements(
    client: TestClient, engine: Engine, session: Session
) -> None:
    site = make_site(session)
    make_user(session, role=Role.DIRECTOR, username="counts.pages", site=site)
    session.commit()
    sign_in(client, "counts.pages", PASSWORD)
    for path in ("/census", f"/attendance/board?site={site.code}"):
        few, many = _statements_for(engine, session, site, lambda path=path: client.get(path))
        assert few == many, path


def test_a_clients_accountability_summary_and_hours_tab_do_not_grow_with_the_census(
    client: TestClient, engine: Engine, session: Session, director_headers: dict[str, str]
) -> None:
    site = make_site(session)
    person = make_client(session, site=site)
    make_episode(session, client=person)
    make_user(session, role=Role.DIRECTOR, username="counts.hours", site=site)
    session.commit()
    sign_in(client, "counts.hours", PASSWORD)
    api = f"/api/v1/clients/{person.id}/accountability"
    few, many = _statements_for(
        engine, session, site, lambda: client.get(api, headers=director_headers)
    )
    assert few == many
    few, many = _statements_for(
        engine, session, site, lambda: client.get(f"/clients/{person.id}?tab=hours")
    )
    assert few == many


def test_a_pages_audited_reads_are_chained_in_one_insert(
    client: TestClient, engine: Engine, session: Session, director_headers: dict[str, str]
) -> None:
    """The accountability summary audits seven reads; they join the chain together at
    commit, so the chain's lock is taken once, at the end of the request."""
    site = make_site(session)
    person = make_client(session, site=site)
    make_episode(session, client=person)
    session.commit()
    api = f"/api/v1/clients/{person.id}/accountability"
    with counted(engine) as statements:
        assert client.get(api, headers=director_headers).status_code == 200
    inserts = [s for s in statements if s.startswith("INSERT INTO audit_entry")]
    tails = [s for s in statements if "FROM audit_entry ORDER BY audit_entry.seq DESC" in s]
    assert (len(inserts), len(tails)) == (1, 1)
    assert statements.index(tails[0]) > max(
        i for i, s in enumerate(statements) if s.startswith("SELECT instrument_response")
    )
