"""Check-in reminder e-mail: what it says, and sending it over SMTP (smtplib) or writing it
into a pickup directory.

E-mail is read on shared screens and lock screens and kept by mail providers, so the
message says only that a check-in with the program is due and where to sign in. It names
the program (``STEPDOWN_PROGRAM_NAME``, which should be chosen with that in mind), never the
client, their plan, a clinician, or any word that says what the program treats
(``CLINICAL_WORDS`` is what the tests look for). Details are behind the portal's sign-in.

Without a mail server, ``STEPDOWN_MAIL_OUTBOX`` names a pickup directory: each message is
written there as one RFC 5322 ``.eml`` file, for a local mail program to deliver or a person
to open (the demo program uses it). This is Django's file e-mail backend
(https://docs.djangoproject.com/en/stable/topics/email/#file-backend,
``django/core/mail/backends/filebased.py``), one file per message rather than per
connection, and written under a temporary name then renamed, so whatever picks the files up
never reads half a message (the reason Maildir delivers into ``tmp/`` before ``new/``).
"""

from __future__ import annotations

import os
import secrets
import smtplib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path

from stepdown.kit.clock import utc_now
from stepdown.settings import Settings

# Words a reminder must never contain: they would tell a reader what the program treats.
CLINICAL_WORDS: tuple[str, ...] = (
    "addiction",
    "aftercare",
    "alcohol",
    "drug",
    "recovery",
    "relapse",
    "sober",
    "substance",
    "treatment",
    "therapy",
)
SMTP_TIMEOUT_SECONDS = 20


def configured(settings: Settings) -> bool:
    """Reminders need a sender and somewhere to deliver (a mail server, or else the outbox);
    without them none are sent (and none are marked sent, so they go out once mail is
    configured, while still due)."""
    return bool(settings.smtp_from and (settings.smtp_host or settings.mail_outbox))


def destination(settings: Settings) -> str:
    """Where reminders go, in words, for an operator (``stepdown demo seed`` prints it)."""
    if not configured(settings):
        return "nowhere: no mail server (or outbox) and sender are configured"
    if settings.smtp_host:
        return f"the mail server {settings.smtp_host}:{settings.smtp_port}"
    return f"the outbox {settings.mail_outbox} (one .eml file each; no mail server is configured)"


def reminder(settings: Settings, *, to: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"{settings.program_name}: your check-in is due"
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Date"] = format_datetime(utc_now())  # required by RFC 5322; the outbox has no MTA
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message.set_content(
        "Hello,\n\n"
        f"Your check-in with {settings.program_name} is due.\n\n"
        f"Sign in at {settings.base_url}/portal to mark it done, or call us.\n\n"
        "This message was sent automatically. Please do not reply to it.\n"
    )
    return message


def send(settings: Settings, message: EmailMessage) -> None:
    """Deliver one message to the mail server, or into the outbox when there is no server;
    raises ``smtplib.SMTPException`` or ``OSError`` on failure."""
    if not settings.smtp_host and settings.mail_outbox is not None:
        _write_to_outbox(settings.mail_outbox, message)
        return
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        smtp.send_message(message)


def _write_to_outbox(outbox: Path, message: EmailMessage) -> Path:
    """Write one message as ``<UTC time>-<random>.eml`` (CRLF line ends, as RFC 5322 has
    them); the file and a directory made for it are private to the service account, since
    a message carries the client's address. Returns the file written."""
    outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{utc_now():%Y%m%d-%H%M%S}-{secrets.token_hex(6)}.eml"
    partial = outbox / f".{name}.tmp"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes(policy=SMTP))
        return partial.replace(outbox / name)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
