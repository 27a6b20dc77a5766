"""Sign-in and sign-out through the web form: cookies, CSRF, lockout, no half-made sessions."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.security.deps import SESSION_COOKIE
from stepdown.security.models import WebSession
from stepdown.security.roles import Role
from tests.factories import PASSWORD, csrf_from, make_user, sign_in


def _sessions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(WebSession)) or 0


def test_sign_in_sets_a_hardened_cookie_and_sign_out_ends_it(
    client: TestClient, session: Session
) -> None:
    make_user(session, username="web.user", role=Role.DIRECTOR)
    session.commit()
    token = csrf_from(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        data={"username": "web.user", "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert SESSION_COOKIE in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # base URL is http in tests
    home = client.get("/")
    assert home.status_code == 200
    assert "Program overview" in home.text
    out = client.post("/sign-out", data={"csrf_token": csrf_from(home.text)})
    assert out.status_code == 200
    assert "You are signed out" in out.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_wrong_password_shows_the_error_and_creates_no_session(
    client: TestClient, session: Session
) -> None:
    make_user(session, username="typo.user")
    session.commit()
    before = _sessions(session)
    token = csrf_from(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        data={"username": "typo.user", "password": "wrong password!", "csrf_token": token},
    )
    assert response.status_code == 401
    assert "Wrong username or password" in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert _sessions(session) == before


def test_missing_fields_redisplay_the_form(client: TestClient) -> None:
    token = csrf_from(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"username": "", "csrf_token": token})
    assert response.status_code == 422
    assert "Enter your username and password" in response.text


def test_forms_without_the_csrf_token_are_refused(client: TestClient, session: Session) -> None:
    make_user(session, username="csrf.user")
    session.commit()
    client.get("/sign-in")
    response = client.post("/sign-in", data={"username": "csrf.user", "password": PASSWORD})
    assert response.status_code == 403
    sign_in(client, "csrf.user")
    assert client.post("/sign-out", data={"csrf_token": "forged"}).status_code == 403


def test_next_parameter_cannot_leave_the_site(client: TestClient, session: Session) -> None:
    make_user(session, username="next.user")
    session.commit()
    token = csrf_from(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        data={
            "username": "next.user",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_signed_out_page_request_redirects_to_sign_in_with_next(client: TestClient) -> None:
    response = client.get("/audit?action=read", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/audit%3Faction%3Dread"


def test_cookie_is_secure_behind_https(client: TestClient, session: Session) -> None:
    make_user(session, username="https.user")
    session.commit()
    token = csrf_from(client.get("/sign-in").text)
    client.app.state.settings.base_url = "https://stepdown.example.org"  # type: ignore[attr-defined]
    response = client.post(
        "/sign-in",
        data={"username": "https.user", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert "Secure" in response.headers["set-cookie"]
