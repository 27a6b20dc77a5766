"""Sending e-mail over SMTP (smtplib) or writing it into a pickup directory.

What a message says is each sender's business (aftercare reminders, alert notifications);
this module only composes the envelope and delivers it.

Without a mail server, ``mail_outbox`` names a pickup directory: each message is written
there as one RFC 5322 ``.eml`` file, for a local mail program to deliver or a person to
open (the demo program uses it). This is Django's file e-mail backend
(https://docs.djangoproject.com/en/stable/topics/email/#file-backend,
``django/core/mail/backends/filebased.py``), one file per message rather than per
connection, and written under a temporary name then renamed, so whatever picks the files up
never reads half a message (the reason Maildir delivers into ``tmp/`` before ``new/``).

The settings are described by a protocol rather than imported, so ``kit`` stays free of the
application's modules; ``stepdown.settings.Settings`` satisfies it.
"""

from __future__ import annotations

import os
import secrets
import smtplib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

from pydantic import SecretStr

from stepdown.kit.clock import utc_now

SMTP_TIMEOUT_SECONDS = 20


class MailSettings(Protocol):
    @property
    def smtp_host(self) -> str: ...
    @property
    def smtp_port(self) -> int: ...
    @property
    def smtp_from(self) -> str: ...
    @property
    def smtp_username(self) -> str: ...
    @property
    def smtp_password(self) -> SecretStr | None: ...
    @property
    def smtp_starttls(self) -> bool: ...
    @property
    def mail_outbox(self) -> Path | None: ...


def configured(settings: MailSettings) -> bool:
    """Mail needs a sender and somewhere to deliver (a mail server, or else the outbox)."""
    return bool(settings.smtp_from and (settings.smtp_host or settings.mail_outbox))


def destination(settings: MailSettings) -> str:
    """Where e-mail goes, in words, for an operator (``stepdown demo seed`` prints it)."""
    if not configured(settings):
        return "nowhere: no mail server (or outbox) and sender are configured"
    if settings.smtp_host:
        return f"the mail server {settings.smtp_host}:{settings.smtp_port}"
    return f"the outbox {settings.mail_outbox} (one .eml file each; no mail server is configured)"


def compose(settings: MailSettings, *, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message from the configured sender, with the headers RFC 5322 requires
    (``Date`` and ``Message-ID`` are set here because the outbox has no MTA to add them)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Date"] = format_datetime(utc_now())
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message.set_content(body)
    return message


def send(settings: MailSettings, message: EmailMessage) -> None:
    """Deliver one message to the mail server, or into the outbox when there is no server;
    raises ``smtplib.SMTPException`` or ``OSError`` on failure."""
    if not settings.smtp_host and settings.mail_outbox is not None:
        write_to_outbox(settings.mail_outbox, message)
        return
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        smtp.send_message(message)


def write_to_outbox(outbox: Path, message: EmailMessage) -> Path:
    """Write one message as ``<UTC time>-<random>.eml`` (CRLF line ends, as RFC 5322 has
    them); the file and a directory made for it are private to the service account, since
    a message carries a person's address. Returns the file written."""
    return write_private_file(outbox, "eml", message.as_bytes(policy=SMTP))


def write_private_file(directory: Path, suffix: str, content: bytes) -> Path:
    """Write ``content`` as ``<UTC time>-<random>.<suffix>`` in ``directory`` (made 0700 if
    missing), 0600, under a temporary name renamed when complete, so a reader polling the
    directory never sees half a file. Shared by the mail outbox and the SMS outbox."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{utc_now():%Y%m%d-%H%M%S}-{secrets.token_hex(6)}.{suffix}"
    partial = directory / f".{name}.tmp"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        return partial.replace(directory / name)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
