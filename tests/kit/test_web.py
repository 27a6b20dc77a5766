"""The request's unit of work: one session, committed before the response goes out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Message, Receive, Scope, Send

from stepdown.programs.models import Room
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_site, make_user, sign_in


class CommitFailed(Exception):
    """Stands in for a database that refuses the COMMIT (serialization failure, disk full)."""


@contextmanager
def failing_commits(factory: sessionmaker[Session]) -> Iterator[None]:
    def refuse(_session: Session) -> None:
        raise CommitFailed("the database refused the commit")

    event.listen(factory, "before_commit", refuse)
    try:
        yield
    finally:
        event.remove(factory, "before_commit", refuse)


def _bearer(session: Session, role: Role) -> dict[str, str]:
    user = make_user(session, role=role)
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=user.username, name="test"
    )
    return {"Authorization": f"Bearer {secret}"}


def test_the_commit_happens_before_the_response_starts(
    app: FastAPI, session: Session, session_factory: sessionmaker[Session]
) -> None:
    site = make_site(session)
    headers = _bearer(session, Role.DIRECTOR)
    session.commit()
    events: list[str] = []

    def committed(_session: Session) -> None:
        events.append("commit")

    async def recording(scope: Scope, receive: Receive, send: Send) -> None:
        async def spy(message: Message) -> None:
            if message["type"] == "http.response.start":
                events.append("http.response.start")
            await send(message)

        await app(scope, receive, spy)

    event.listen(session_factory, "after_commit", committed)
    try:
        with TestClient(recording, base_url="http://127.0.0.1:8000") as client:
            created = client.post(
                "/api/v1/programs/rooms",
                json={"site_id": str(site.id), "code": "CB1", "name": "Before", "capacity": 4},
                headers=headers,
            )
            assert created.status_code == 201
    finally:
        event.remove(session_factory, "after_commit", committed)
    assert events == ["commit", "http.response.start"]


def test_a_failing_commit_is_an_error_never_a_success(
    app: FastAPI, session: Session, session_factory: sessionmaker[Session]
) -> None:
    site = make_site(session)
    headers = _bearer(session, Role.DIRECTOR)
    record = make_client(session, site=site)
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_in(client, director.username)
        with failing_commits(session_factory):
            created = client.post(
                "/api/v1/programs/rooms",
                json={"site_id": str(site.id), "code": "CF1", "name": "Commit", "capacity": 4},
                headers=headers,
            )
            page = client.get(f"/clients/{record.id}")  # an audited read commits its audit entry
    assert created.status_code == 500
    assert created.json()["error"] == "ServerError"
    assert page.status_code == 500
    assert "Something went wrong" in page.text
    with session_factory() as fresh:
        assert fresh.scalar(select(Room).where(Room.code == "CF1")) is None


def test_a_request_uses_one_session(
    app: FastAPI, client: TestClient, session: Session, session_factory: sessionmaker[Session]
) -> None:
    """The route, the caller's policy and the CSRF check share one unit of work."""
    user = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, user.username)
    opened: list[Session] = []

    def counting(**kwargs: Any) -> Session:
        made = session_factory(**kwargs)
        opened.append(made)
        return made

    app.state.sessionmaker = counting
    assert client.get("/users").status_code == 200
    assert len(opened) == 1
    opened.clear()
    home = client.get("/")
    token = home.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    opened.clear()
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 200
    # the POST (caller, CSRF check, route) and the redirected GET: one session each
    assert len(opened) == 2


def test_a_nul_in_a_query_string_or_form_is_refused_naming_the_field(
    client: TestClient, session: Session
) -> None:
    """PostgreSQL refuses NUL in text; a page that passed one on answered 500."""
    make_user(session, role=Role.DIRECTOR, username="nul.director")
    session.commit()
    sign_in(client, "nul.director")
    searched = client.get("/clients", params={"q": "a\x00b"})
    assert searched.status_code == 422
    assert "Q: contains a NUL character" in searched.text
    page = client.get("/inquiries/new")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    posted = client.post(
        "/inquiries/new", data={"csrf_token": token, "caller_name": "Sam\x00", "site_id": ""}
    )
    assert posted.status_code == 422
    assert "Caller name: contains a NUL character" in posted.text
