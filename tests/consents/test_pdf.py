"""The signed consent as a PDF, read back with pypdf: every 42 CFR 2.31(a) element, the
three fixed statements, the form version, a clear REVOKED line, Latin-1 only, and the same
bytes for the same consent printed at the same moment."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, date, datetime

from pypdf import PdfReader

from stepdown.consents import pdf, rules
from stepdown.consents.models import (
    Consent,
    ConsentKind,
    InformationClass,
    Purpose,
    RecipientClass,
    SignatureMethod,
    Signer,
)
from stepdown.programs.card import ProgramCard

HARBORVIEW = ProgramCard(
    name="Harborview",
    phone="(555) 010-2000",
    address="12 Harbor Road\nPortland, ME 04101",
    time_zone="America/New_York",
    initialised=True,
)
PRINTED = datetime(2026, 12, 4, 17, 30, tzinfo=UTC)
OFFICER = "Pat Officer (County Probation)"


def consent(**overrides: object) -> Consent:
    """A consent as the service saves it (nothing here needs the database)."""
    fields: dict[str, object] = {
        "id": uuid.uuid4(),
        "client_id": uuid.uuid4(),
        "kind": ConsentKind.SPECIFIC,
        "patient_name": "Zoë Łukasiewicz",
        "disclosers": "Harborview Outpatient Program",
        "information": [InformationClass.ATTENDANCE, InformationClass.DRUG_TESTS],
        "information_description": "whether I attend and my test results",
        "recipient_classes": [],
        "purposes": [Purpose.COURT_SUPERVISION],
        "purpose_description": "so my probation officer can see I am in treatment",
        "expires_on": date(2027, 5, 31),
        "expiry_event": "the end of my probation",
        "expiry_event_on": None,
        "signer": Signer.CLIENT,
        "signature_method": SignatureMethod.IN_PERSON,
        "client_signature": "Zoë Łukasiewicz",
        "guardian_signature": "",
        "signed_on": date(2026, 11, 30),
        "signed_at": datetime(2026, 11, 30, 15, 5, tzinfo=UTC),
        "form_version": rules.FORM_VERSION,
        "revoked_at": None,
        "revocation_note": "",
    }
    fields.update(overrides)
    return Consent(**fields)


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


def render(c: Consent, recipients: list[str], **kw: object) -> str:
    return text_of(
        pdf.render(c, recipients=recipients, program=HARBORVIEW, printed_at=PRINTED, **kw)  # type: ignore[arg-type]
    )


def test_every_element_and_statement_is_printed() -> None:
    text = render(consent(), [OFFICER], attested_by="Dana Staff")
    for expected in (
        "Consent to disclose substance use disorder records",
        "Specific disclosure",
        "Harborview 12 Harbor Road Portland, ME 04101 Phone: (555) 010-2000",
        # (a)(1) the patient; the core font has no "Ł", so it prints as "L".
        "Patient Zoë Lukasiewicz",
        # (a)(2) who may disclose
        "Who may disclose Harborview Outpatient Program",
        # (a)(3) what, with the client's own description
        "Attendance, schedule and level of care",
        "Drug test results",
        "In my words: whether I attend and my test results",
        # (a)(4) to whom
        f"Who may receive it - {OFFICER}",
        # (a)(5) why
        "Court, probation or parole supervision",
        "In my words: so my probation officer can see I am in treatment",
        # (a)(7) until when
        "This consent expires on 2027-05-31 or when this happens: the end of my probation, "
        "whichever comes first.",
        # (a)(8) and (9): signature, date, how it was signed
        "Patient: Zoë Lukasiewicz",
        "Date signed: 2026-11-30",
        "Signed in person, 2026-11-30 10:05, attested by Dana Staff.",
        rules.REVOCATION_STATEMENT,
        rules.CONDITIONING_STATEMENT,
        rules.HIPAA_REDISCLOSURE_STATEMENT,
        f"Form version {rules.FORM_VERSION}.",
    ):
        assert expected in text, expected
    assert "REVOKED" not in text
    assert "Parent or guardian" not in text


def test_a_tpo_consent_names_its_classes_of_recipient_and_the_portal() -> None:
    c = consent(
        kind=ConsentKind.TPO,
        recipient_classes=[RecipientClass.TREATING_PROVIDERS, RecipientClass.HEALTH_PLANS],
        purposes=[Purpose.TREATMENT, Purpose.PAYMENT],
        expires_on=None,
        expiry_event="end of treatment",
        signature_method=SignatureMethod.PORTAL,
    )
    text = render(c, [])
    assert "Treatment, payment and health care operations" in text
    assert "- my treating providers - health plans and third-party payers" in text
    assert "Treatment - Payment" in text
    assert "This consent expires when this happens: end of treatment." in text
    assert "Signed electronically in the client portal, 2026-11-30 10:05." in text


def test_a_revoked_consent_says_so_at_the_top_and_a_guardian_signs_too() -> None:
    c = consent(
        revoked_at=datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
        revocation_note="signed revocation form",
        signer=Signer.CLIENT_AND_GUARDIAN,
        guardian_signature="Maria Łukasiewicz",
        expiry_event_on=date(2026, 12, 2),
    )
    text = render(c, [OFFICER])
    assert text.index("REVOKED on 2026-12-01") < text.index("Who may disclose")
    assert "no longer permits any disclosure. (signed revocation form)" in text
    assert "Parent or guardian: Maria Lukasiewicz" in text
    assert "The event was recorded as happening on 2026-12-02." in text
    assert "attested by a staff member of the program" in text


def test_the_same_consent_printed_at_the_same_moment_is_the_same_bytes() -> None:
    c = consent()
    once = pdf.render(c, recipients=[OFFICER], program=HARBORVIEW, printed_at=PRINTED)
    again = pdf.render(c, recipients=[OFFICER], program=HARBORVIEW, printed_at=PRINTED)
    later = pdf.render(
        c, recipients=[OFFICER], program=HARBORVIEW, printed_at=PRINTED.replace(minute=31)
    )
    assert once.startswith(b"%PDF")
    assert once == again
    assert once != later
    assert PdfReader(io.BytesIO(once)).metadata.creation_date == PRINTED  # type: ignore[union-attr]
