"""A signed consent as a PDF (``kit.pdf``): for the client's copy, for a recipient who asks
to see what the client agreed to, and for the file.

Each element 42 CFR 2.31(a) requires is printed under its own heading, in the words the
client signed (the consent row keeps them as signed), with the fixed statements of the form
version it was signed on. A revoked consent says so at the top, with the date, so a copy
printed later can never pass for one in force. The same consent printed at the same
moment gives the same bytes (the creation date is the printing time), so a copy can be
checked against another.
"""

from __future__ import annotations

from datetime import datetime

from stepdown.consents import rules
from stepdown.consents.models import (
    Consent,
    InformationClass,
    Purpose,
    RecipientClass,
    SignatureMethod,
    Signer,
)
from stepdown.kit.clock import local
from stepdown.kit.pdf import Document, Sizes
from stepdown.programs.card import ProgramCard

SIZES = Sizes(title=(16, 8), heading=(12, 7), heading_space=3, text=(10, 5))
TITLE = "Consent to disclose substance use disorder records"


def _expiry(consent: Consent) -> str:
    parts = []
    if consent.expires_on is not None:
        parts.append(f"on {consent.expires_on.isoformat()}")
    if consent.expiry_event:
        parts.append(f"when this happens: {consent.expiry_event}")
    text = " or ".join(parts) + (", whichever comes first" if len(parts) == 2 else "")
    if consent.expiry_event_on is not None:
        text += f". The event was recorded as happening on {consent.expiry_event_on.isoformat()}"
    return f"This consent expires {text}."


def _method(consent: Consent, attested_by: str | None) -> str:
    signed_at = f"{local(consent.signed_at):%Y-%m-%d %H:%M}"
    if consent.signature_method is SignatureMethod.PORTAL:
        return f"Signed electronically in the client portal, {signed_at}."
    witness = attested_by or "a staff member of the program"
    return f"Signed in person, {signed_at}, attested by {witness}."


def render(
    consent: Consent,
    *,
    recipients: list[str],
    program: ProgramCard,
    printed_at: datetime,
    attested_by: str | None = None,
) -> bytes:
    """The consent as signed. ``recipients`` are the named recipients as the directory
    shows them; the classes of recipient of a TPO consent are printed in the rule's words
    (``rules.TPO_RECIPIENT_WORDING``). ``attested_by`` is the name of the staff member who
    witnessed an in-person signature."""
    doc = Document(f"{TITLE}: {consent.patient_name}", sizes=SIZES)
    doc.pdf.set_creation_date(printed_at)
    if program.logo:
        doc.logo(program.logo)
    doc.title(TITLE)
    doc.line(consent.kind.label)
    if consent.revoked_at is not None:
        doc.pdf.ln(2)
        doc.strong(
            f"REVOKED on {local(consent.revoked_at):%Y-%m-%d}: this consent no longer "
            "permits any disclosure."
            + (f" ({consent.revocation_note})" if consent.revocation_note else "")
        )
    doc.line(program.name)
    for line in program.address_lines:
        doc.line(line)
    if program.phone:
        doc.line(f"Phone: {program.phone}")

    doc.heading("Patient")
    doc.line(consent.patient_name)
    doc.heading("Who may disclose")
    doc.line(consent.disclosers)
    doc.heading("What information may be disclosed")
    doc.bullets([InformationClass(i).label for i in consent.information], empty="")
    doc.line(f"In my words: {consent.information_description}")
    doc.heading("Who may receive it")
    doc.bullets(
        recipients
        + [rules.TPO_RECIPIENT_WORDING[RecipientClass(r)] for r in consent.recipient_classes],
        empty="",
    )
    doc.heading("For what purpose")
    doc.bullets([Purpose(p).label for p in consent.purposes], empty="")
    doc.line(f"In my words: {consent.purpose_description}")
    doc.heading("Expiry")
    doc.line(_expiry(consent))

    doc.heading("I understand")
    doc.bullets(
        [
            rules.REVOCATION_STATEMENT,
            rules.CONDITIONING_STATEMENT,
            rules.HIPAA_REDISCLOSURE_STATEMENT,
        ],
        empty="",
    )

    doc.heading("Signatures")
    doc.line(f"Patient: {consent.client_signature}")
    if consent.signer is Signer.CLIENT_AND_GUARDIAN or consent.guardian_signature:
        doc.line(f"Parent or guardian: {consent.guardian_signature}")
    doc.line(f"Date signed: {consent.signed_on.isoformat()}")
    doc.line(_method(consent, attested_by))

    doc.pdf.ln(4)
    doc.line(
        f"Form version {consent.form_version}. Printed {local(printed_at):%Y-%m-%d %H:%M}; "
        f"times are {program.time_zone}."
    )
    return doc.bytes()
