"""A consent missing any § 2.31 element cannot be saved: one test per element."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.consents import rules
from stepdown.consents.models import (
    ConsentKind,
    InformationClass,
    MinorConsentRule,
    Purpose,
    RecipientClass,
    Signer,
)

TODAY = date(2026, 6, 1)
OFFICER = rules.RecipientFacts(id=uuid.uuid4(), label="P. Officer", category="criminal_justice")
VALID = rules.ConsentDraft(
    kind=ConsentKind.SPECIFIC,
    patient_name="Alex Rivera",
    disclosers="Stepdown demo program",
    information=frozenset({InformationClass.ATTENDANCE, InformationClass.DRUG_TESTS}),
    information_description="My attendance and drug test results",
    recipients=(OFFICER,),
    recipient_classes=frozenset(),
    purposes=frozenset({Purpose.COURT_SUPERVISION}),
    purpose_description="Reports to my probation officer",
    expires_on=date(2026, 12, 1),
    expiry_event="",
    signer=Signer.CLIENT,
    client_signature="Alex Rivera",
    guardian_signature="",
    signed_on=date(2026, 5, 30),
    client_date_of_birth=date(1990, 1, 1),
    minor_rule=MinorConsentRule.MINOR_AND_GUARDIAN,
)


def missing(**changes: object) -> dict[str, str]:
    return rules.missing_elements(replace(VALID, **changes), today=TODAY)  # type: ignore[arg-type]


def test_a_complete_consent_may_be_saved() -> None:
    assert missing() == {}


def test_a1_the_patients_name() -> None:
    assert "2.31(a)(1)" in missing(patient_name=" ")["patient_name"]


def test_a2_who_may_disclose() -> None:
    assert "2.31(a)(2)" in missing(disclosers="")["disclosers"]


def test_a3_what_information() -> None:
    assert "2.31(a)(3)" in missing(information=frozenset())["information"]
    assert "2.31(a)(3)" in missing(information_description="")["information"]


def test_a4_the_recipients() -> None:
    assert "2.31(a)(4)" in missing(recipients=())["recipients"]


def test_a4_only_the_tpo_consent_names_recipients_by_class() -> None:
    found = missing(recipient_classes=frozenset({RecipientClass.TREATING_PROVIDERS}))
    assert "2.31(a)(4)(i)" in found["recipients"]


def test_a4_an_intermediary_is_named_with_its_participants() -> None:
    hie = rules.RecipientFacts(
        id=uuid.uuid4(), label="Regional HIE", category="other", is_intermediary=True
    )
    assert "2.31(a)(4)(ii)" in missing(recipients=(hie,))["recipients"]
    named = replace(hie, intermediary_participants="its treating-provider members")
    assert missing(recipients=(named,)) == {}


def test_a5_the_purpose() -> None:
    assert "2.31(a)(5)" in missing(purposes=frozenset())["purposes"]
    assert "2.31(a)(5)" in missing(purpose_description=" ")["purposes"]


def test_a5_the_tpo_consent_covers_tpo_purposes_only() -> None:
    tpo = replace(
        VALID,
        kind=ConsentKind.TPO,
        recipients=(),
        recipient_classes=frozenset({RecipientClass.TREATING_PROVIDERS}),
    )
    assert rules.missing_elements(tpo, today=TODAY)["purposes"].endswith("(42 CFR 2.33(a)(2))")
    ok = replace(tpo, purposes=frozenset({Purpose.TREATMENT, Purpose.PAYMENT}))
    assert rules.missing_elements(ok, today=TODAY) == {}


def test_a7_an_expiry_date_or_event() -> None:
    assert "2.31(a)(7)" in missing(expires_on=None)["expires_on"]
    assert missing(expires_on=None, expiry_event="end of probation") == {}
    assert "before the date signed" in missing(expires_on=date(2026, 5, 1))["expires_on"]


def test_a8_the_patients_signature() -> None:
    assert "2.31(a)(8)" in missing(client_signature="")["client_signature"]


def test_a9_the_date_signed() -> None:
    assert "2.31(a)(9)" in missing(signed_on=None)["signed_on"]
    assert "future" in missing(signed_on=date(2026, 6, 2))["signed_on"]


def test_counseling_notes_need_a_consent_of_their_own() -> None:
    mixed = frozenset({InformationClass.NOTES, InformationClass.COUNSELING_NOTES})
    assert "2.31(b)" in missing(information=mixed)["information"]
    assert "2.31(b)" in missing(kind=ConsentKind.COUNSELING_NOTES, information=mixed)["information"]
    alone = frozenset({InformationClass.COUNSELING_NOTES})
    assert missing(kind=ConsentKind.COUNSELING_NOTES, information=alone) == {}


def test_a_minor_signs_with_a_guardian_under_that_rule() -> None:
    minor = date(2010, 1, 1)
    assert "2.14" in missing(client_date_of_birth=minor)["guardian_signature"]
    both = missing(
        client_date_of_birth=minor,
        signer=Signer.CLIENT_AND_GUARDIAN,
        guardian_signature="Pat Rivera",
    )
    assert both == {}
    alone = missing(client_date_of_birth=minor, minor_rule=MinorConsentRule.MINOR_ALONE)
    assert alone == {}


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2026, 6, 1)))
def test_age_is_whole_years_turning_on_the_birthday(born: date) -> None:
    age = rules.age_on(born, TODAY)
    assert 0 <= age <= 77
    assert rules.is_minor(born, TODAY) == (age < 18)


FACTS = rules.ConsentFacts(
    id=uuid.uuid4(),
    kind=ConsentKind.SPECIFIC,
    information=VALID.information,
    recipient_ids=frozenset({OFFICER.id}),
    recipient_classes=frozenset(),
    purposes=VALID.purposes,
    signed_on=date(2026, 5, 30),
    expires_on=date(2026, 12, 1),
    expiry_event="",
    expiry_event_on=None,
    revoked_on=None,
)


@pytest.mark.parametrize(
    ("changes", "on", "reason"),
    [
        ({}, date(2026, 12, 1), None),
        ({}, date(2026, 12, 2), "expired on 2026-12-01"),
        (
            {"revoked_on": date(2026, 7, 1)},
            date(2026, 7, 2),
            "revoked on 2026-07-01",
        ),
        (
            {"expiry_event": "end of probation", "expiry_event_on": date(2026, 8, 1)},
            date(2026, 8, 1),
            "end of probation",
        ),
        ({}, date(2026, 5, 29), "dated 2026-05-30"),
    ],
)
def test_when_a_consent_stops_working(
    changes: dict[str, object], on: date, reason: str | None
) -> None:
    found = rules.inactive_reason(replace(FACTS, **changes), on=on)  # type: ignore[arg-type]
    assert found == reason if reason is None else reason in (found or "")


def test_the_tpo_consent_names_recipients_by_class_and_never_covers_counseling_notes() -> None:
    tpo = replace(
        FACTS,
        kind=ConsentKind.TPO,
        recipient_ids=frozenset(),
        recipient_classes=frozenset({RecipientClass.TREATING_PROVIDERS}),
        information=frozenset(InformationClass),
        purposes=rules.TPO_PURPOSES,
    )
    provider = rules.RecipientFacts(id=uuid.uuid4(), label="Clinic", category="treating_provider")
    assert rules.names_recipient(tpo, provider)
    assert not rules.names_recipient(tpo, OFFICER)
    assert rules.covers(tpo, purpose=Purpose.TREATMENT, item=InformationClass.NOTES)
    assert not rules.covers(tpo, purpose=Purpose.TREATMENT, item=InformationClass.COUNSELING_NOTES)
    assert not rules.covers(tpo, purpose=Purpose.COURT_SUPERVISION, item=InformationClass.NOTES)
