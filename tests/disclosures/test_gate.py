"""The gate: what an active consent covers goes, with the notice, and is recorded; revoked,
expired, unnamed, off-purpose and counseling notes do not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.consents import service as consents
from stepdown.consents.models import (
    ConsentKind,
    ConsentSettings,
    ContactRelationship,
    InformationClass,
    MinorConsentRule,
    Purpose,
    RecipientClass,
)
from stepdown.disclosures import gate
from stepdown.disclosures.models import Channel, Disclosure, RecipientCategory
from stepdown.disclosures.notice import current
from stepdown.kit.clock import today, utc_now
from tests.disclosures.factories import COURT, Released, released


def send(r: Released, classes: frozenset[InformationClass] = COURT, **kw: object) -> gate.Screening:
    return gate.disclose(
        r.session,
        actor=r.staff,
        client_id=r.client.id,
        recipient_id=kw.pop("recipient_id", r.officer.recipient_id),  # type: ignore[arg-type]
        purpose=kw.pop("purpose", Purpose.COURT_SUPERVISION),  # type: ignore[arg-type]
        classes=classes,
        channel=Channel.ACCOUNTABILITY_SUMMARY,
        description="accountability summary",
        **kw,  # type: ignore[arg-type]
    )


def disclosures(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Disclosure)) or 0


def test_a_covered_disclosure_carries_the_notice_and_is_recorded(session: Session) -> None:
    r = released(session)
    consent = r.consent()
    sent = send(r)
    assert sent.allowed == COURT
    assert not sent.withheld
    assert sent.notice == current().text
    assert "42 CFR part 2" in (sent.notice or "")
    assert {label["code"] for label in sent.labels} == {"R", "42CFRPart2", "NORDSCLCD"}
    assert "Pat Officer (County Probation)" in (sent.scope or "")
    row = session.scalars(select(Disclosure)).one()
    assert (row.consent_id, row.recipient_label) == (consent.id, "Pat Officer (County Probation)")
    assert row.information == sorted(COURT)
    assert row.notice_version == current().version


def test_the_notice_file_holds_the_2024_wording() -> None:
    notice = current()
    assert notice.text.startswith("This record which has been disclosed to you is protected")
    assert "45 CFR part 164, subparts A and E" in notice.text
    assert "ecfr.gov" in notice.source
    assert notice.version == "2024-02-16"


def test_nothing_goes_without_a_consent_naming_the_recipient(session: Session) -> None:
    r = released(session)
    with pytest.raises(gate.DisclosureRefused, match="no consent names Pat Officer"):
        send(r)
    assert disclosures(session) == 0


def test_revocation_refuses_the_next_disclosure_and_the_audit_trail_shows_it(
    session: Session,
) -> None:
    r = released(session)
    consent = r.consent()
    send(r)
    consents.revoke(session, actor=r.staff, consent_id=consent.id, note="signed revocation form")
    with pytest.raises(gate.DisclosureRefused, match="was revoked on"):
        send(r)
    assert disclosures(session) == 1
    refused = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == AuditAction.DISCLOSE, AuditEntry.client_id == r.client.id
        )
    ).all()
    assert any("refused" in entry.detail for entry in refused)


def test_expiry_refuses(session: Session) -> None:
    r = released(session)
    r.consent(expires_on=r.signed_on + timedelta(days=1))
    with pytest.raises(gate.DisclosureRefused, match="expired on"):
        send(r, on=r.signed_on + timedelta(days=2))


def test_a_class_or_purpose_the_consent_does_not_list_refuses_the_packet(session: Session) -> None:
    r = released(session)
    r.consent()
    with pytest.raises(gate.DisclosureRefused, match="covers diagnoses"):
        send(r, COURT | {InformationClass.DIAGNOSES})
    with pytest.raises(gate.DisclosureRefused, match="purpose"):
        send(r, purpose=Purpose.TREATMENT)


def test_counseling_notes_never_leave_under_another_consent(session: Session) -> None:
    r = released(session)
    r.consent(information=frozenset(InformationClass) - {InformationClass.COUNSELING_NOTES})
    notes = frozenset({InformationClass.COUNSELING_NOTES})
    with pytest.raises(gate.DisclosureRefused, match=r"2\.31\(b\)"):
        send(r, notes)
    r.consent(kind=ConsentKind.COUNSELING_NOTES, information=notes)
    assert send(r, notes).allowed == notes


def test_screen_withholds_what_no_consent_covers_and_says_why(session: Session) -> None:
    r = released(session)
    r.consent()
    screened = gate.screen(
        session,
        actor=r.staff,
        client_id=r.client.id,
        audience=gate.Audience.RECIPIENT,
        recipient_id=r.officer.recipient_id,
        purpose=Purpose.COURT_SUPERVISION,
        classes=COURT | {InformationClass.NOTES},
        channel=Channel.FHIR,
        description="FHIR $everything",
    )
    assert screened.allowed == COURT
    assert "progress notes" in screened.withheld[InformationClass.NOTES]


def test_the_tpo_consent_covers_treating_providers_by_class(session: Session) -> None:
    r = released(session)
    clinic = consents.add_recipient(
        session,
        actor=r.staff,
        name="Northside Clinic",
        category=RecipientCategory.TREATING_PROVIDER,
        is_covered_entity=True,
    )
    r.consent(
        kind=ConsentKind.TPO,
        information=frozenset(InformationClass) - {InformationClass.COUNSELING_NOTES},
        purposes=frozenset({Purpose.TREATMENT, Purpose.PAYMENT, Purpose.OPERATIONS}),
        classes=frozenset({RecipientClass.TREATING_PROVIDERS}),
    )
    sent = send(
        r, frozenset({InformationClass.PLANS}), recipient_id=clinic.id, purpose=Purpose.TREATMENT
    )
    assert sent.allowed == {InformationClass.PLANS}
    assert "my treating providers" in (sent.scope or "")
    with pytest.raises(gate.DisclosureRefused):
        send(r)  # the officer is not a treating provider


def test_a_minor_who_consents_alone_may_refuse_a_parent(session: Session) -> None:
    r = released(session, date_of_birth=today() - timedelta(days=16 * 366))
    session.add(
        ConsentSettings(id=1, minor_rule=MinorConsentRule.MINOR_ALONE, updated_at=utc_now())
    )
    session.flush()
    parent = consents.add_contact(
        session,
        actor=r.staff,
        client_id=r.client.id,
        name="Sam Parent",
        relationship=ContactRelationship.PARENT,
        is_legal_guardian=True,
    )
    r.consent(to=parent, purposes=frozenset({Purpose.FAMILY_INVOLVEMENT}))
    family = {"recipient_id": parent.recipient_id, "purpose": Purpose.FAMILY_INVOLVEMENT}
    assert send(r, **family).allowed == COURT
    consents.set_minor_refusal(session, actor=r.staff, contact_id=parent.id, refuses=True)
    with pytest.raises(gate.DisclosureRefused, match=r"2\.14\(b\)"):
        send(r, **family)


def test_staff_and_the_client_themselves_are_not_disclosures(session: Session) -> None:
    r = released(session)
    for audience in (gate.Audience.INTERNAL, gate.Audience.PATIENT):
        found = gate.screen(
            session,
            actor=r.staff,
            client_id=r.client.id,
            audience=audience,
            recipient_id=None,
            purpose=Purpose.TREATMENT,
            classes=COURT,
            channel=Channel.FHIR,
            description="own record",
        )
        assert found.allowed == COURT
        assert found.notice is None
    assert disclosures(session) == 0
