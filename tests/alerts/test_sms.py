"""Text-message senders: the request the Twilio adapter makes, checked against Twilio's
documented Messages resource (never sent), its errors, the outbox and the configuration."""

from __future__ import annotations

import base64
import io
import json
import stat
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest

from stepdown.alerts import sms
from stepdown.settings import Settings

SID = "AC" + "0" * 32


@dataclass
class FakeTwilio:
    """Stands in for ``urllib.request.urlopen``: keeps each request, answers as told."""

    status: int = 201
    error: Exception | None = None
    requests: list[tuple[urllib.request.Request, float]] = field(default_factory=list)

    def __call__(self, request: urllib.request.Request, timeout: float) -> sms.Response:
        self.requests.append((request, timeout))
        if self.error is not None:
            raise self.error
        return FakeResponse(self.status)


@dataclass
class FakeResponse:
    status: int

    def read(self) -> bytes:
        return json.dumps({"sid": "SM" + "1" * 32, "status": "queued"}).encode()

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *args: object) -> None:
        return None


def _form(request: urllib.request.Request) -> dict[str, str]:
    assert isinstance(request.data, bytes)
    return dict(urllib.parse.parse_qsl(request.data.decode(), strict_parsing=True))


def test_the_twilio_request_is_the_documented_create_message_call() -> None:
    fake = FakeTwilio()
    sender = sms.TwilioSender(SID, "secret-token", "+15555550100", opener=fake)

    sender.send(to="+15555550123", text="Harborview: an urgent alert needs you.")

    [(request, timeout)] = fake.requests
    assert request.get_method() == "POST"
    assert request.full_url == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
    expected = base64.b64encode(f"{SID}:secret-token".encode()).decode()
    assert request.get_header("Authorization") == f"Basic {expected}"
    assert request.get_header("Content-type") == "application/x-www-form-urlencoded"
    assert _form(request) == {
        "To": "+15555550123",
        "From": "+15555550100",
        "Body": "Harborview: an urgent alert needs you.",
    }
    assert timeout == sms.TIMEOUT_SECONDS


def test_a_messaging_service_sender_is_sent_as_messaging_service_sid() -> None:
    sender = sms.TwilioSender(SID, "t", "MG" + "2" * 32, opener=FakeTwilio())
    form = _form(sender.request(to="+15555550123", text="x"))
    assert form["MessagingServiceSid"] == "MG" + "2" * 32
    assert "From" not in form


def test_a_refusal_names_twilio_s_error_code_but_not_the_number() -> None:
    body = json.dumps(
        {"code": 21211, "message": "The 'To' number +15555550123 is not valid.", "status": 400}
    ).encode()
    refusal = urllib.error.HTTPError(
        "https://api.twilio.com", 400, "Bad Request", Message(), io.BytesIO(body)
    )
    sender = sms.TwilioSender(SID, "t", "+15555550100", opener=FakeTwilio(error=refusal))

    with pytest.raises(sms.SmsError) as raised:
        sender.send(to="+15555550123", text="x")

    assert str(raised.value) == "Twilio refused: HTTP 400, error 21211"


def test_an_unreachable_twilio_is_an_sms_error() -> None:
    down = FakeTwilio(error=urllib.error.URLError(OSError("Network is unreachable")))
    with pytest.raises(sms.SmsError, match=r"^Twilio unreachable \(URLError\)$"):
        sms.TwilioSender(SID, "t", "+15555550100", opener=down).send(to="+15555550123", text="x")


def test_the_outbox_writes_one_private_file_per_message(tmp_path: Path) -> None:
    sender = sms.OutboxSender(tmp_path / "sms")
    sender.send(to="+15555550123", text="first")
    sender.send(to="+15555550124", text="second")

    files = sorted((tmp_path / "sms").glob("*.txt"))
    assert len(files) == 2
    assert {f.read_text() for f in files} == {
        "To: +15555550123\n\nfirst\n",
        "To: +15555550124\n\nsecond\n",
    }
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)


def test_the_memory_double_keeps_what_it_was_given() -> None:
    double = sms.MemorySender()
    double.send(to="+15555550123", text="hello")
    assert double.sent == [sms.SentSms("+15555550123", "hello")]


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_the_backend_is_chosen_by_configuration(tmp_path: Path) -> None:
    assert sms.sender_for(_settings()) is None
    assert sms.configured(_settings()) == "text messages are off (sms_backend)"
    assert sms.configured(_settings(sms_backend="outbox")) == "sms_outbox is not set"
    assert sms.sender_for(_settings(sms_backend="outbox", sms_outbox=tmp_path)) == sms.OutboxSender(
        tmp_path
    )
    partial = _settings(sms_backend="twilio", twilio_account_sid=SID)
    assert sms.sender_for(partial) is None
    assert "Twilio is not fully configured" in (sms.configured(partial) or "")
    twilio = sms.sender_for(
        _settings(
            sms_backend="twilio",
            twilio_account_sid=SID,
            twilio_auth_token="secret-token",
            twilio_from="+15555550100",
        )
    )
    assert isinstance(twilio, sms.TwilioSender)
    assert (twilio.account_sid, twilio.auth_token, twilio.sender) == (
        SID,
        "secret-token",
        "+15555550100",
    )
