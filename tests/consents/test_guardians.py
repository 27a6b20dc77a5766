"""A minor's guardian with their own portal account, only where the program's rule allows,
seeing only what the minor's consents let go to them, each view recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.consents import guardians
from stepdown.consents import service as consents
from stepdown.consents.models import (
    ClientContact,
    Consent,
    ConsentKind,
    ConsentSettings,
    ContactRelationship,
    InformationClass,
    MinorConsentRule,
    Purpose,
)
from stepdown.disclosures.models import Channel, Disclosure
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict
from stepdown.portal import invitations
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import PASSWORD, make_client, make_site, make_user, sign_in


def _rules(session: Session, rule: MinorConsentRule, portal: bool) -> None:
    session.merge(
        ConsentSettings(id=1, minor_rule=rule, guardian_portal_access=portal, updated_at=utc_now())
    )
    session.flush()


def _family(session: Session, *, years: int = 15) -> tuple[User, ClientContact]:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(
        session,
        site=site,
        clinician=clinician,
        date_of_birth=today() - timedelta(days=years * 366),
    )
    parent = consents.add_contact(
        session,
        actor=security_service.actor_for(clinician),
        client_id=person.id,
        name="Robin Parent",
        relationship=ContactRelationship.PARENT,
        is_legal_guardian=True,
    )
    return clinician, parent


def _consent(session: Session, clinician: User, parent: ClientContact) -> Consent:
    return consents.record_consent(
        session,
        actor=security_service.actor_for(clinician),
        client_id=parent.client_id,
        data=consents.ConsentInput(
            kind=ConsentKind.SPECIFIC,
            disclosers="the program",
            information=frozenset({InformationClass.ATTENDANCE}),
            information_description="my schedule and attendance",
            recipient_ids=frozenset({parent.recipient_id}),
            recipient_classes=frozenset(),
            purposes=frozenset({Purpose.FAMILY_INVOLVEMENT}),
            purpose_description="family sessions",
            expires_on=today() + timedelta(days=60),
            expiry_event="",
            client_signature="the minor",
            guardian_signature="Robin Parent",
            guardian_contact_id=parent.id,
            signed_on=today(),
        ),
    )


@pytest.mark.parametrize(
    ("rule", "portal", "years", "reason"),
    [
        (MinorConsentRule.MINOR_ALONE, True, 15, "minors consent alone"),
        (MinorConsentRule.MINOR_AND_GUARDIAN, False, 15, "no portal access"),
        (MinorConsentRule.MINOR_AND_GUARDIAN, True, 19, "ends at 18"),
    ],
)
def test_the_rule_decides_who_may_be_invited(
    session: Session, rule: MinorConsentRule, portal: bool, years: int, reason: str
) -> None:
    clinician, parent = _family(session, years=years)
    _rules(session, rule, portal)
    with pytest.raises(Conflict, match=reason):
        invitations.invite_guardian(
            session, actor=security_service.actor_for(clinician), contact_id=parent.id
        )


def test_a_contact_who_is_not_a_legal_guardian_is_not_invited(session: Session) -> None:
    clinician, parent = _family(session)
    _rules(session, MinorConsentRule.MINOR_AND_GUARDIAN, True)
    parent.is_legal_guardian = False
    with pytest.raises(Conflict, match="legal guardian"):
        invitations.invite_guardian(
            session, actor=security_service.actor_for(clinician), contact_id=parent.id
        )


def test_the_guardian_sees_what_the_consent_covers_and_each_view_is_recorded(
    client: TestClient, session: Session
) -> None:
    clinician, parent = _family(session)
    _rules(session, MinorConsentRule.MINOR_AND_GUARDIAN, True)
    made = invitations.invite_guardian(
        session, actor=security_service.actor_for(clinician), contact_id=parent.id
    )
    user = invitations.accept(session, secret=made.secret, username="robinp", password=PASSWORD)
    assert user.role is Role.GUARDIAN
    assert parent.portal_user_id == user.id
    session.commit()
    sign_in(client, "robinp")
    page = client.get("/family")
    assert page.status_code == 200
    assert "Not shared: attendance, schedule and level of care" in page.text
    assert "no consent names Robin Parent" in page.text
    assert client.get("/portal").status_code == 403
    assert client.get(f"/clients/{parent.client_id}").status_code == 403
    consent = _consent(session, clinician, parent)
    session.commit()
    shown = client.get("/family")
    assert "Coming up" in shown.text
    assert "Not shared" not in shown.text
    recorded = (
        select(func.count())
        .select_from(Disclosure)
        .where(Disclosure.channel == Channel.GUARDIAN_PORTAL)
    )
    assert session.scalar(recorded) == 1
    consents.revoke(
        session,
        actor=security_service.actor_for(clinician),
        consent_id=consent.id,
        note="written revocation",
    )
    session.commit()
    assert "was revoked on" in client.get("/family").text
    assert session.scalar(recorded) == 1


def test_access_ends_when_the_rule_changes(session: Session) -> None:
    clinician, parent = _family(session)
    _rules(session, MinorConsentRule.MINOR_AND_GUARDIAN, True)
    made = invitations.invite_guardian(
        session, actor=security_service.actor_for(clinician), contact_id=parent.id
    )
    user = invitations.accept(session, secret=made.secret, username="robinq", password=PASSWORD)
    _rules(session, MinorConsentRule.MINOR_ALONE, False)
    views = guardians.family(session, actor=security_service.actor_for(user), today=today())
    assert views[0].ended is not None
    assert "minors consent alone" in views[0].ended
    assert views[0].upcoming == []
