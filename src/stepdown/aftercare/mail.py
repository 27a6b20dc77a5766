"""Check-in reminder e-mail: what it says, and sending it over SMTP (smtplib).

E-mail is read on shared screens and lock screens and kept by mail providers, so the
message says only that a check-in with the program is due and where to sign in. It names
the program (``STEPDOWN_PROGRAM_NAME``, which should be chosen with that in mind), never the
client, their plan, a clinician, or any word that says what the program treats
(``CLINICAL_WORDS`` is what the tests look for). Details are behind the portal's sign-in.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

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
    """Reminders need a mail server and a sender; without them none are sent (and none are
    marked sent, so they go out once the server is configured, while still due)."""
    return bool(settings.smtp_host and settings.smtp_from)


def reminder(settings: Settings, *, to: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"{settings.program_name}: your check-in is due"
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message.set_content(
        "Hello,\n\n"
        f"Your check-in with {settings.program_name} is due.\n\n"
        f"Sign in at {settings.base_url}/portal to mark it done, or call us.\n\n"
        "This message was sent automatically. Please do not reply to it.\n"
    )
    return message


def send(settings: Settings, message: EmailMessage) -> None:
    """Deliver one message; raises ``smtplib.SMTPException`` or ``OSError`` on failure."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        smtp.send_message(message)
