"""Flash messages may carry PHI (a medication, a name): the cookie must not reveal them."""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import urllib.parse
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.requests import Request

from stepdown.web import flash
from tests.factories import csrf_from, make_user, sign_in

MESSAGE = "Buprenorphine-naloxone 8 mg recorded for Dana Privatename."
SECRET_WORDS = ("buprenorphine", "privatename", "8 mg")
FLASH_VALUE = re.compile(rf"{flash.FLASH_COOKIE}=[A-Za-z0-9_-]{{40,}};")


def _request(app: FastAPI, cookie: str = "") -> Request:
    headers = [(b"cookie", f"{flash.FLASH_COOKIE}={cookie}".encode())] if cookie else []
    return Request({"type": "http", "app": app, "headers": headers, "method": "GET"})


def _flashed(app: FastAPI, message: str = MESSAGE, *, kind: str = "info") -> tuple[str, str]:
    """The cookie's value and its whole Set-Cookie line."""
    response = Response()
    flash.flash(_request(app), response, message, kind=kind)
    line = response.headers["set-cookie"]
    value = line.split(";", 1)[0].split("=", 1)[1]
    return value, line


def _decodings(value: str) -> Iterator[bytes]:
    """Every way a curious client might try to read the value."""
    candidates = {value, urllib.parse.unquote(value), value.strip('"')}
    for text in list(candidates):
        candidates.update(text.split("."))
    for text in candidates:
        yield text.encode()
        for decode in (base64.urlsafe_b64decode, base64.b64decode, bytes.fromhex):
            for padded in (text, text + "=" * (-len(text) % 4)):
                with contextlib.suppress(binascii.Error, ValueError):
                    yield decode(padded)  # type: ignore[operator]


def test_the_cookie_does_not_contain_the_message_in_any_decodable_form(app: FastAPI) -> None:
    value, _ = _flashed(app)
    for decoded in _decodings(value):
        lowered = decoded.lower()
        for word in SECRET_WORDS:
            assert word.encode() not in lowered
    assert flash.read(_request(app, value)) == [("info", MESSAGE)]


def test_the_same_message_never_makes_the_same_cookie(app: FastAPI) -> None:
    assert _flashed(app)[0] != _flashed(app)[0]


def test_the_cookie_is_http_only_lax_and_secure_behind_https(app: FastAPI) -> None:
    _, line = _flashed(app)
    assert "HttpOnly" in line
    assert "SameSite=lax" in line
    assert "Secure" not in line
    app.state.settings.base_url = "https://stepdown.example.org"
    assert "Secure" in _flashed(app)[1]


@pytest.mark.parametrize("position", [0, 10, 30, -1])
def test_a_tampered_cookie_shows_nothing(app: FastAPI, position: int) -> None:
    value, _ = _flashed(app)
    chars = list(value)
    chars[position] = "A" if chars[position] != "A" else "B"
    assert flash.read(_request(app, "".join(chars))) == []


@pytest.mark.parametrize("value", ["", "x", "....", "not base64 at all!", "A" * 200])
def test_garbage_shows_nothing(app: FastAPI, value: str) -> None:
    assert flash.read(_request(app, value)) == []


def test_another_key_cannot_read_it(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    value, _ = _flashed(app)
    monkeypatch.setattr(
        app.state.settings, "secret_key", type(app.state.settings.secret_key)("another-key")
    )
    app.state.settings.__dict__.pop("effective_secret_key", None)
    assert flash.read(_request(app, value)) == []


def test_an_old_cookie_shows_nothing(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    value, _ = _flashed(app)
    later = flash.time.time() + flash.LIFETIME_SECONDS + 1
    monkeypatch.setattr(flash.time, "time", lambda: later)
    assert flash.read(_request(app, value)) == []


def test_a_flash_is_shown_once_then_cleared(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    sign_in(client, user.username)
    token = csrf_from(client.get("/").text)
    out = client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert FLASH_VALUE.search(out.headers["set-cookie"])
    page = client.get(out.headers["location"])
    assert "You are signed out." in page.text
    cleared = [c for c in page.headers.get_list("set-cookie") if c.startswith(flash.FLASH_COOKIE)]
    assert "Max-Age=0" in cleared[0]
    assert "HttpOnly" in cleared[0]
    assert "You are signed out." not in client.get("/sign-in").text


def test_a_cookie_is_read_only_in_the_spelling_it_was_written(app: FastAPI) -> None:
    """Base64's last character carries spare bits: any other spelling of the same bytes is
    an edited cookie, whatever the nonce made the last character."""
    for _ in range(20):
        value, _ = _flashed(app)
        last = value[-1]
        for other in "AEIMQUYcgkosw048BFJNRVZdhlptx159":
            if other != last:
                edited = value[:-1] + other
                assert flash.read(_request(app, edited)) == []
