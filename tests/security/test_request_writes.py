"""A plain read writes nothing: last-used and last-seen times are kept to the minute."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from stepdown.kit.clock import utc_now
from stepdown.security import service
from stepdown.security.models import ApiToken, WebSession
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_user, sign_in

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def writes(engine: Engine) -> Iterator[list[str]]:
    """Every INSERT, UPDATE and DELETE the engine sends while the block runs."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_bearer_token_is_not_written_on_every_request(
    client: TestClient, session: Session, engine: Engine
) -> None:
    user = make_user(session, role=Role.DIRECTOR)
    secret, token = service.create_api_token(
        session, actor=SYSTEM, username=user.username, name="monitor"
    )
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    with writes(engine) as first:
        assert client.get("/api/docs", headers=headers).status_code == 200
    assert len(first) == 1  # the first use is recorded
    with writes(engine) as again:
        for _ in range(3):
            assert client.get("/api/docs", headers=headers).status_code == 200
    assert again == []
    session.expire_all()
    stored = session.get(ApiToken, token.id)
    assert stored is not None
    stored.last_used_at = utc_now() - timedelta(seconds=61)
    session.commit()
    with writes(engine) as later:
        assert client.get("/api/docs", headers=headers).status_code == 200
    assert len(later) == 1  # a minute on, the use is recorded again


def test_a_page_with_a_session_cookie_writes_nothing(
    client: TestClient, session: Session, engine: Engine
) -> None:
    admin = make_user(session, role=Role.ADMIN)
    session.commit()
    sign_in(client, admin.username)
    with writes(engine) as seen:
        for _ in range(3):
            assert client.get("/users").status_code == 200
    assert seen == []


def test_a_session_in_use_is_kept_alive_and_an_idle_one_ends(
    client: TestClient, session: Session
) -> None:
    admin = make_user(session, role=Role.ADMIN)
    session.commit()
    sign_in(client, admin.username)
    web_session = session.query(WebSession).filter_by(user_id=admin.id).one()
    # Last seen 29 minutes ago: the next request slides the 30-minute idle limit.
    web_session.last_seen_at = utc_now() - timedelta(minutes=29)
    web_session.expires_at = web_session.last_seen_at + timedelta(minutes=30)
    session.commit()
    assert client.get("/users").status_code == 200
    session.refresh(web_session)
    assert web_session.expires_at > utc_now() + timedelta(minutes=29)
    # Idle past the limit: the session is over however recently it was written.
    web_session.expires_at = utc_now() - timedelta(seconds=1)
    session.commit()
    assert client.get("/users", follow_redirects=False).status_code == 303
