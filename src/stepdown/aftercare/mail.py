"""Check-in reminder e-mail: what it says. Delivery (SMTP or the pickup directory
``STEPDOWN_MAIL_OUTBOX``) is ``stepdown.kit.mail``, shared with alert notifications.

E-mail is read on shared screens and lock screens and kept by mail providers, so the
message says only that a check-in with the program is due and where to sign in. It names
the program (``STEPDOWN_PROGRAM_NAME``, which should be chosen with that in mind), never the
client, their plan, a clinician, or any word that says what the program treats
(``CLINICAL_WORDS`` is what the tests look for). Details are behind the portal's sign-in.
"""

from __future__ import annotations

from email.message import EmailMessage

from stepdown.kit.mail import compose
from stepdown.kit.mail import configured as configured
from stepdown.kit.mail import destination as destination
from stepdown.kit.mail import send as send
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


def reminder(settings: Settings, *, to: str) -> EmailMessage:
    return compose(
        settings,
        to=to,
        subject=f"{settings.program_name}: your check-in is due",
        body=(
            "Hello,\n\n"
            f"Your check-in with {settings.program_name} is due.\n\n"
            f"Sign in at {settings.base_url}/portal to mark it done, or call us.\n\n"
            "This message was sent automatically. Please do not reply to it.\n"
        ),
    )
