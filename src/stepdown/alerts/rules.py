"""Pure rules of alert notifications: which alerts notify, who hears at each level, when an
alert escalates, what the message says, and what a phone number for text messages is.

Messages leave the program's systems (mail providers, phone carriers, lock screens), so they
say only that an urgent alert needs the reader and where to sign in: never the client, the
finding, or a word that tells what the program treats (``CLINICAL_WORDS``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from stepdown.alerts.models import Severity

NOTIFY_JOB = "alerts.notify"  # the first notifications of one alert (alerts.tasks)
ESCALATE_JOB = "alerts.escalate"  # the escalation check due for one alert

FIRST = 0  # told when the alert is raised
ESCALATED = 1  # told when it has waited too long

# Words no notification may contain: what the program treats, or what the alert was about.
CLINICAL_WORDS: tuple[str, ...] = (
    "addiction",
    "alcohol",
    "drug",
    "overdose",
    "phq",
    "c-ssrs",
    "positive",
    "recovery",
    "relapse",
    "safety",
    "sober",
    "substance",
    "suicid",
    "self-harm",
    "treatment",
    "therapy",
    "use",
)


def notifies(severity: Severity) -> bool:
    """Only urgent alerts reach people outside the app: a high or routine one waits on the
    home page for the next working day, and paging for them would teach people to ignore
    the pages that matter."""
    return severity is Severity.URGENT


@dataclass(frozen=True)
class Person:
    """A staff member as the rules need them."""

    id: uuid.UUID
    active: bool


def first_recipients(
    primary_clinician: Person | None, directors: Sequence[Person]
) -> list[uuid.UUID]:
    """The client's primary clinician; with none (or a disabled account), every active
    director at once, since nobody else is watching that client."""
    if primary_clinician is not None and primary_clinician.active:
        return [primary_clinician.id]
    return [d.id for d in directors if d.active]


def escalation_recipients(
    primary_clinician: Person | None, supervisor: Person | None, directors: Sequence[Person]
) -> list[uuid.UUID]:
    """The clinician's supervisor; without one who can act, every active director. When the
    directors were told first (no clinician), they hear again: a reminder, not a new person."""
    if primary_clinician is not None and supervisor is not None and supervisor.active:
        return [supervisor.id]
    return [d.id for d in directors if d.active]


def escalation_due(created_at: datetime, *, minutes: int) -> datetime:
    return created_at + timedelta(minutes=minutes)


def should_escalate(
    *, created_at: datetime, acknowledged: bool, now: datetime, minutes: int
) -> bool:
    return not acknowledged and now >= escalation_due(created_at, minutes=minutes)


@dataclass(frozen=True)
class Message:
    subject: str  # e-mail only
    text: str  # e-mail body, text message and the in-app line


def message(*, level: int, program_name: str, sign_in_url: str) -> Message:
    """What every channel says. A text message stays within one 160-character segment
    for a program name and address of ordinary length."""
    whose = "a client of yours" if level == FIRST else "a client of your team"
    waiting = "" if level == FIRST else " It has not been acknowledged yet."
    text = (
        f"{program_name}: an urgent alert for {whose} needs you.{waiting} Sign in at {sign_in_url}"
    )
    return Message(subject=f"{program_name}: an urgent alert needs you", text=text)


def email_body(message: Message) -> str:
    return (
        f"Hello,\n\n{message.text}\n\n"
        "This message says no more on purpose: the details are behind the sign-in.\n"
        "It was sent automatically. Please do not reply to it.\n"
    )


_SEPARATORS = re.compile(r"[\s().\-]")
_E164 = re.compile(r"\+[1-9]\d{7,14}")


def normalize_phone(text: str) -> str | None:
    """A number in E.164 form (``+15555550123``), the form SMS providers take, or None if
    ``text`` is not one. Ten digits, or eleven starting with 1, are read as North American
    (the program's 988 line and its staff are in the US); others need their ``+`` code."""
    digits = _SEPARATORS.sub("", text.strip())
    if digits.isdigit() and len(digits) == 10:
        digits = f"+1{digits}"
    elif digits.isdigit() and len(digits) == 11 and digits.startswith("1"):
        digits = f"+{digits}"
    return digits if _E164.fullmatch(digits) else None


def masked_phone(phone: str) -> str:
    """The last four digits, for pages and logs that only need to say which number."""
    return f"…{phone[-4:]}" if len(phone) >= 4 else "…"
