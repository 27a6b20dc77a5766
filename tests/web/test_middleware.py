"""What wraps every request: our own request id, one log line, headers, the body limit."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from stepdown.app import create_app
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.security.deps import open_route
from stepdown.security.roles import Role
from stepdown.settings import Settings
from tests.factories import csrf_from, make_client, make_site, make_user, sign_in

OURS = re.compile(r"[0-9a-f]{32}")


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "stepdown.access"]


class TestRequestId:
    def test_the_client_cannot_choose_the_id_in_the_audit_trail(
        self, client: TestClient, session: Session, caplog: pytest.LogCaptureFixture
    ) -> None:
        site = make_site(session)
        clinician = make_user(session, role=Role.CLINICIAN, site=site)
        person = make_client(session, site=site, clinician=clinician)
        session.commit()
        sign_in(client, clinician.username)
        chosen = "chosen-by-the-client-0001"
        with caplog.at_level("INFO", logger="stepdown.access"):
            page = client.get(f"/clients/{person.id}", headers={"X-Request-ID": chosen})
        assert page.status_code == 200
        ours = page.headers["x-request-id"]
        assert OURS.fullmatch(ours)
        reads = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == AuditAction.READ, AuditEntry.actor_id == clinician.id
            )
        ).all()
        assert reads
        assert {entry.request_id for entry in reads} == {ours}
        (line,) = [line for line in _access_lines(caplog) if f"request_id={ours}" in line]
        assert line.endswith(f"client_request_id={chosen}")

    @pytest.mark.parametrize("given", ["short", "has spaces in it", "x" * 65, "<script>1</script>"])
    def test_a_malformed_client_id_is_not_logged(
        self, client: TestClient, given: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level("INFO", logger="stepdown.access"):
            response = client.get("/healthz", headers={"X-Request-ID": given})
        assert OURS.fullmatch(response.headers["x-request-id"])
        (line,) = _access_lines(caplog)
        assert "client_request_id" not in line
        assert given not in line

    def test_every_request_gets_a_fresh_id(self, client: TestClient) -> None:
        ids = {client.get("/healthz").headers["x-request-id"] for _ in range(3)}
        assert len(ids) == 3


class TestHeaders:
    @pytest.mark.parametrize("path", ["/sign-in", "/healthz", "/api/docs", "/api/v1/me"])
    def test_nothing_may_be_framed_and_no_device_api_is_offered(
        self, client: TestClient, path: str
    ) -> None:
        response = client.get(path)
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        policy = response.headers["permissions-policy"]
        for feature in ("camera", "microphone", "geolocation", "payment"):
            assert f"{feature}=()" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"

    def test_the_api_reference_keeps_its_own_policy(self, client: TestClient) -> None:
        csp = client.get("/api/docs").headers["content-security-policy"]
        assert "default-src" not in csp  # Swagger UI starts itself with an inline script

    def test_hsts_only_behind_https(self, client: TestClient) -> None:
        assert "strict-transport-security" not in client.get("/sign-in").headers
        client.app.state.settings.base_url = "https://stepdown.example.org"  # type: ignore[attr-defined]
        hsts = client.get("/sign-in").headers["strict-transport-security"]
        assert hsts.startswith("max-age=31536000")

    def test_static_files_may_be_cached(self, client: TestClient) -> None:
        response = client.get("/static/stepdown.css")
        assert response.status_code == 200
        assert "cache-control" not in response.headers
        assert response.headers["x-frame-options"] == "DENY"

    def test_the_anonymous_csrf_cookie_is_set_once(self, client: TestClient) -> None:
        first = client.get("/sign-in")
        assert "stepdown_csrf=" in first.headers["set-cookie"]
        assert "HttpOnly" in first.headers["set-cookie"]
        assert "set-cookie" not in client.get("/sign-in").headers


@pytest.fixture
def small_app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    return create_app(
        settings.model_copy(update={"max_body_bytes": 4096}), session_factory=session_factory
    )


class TestBodyLimit:
    def test_the_default_is_one_mebibyte(self, settings: Settings) -> None:
        assert settings.max_body_bytes == 1024 * 1024

    def test_a_declared_length_over_the_limit_is_refused_as_a_page(
        self, small_app: FastAPI, caplog: pytest.LogCaptureFixture
    ) -> None:
        with TestClient(small_app) as client, caplog.at_level("INFO", logger="stepdown.access"):
            token = csrf_from(client.get("/sign-in").text)
            response = client.post(
                "/sign-in", data={"csrf_token": token, "username": "u", "password": "p" * 5000}
            )
        assert response.status_code == 413
        assert "<h1>Too large</h1>" in response.text
        assert "4 KiB" in response.text
        assert response.headers["x-frame-options"] == "DENY"
        assert OURS.fullmatch(response.headers["x-request-id"])
        assert _access_lines(caplog)[-1].startswith("POST /sign-in 413 request_id=")

    def test_a_streamed_body_over_the_limit_is_refused_as_json(self, small_app: FastAPI) -> None:
        def chunks() -> Iterator[bytes]:
            yield b'{"name": "'
            for _ in range(10):
                yield b"x" * 1000
            yield b'"}'

        with TestClient(small_app) as client:
            response = client.post(
                "/api/v1/inquiries",
                content=chunks(),
                headers={"Content-Type": "application/json", "Authorization": "Bearer sdt_x"},
            )
        assert "content-length" not in response.request.headers
        assert response.status_code == 413
        assert response.json() == {
            "error": "Too large",
            "detail": "The request is larger than the 4 KiB this server accepts.",
        }

    def test_a_streamed_form_over_the_limit_is_refused_before_the_csrf_check(
        self, small_app: FastAPI
    ) -> None:
        with TestClient(small_app) as client:
            token = csrf_from(client.get("/sign-in").text)
            body = f"csrf_token={token}&username=u&password={'p' * 5000}".encode()
            response = client.post(
                "/sign-in",
                content=iter([body[:1000], body[1000:]]),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        assert response.status_code == 413
        assert "Too large" in response.text

    def test_a_body_within_the_limit_passes(self, small_app: FastAPI) -> None:
        with TestClient(small_app) as client:
            token = csrf_from(client.get("/sign-in").text)
            response = client.post(
                "/sign-in", data={"csrf_token": token, "username": "", "password": ""}
            )
        assert response.status_code == 422  # reached the form: "enter your username"


class TestServerErrors:
    @pytest.fixture
    def failing_app(self, app: FastAPI) -> FastAPI:
        @app.get("/boom")
        def boom(_: object = open_route("test")) -> None:
            raise RuntimeError("boom")

        @app.get("/api/v1/boom")
        def api_boom(_: object = open_route("test")) -> None:
            raise RuntimeError("boom")

        return app

    def test_an_unexpected_error_is_a_logged_page_with_every_header(
        self, failing_app: FastAPI, caplog: pytest.LogCaptureFixture
    ) -> None:
        with (
            TestClient(failing_app, raise_server_exceptions=False) as client,
            caplog.at_level("INFO", logger="stepdown"),
        ):
            page = client.get("/boom")
            api = client.get("/api/v1/boom")
        assert page.status_code == 500
        ours = page.headers["x-request-id"]
        assert f"The error was logged with reference {ours}." in page.text
        assert page.headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert api.status_code == 500
        assert api.json()["detail"].endswith(f"{api.headers['x-request-id']}.")
        assert any(
            r.name == "stepdown" and f"request_id={ours}" in r.getMessage() and r.exc_info
            for r in caplog.records
        )
        lines = _access_lines(caplog)
        assert [line.split(" request_id=")[0] for line in lines] == [
            "GET /boom 500",
            "GET /api/v1/boom 500",
        ]


@pytest.mark.parametrize(
    "path", ["/invitation/sEcReT-tOkEn-123", "/calendar/feeds/sEcReT-tOkEn-123.ics"]
)
def test_a_secret_in_the_path_never_reaches_the_log(
    client: TestClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level("INFO", logger="stepdown.access"):
        client.get(path)
    (line,) = _access_lines(caplog)
    assert "sEcReT" not in line
    assert "[secret]" in line
