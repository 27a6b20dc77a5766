"""Text messages: one small interface, a pickup directory and an in-memory double for
development and tests, and one real provider (Twilio), chosen by ``STEPDOWN_SMS_BACKEND``.

Every sender takes an E.164 number and the text and either returns or raises ``SmsError``
with a reason safe to store (the provider's status and error code, never the message or
the number).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from stepdown.kit.mail import write_private_file
from stepdown.settings import Settings

TIMEOUT_SECONDS = 15


class SmsError(Exception):
    """A message that was not accepted; ``str()`` is the reason to record."""


class SmsSender(Protocol):
    def send(self, *, to: str, text: str) -> None: ...


@dataclass(frozen=True)
class SentSms:
    to: str
    text: str


@dataclass
class MemorySender:
    """Keeps every message in ``sent``: the test double."""

    sent: list[SentSms] = field(default_factory=list)

    def send(self, *, to: str, text: str) -> None:
        self.sent.append(SentSms(to, text))


@dataclass(frozen=True)
class OutboxSender:
    """Writes each message as a ``.txt`` file (``To:`` line, blank line, text) into a
    directory, like the mail outbox: for the demo and for trying the set-up without an
    SMS account."""

    directory: Path

    def send(self, *, to: str, text: str) -> None:
        try:
            write_private_file(self.directory, "txt", f"To: {to}\n\n{text}\n".encode())
        except OSError as exc:
            raise SmsError(f"outbox not writable ({type(exc).__name__})") from exc


class Response(Protocol):
    status: int

    def read(self) -> bytes: ...
    def __enter__(self) -> Response: ...
    def __exit__(self, *args: object) -> None: ...


Opener = Callable[[urllib.request.Request, float], Response]


def _urlopen(request: urllib.request.Request, timeout: float) -> Response:
    # The URL is always TWILIO_API below: https, a fixed host.
    response: Response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310
    return response


TWILIO_API = "https://api.twilio.com/2010-04-01"


@dataclass(frozen=True)
class TwilioSender:
    """Twilio's Programmable Messaging REST API, Messages resource: create a message.

    ``POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json`` with
    HTTP Basic authentication (account SID and auth token), a form-encoded body of ``To``
    (E.164), ``Body`` (up to 1,600 characters) and either ``From`` (a Twilio number) or
    ``MessagingServiceSid`` (``MG...``); Twilio answers 201 with the message as JSON, or a
    4xx/5xx with a JSON error carrying ``code`` and ``message``.
    https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
    https://www.twilio.com/docs/usage/api (authentication)

    The standard library is enough for one form POST, so the app needs no HTTP client.
    ``opener`` is replaced in tests; they never reach Twilio.
    """

    account_sid: str
    auth_token: str
    sender: str  # +1... number, or a Messaging Service SID (MG...)
    opener: Opener = _urlopen

    def request(self, *, to: str, text: str) -> urllib.request.Request:
        fields = {"To": to, "Body": text}
        if self.sender.startswith("MG"):
            fields["MessagingServiceSid"] = self.sender
        else:
            fields["From"] = self.sender
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        sid = urllib.parse.quote(self.account_sid, safe="")
        return urllib.request.Request(  # noqa: S310 - always https://api.twilio.com
            f"{TWILIO_API}/Accounts/{sid}/Messages.json",
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )

    def send(self, *, to: str, text: str) -> None:
        try:
            with self.opener(self.request(to=to, text=text), TIMEOUT_SECONDS) as response:
                if response.status >= 300:
                    raise SmsError(f"Twilio answered HTTP {response.status}")
        except urllib.error.HTTPError as exc:
            raise SmsError(f"Twilio refused: HTTP {exc.code}{_twilio_code(exc)}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"Twilio unreachable ({type(exc).__name__})") from exc


def _twilio_code(exc: urllib.error.HTTPError) -> str:
    """Twilio's numeric error code (e.g. 21211, an invalid To number), looked up at
    https://www.twilio.com/docs/api/errors; the error's text may quote the number."""
    try:
        body = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        return ""
    code = body.get("code") if isinstance(body, dict) else None
    return f", error {code}" if isinstance(code, int) else ""


def configured(settings: Settings) -> str | None:
    """None when text messages can be sent, else why not (recorded on skipped rows)."""
    if settings.sms_backend == "off":
        return "text messages are off (sms_backend)"
    if settings.sms_backend == "outbox" and settings.sms_outbox is None:
        return "sms_outbox is not set"
    if settings.sms_backend == "twilio" and not (
        settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from
    ):
        return "Twilio is not fully configured (account SID, auth token, sender)"
    return None


def sender_for(settings: Settings) -> SmsSender | None:
    """The configured sender, or None when ``configured`` says why not."""
    if configured(settings) is not None:
        return None
    if settings.sms_backend == "outbox":
        assert settings.sms_outbox is not None
        return OutboxSender(settings.sms_outbox)
    assert settings.twilio_auth_token is not None
    return TwilioSender(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token.get_secret_value(),
        sender=settings.twilio_from,
    )
