"""Carrying a visitor's answers to the consultation form, and turning a request into an
inquiry.

Nothing is stored while someone takes the self-check: their answers travel in the result
page's hidden fields, signed with the installation's secret key so a changed answer (or an
invented one) is refused rather than believed. Only a consultation request writes, and it
writes an ordinary admissions inquiry through the inquiries service, audited as a create.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from stepdown.inquiries import service as inquiries_service
from stepdown.inquiries.models import Inquiry
from stepdown.inquiries.rules import CallerType, InquirySource
from stepdown.inquiries.schemas import InquiryCreate
from stepdown.kit.errors import Conflict, StepdownError
from stepdown.security import tokens
from stepdown.security.actor import Actor
from stepdown.selfcheck import rules
from stepdown.selfcheck.rules import Answers, IncompleteAnswers
from stepdown.selfcheck.schemas import ConsultationRequest

# The audit trail names the public form, not a person: visitors have no account.
PUBLIC_ACTOR = Actor.system("public:self-check")
SEAL_VERSION = "v1"
# Signed messages carry their purpose, so a signature made for anything else never fits.
_PURPOSE = "stepdown.selfcheck.answers"
REFERENCE_PREFIX = "self-check-"


class TamperedAnswers(StepdownError):
    status_code = 400


@dataclass(frozen=True)
class SealedAnswers:
    """What the result page carries in hidden fields. ``reference`` is fresh per result, so
    sending the same page twice (a double click, the back button) makes one inquiry."""

    payload: str
    signature: str

    @property
    def reference(self) -> str:
        return REFERENCE_PREFIX + self.payload.split(".", 2)[1]


def _signature(key: str, payload: str) -> str:
    return tokens.sign(key, f"{_PURPOSE}:{payload}")


def seal(answers: Answers, *, key: str) -> SealedAnswers:
    """``v1.<nonce>.<question>=<value>,...``: option values are plain words, so no escaping."""
    body = ",".join(f"{q.key}={answers[q.key]}" for q in rules.QUESTIONS)
    payload = f"{SEAL_VERSION}.{tokens.new_secret(16)}.{body}"
    return SealedAnswers(payload, _signature(key, payload))


def unseal(payload: str, signature: str, *, key: str) -> tuple[SealedAnswers, dict[str, str]]:
    """The answers exactly as the result page was given them, or ``TamperedAnswers``."""
    refused = TamperedAnswers(
        "These answers could not be checked. Please take the self-check again.",
        field="answers",
    )
    if not signature or not tokens.same(_signature(key, payload), signature):
        raise refused
    # A signature that holds means this installation wrote the payload, so it has our shape.
    body = payload.split(".", 2)[2]
    pairs = (pair.partition("=") for pair in body.split(","))
    try:
        answers = rules.read_answers({name: value for name, _, value in pairs})
    except IncompleteAnswers as exc:  # the questions changed since the page was shown
        raise refused from exc
    return SealedAnswers(payload, signature), answers


def request_consultation(
    session: Session,
    *,
    actor: Actor,
    answers: Answers,
    contact: ConsultationRequest,
    reference: str,
) -> Inquiry | None:
    """Record the request as a new web-form inquiry for admissions to call back.

    Returns ``None`` when this reference was already recorded: the visitor sent the same
    result page twice, and one call back is what they asked for.
    """
    result = rules.evaluate(answers)
    data = InquiryCreate(
        source=InquirySource.WEB_FORM,
        caller_type=CallerType.SELF,
        first_name=contact.name,
        phone=contact.phone,
        email=contact.email,
        preferred_contact_time=contact.best_time,
        consent_to_contact=contact.consent_to_contact,
        substances=contact.substances,
        urgency=result.urgency,
        notes=rules.admissions_notes(result),
        site_id=contact.site_id,
        external_ref=reference,
    )
    try:
        return inquiries_service.create_inquiry(session, actor=actor, data=data)
    except Conflict as exc:
        if exc.field != "external_ref":
            raise
        return None
