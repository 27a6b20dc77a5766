"""What an inquiry gathered reaches the client record at admission: the caller becomes a
contact (with no release), and the substances named start the intake's substance rows."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from stepdown.consents import rules as consent_rules
from stepdown.consents import service as consents_service
from stepdown.consents.models import ContactRelationship
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Track
from stepdown.inquiries import service
from stepdown.inquiries.rules import CallerType, InquiryStatus, Substance
from stepdown.intake import repository as intake_repository
from stepdown.intake import rules as intake_rules
from stepdown.intake import service as intake_service
from stepdown.intake.models import Substance as IntakeSubstance
from stepdown.kit.clock import today
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_inquiry, make_site, make_user


@pytest.mark.parametrize(
    ("words", "family", "expected"),
    [
        ("his mom", True, ContactRelationship.PARENT),
        ("Wife", True, ContactRelationship.SPOUSE_PARTNER),
        ("older sister", True, ContactRelationship.SIBLING),
        ("parole officer", False, ContactRelationship.PROBATION_OFFICER),
        ("aunt", True, ContactRelationship.OTHER_FAMILY),
        ("school counselor", False, ContactRelationship.OTHER),
    ],
)
def test_a_callers_words_name_the_relationship(
    words: str, family: bool, expected: ContactRelationship
) -> None:
    assert consent_rules.relationship_from_words(words, family=family) is expected


@given(st.lists(st.sampled_from([s.value for s in Substance]), max_size=12))
def test_inquiry_substances_become_at_most_one_row_per_class(named: list[str]) -> None:
    rows = intake_rules.rows_from_inquiry(named)
    classes = [row.substance for row in rows]
    assert len(classes) == len(set(classes))
    assert IntakeSubstance.OTHER not in classes
    assert len(rows) <= intake_rules.MAX_SUBSTANCES


def test_the_caller_and_the_substances_are_carried_onto_the_client(session: Session) -> None:
    site = make_site(session)
    admissions = make_user(session, role=Role.ADMISSIONS, site=site)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    actor = security_service.actor_for(admissions)
    inquiry = make_inquiry(
        session,
        actor=actor,
        site=site,
        caller_type=CallerType.FAMILY,
        caller_name="Dana Example",
        caller_relationship="his mother",
        last_name="Example",
        date_of_birth=date(1994, 5, 6),
        substances=["fentanyl", "opioids", "alcohol"],
    )
    service.move_status(
        session,
        actor=actor,
        inquiry_id=inquiry.id,
        change=service.StatusChangeCreate(to_status=InquiryStatus.CONTACTED),
    )
    client = service.convert_to_client(
        session, actor=actor, inquiry_id=inquiry.id, primary_clinician_id=clinician.id
    )
    contacts = consents_service.contacts_of(session, client.id)
    assert [(c.name, c.relationship, c.may_be_told) for c in contacts] == [
        ("Dana Example", ContactRelationship.PARENT, "")
    ]
    continuum_service.admit(
        session,
        actor=SYSTEM,
        client_id=client.id,
        level_code="IOP",
        track=Track.EVENING,
        on=today(),
        reason="admitted",
    )
    intake = intake_service.start_intake(
        session, actor=security_service.actor_for(clinician), client_id=client.id
    )
    rows = list(session.scalars(intake_repository.substances_of(intake.id)))
    assert {(r.substance, r.pattern) for r in rows} == {
        (IntakeSubstance.OPIOID, "fentanyl named at inquiry"),
        (IntakeSubstance.ALCOHOL, ""),
    }
    assert [r.position for r in rows] == [0, 1]
