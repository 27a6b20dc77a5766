"""Each outbound path through the gate, as staff use it: without a consent naming the
recipient the release is refused (403, the reason, nothing recorded); with one it carries
the § 2.32 notice and the consent's scope and is recorded; after revocation it is refused
again. The accountability summary has its own test (tests/accountability/test_pages.py)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.consents import service as consents
from stepdown.consents.models import Consent, ConsentKind, InformationClass, Purpose
from stepdown.disclosures.models import (
    Channel,
    Disclosure,
    DisclosureRecipient,
    RecipientCategory,
)
from stepdown.kit.clock import today
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.authorizations.test_packet import MONDAY, make_chart
from tests.discharge_summaries.factories import make_stay, write_and_sign
from tests.factories import make_aftercare_plan, make_client, make_site, make_user, sign_in

NOTICE_START = "This record which has been disclosed to you is protected"


def _recipient(session: Session, category: RecipientCategory) -> DisclosureRecipient:
    return consents.add_recipient(
        session,
        actor=security_service.actor_for(make_user(session, role=Role.DIRECTOR)),
        name=f"Outside {category.value}",
        category=category,
        is_covered_entity=category is not RecipientCategory.FAMILY,
    )


def _consent(
    session: Session,
    *,
    staff: User,
    person: Client,
    recipient: DisclosureRecipient,
    information: frozenset[InformationClass],
    purpose: Purpose = Purpose.TREATMENT,
) -> Consent:
    return consents.record_consent(
        session,
        actor=security_service.actor_for(staff),
        client_id=person.id,
        data=consents.ConsentInput(
            kind=ConsentKind.SPECIFIC,
            disclosers="the program",
            information=information,
            information_description="as listed",
            recipient_ids=frozenset({recipient.id}),
            recipient_classes=frozenset(),
            purposes=frozenset({purpose}),
            purpose_description="as listed",
            expires_on=today() + timedelta(days=30),
            expiry_event="",
            client_signature="signed",
            signed_on=today(),
        ),
    )


def _revoke(session: Session, staff: User, consent: Consent) -> None:
    consents.revoke(
        session,
        actor=security_service.actor_for(staff),
        consent_id=consent.id,
        note="written revocation",
    )
    session.commit()


def _recorded(session: Session, channel: Channel) -> int:
    stmt = select(func.count()).select_from(Disclosure).where(Disclosure.channel == channel)
    return session.scalar(stmt) or 0


def _pdf_text(content: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def test_the_aftercare_plan_sent_to_a_provider(client: TestClient, session: Session) -> None:
    site = make_site(session)
    manager = make_user(session, role=Role.DIRECTOR, site=site)
    person = make_client(session, site=site)
    plan = make_aftercare_plan(session, client=person)
    clinic = _recipient(session, RecipientCategory.TREATING_PROVIDER)
    session.commit()
    sign_in(client, manager.username)
    url = f"/aftercare/plans/{plan.id}.pdf"
    own = client.get(url)
    assert own.status_code == 200
    assert "Released to" not in _pdf_text(own.content)
    to = {"recipient": f"{clinic.id}|treatment"}
    refused = client.get(url, params=to)
    assert refused.status_code == 403
    assert "no consent names Outside treating_provider" in refused.text
    assert _recorded(session, Channel.AFTERCARE_PLAN) == 0
    consent = _consent(
        session,
        staff=manager,
        person=person,
        recipient=clinic,
        information=frozenset({InformationClass.PLANS, InformationClass.MEDICATIONS}),
    )
    session.commit()
    sent = client.get(url, params=to)
    assert sent.status_code == 200
    text = _pdf_text(sent.content)
    assert "Released to Outside treating_provider" in text
    assert NOTICE_START in text
    assert "Disclosed under the written consent" in text
    assert _recorded(session, Channel.AFTERCARE_PLAN) == 1
    _revoke(session, manager, consent)
    assert client.get(url, params=to).status_code == 403
    assert _recorded(session, Channel.AFTERCARE_PLAN) == 1


def test_the_discharge_summary_sent_under_consent(client: TestClient, session: Session) -> None:
    stay = make_stay(session)
    summary = write_and_sign(session, stay)
    clinic = _recipient(session, RecipientCategory.TREATING_PROVIDER)
    session.commit()
    sign_in(client, stay.clinician.username)
    url = f"/discharge-summaries/{summary.id}.pdf"
    own = _pdf_text(client.get(url).content)
    assert "not for release outside the program" in own
    to = {"recipient": f"{clinic.id}|treatment"}
    assert client.get(url, params=to).status_code == 403
    notes_only = _consent(
        session,
        staff=stay.clinician,
        person=stay.person,
        recipient=clinic,
        information=frozenset({InformationClass.NOTES}),
    )
    session.commit()
    refused = client.get(url, params=to)
    assert refused.status_code == 403
    assert "covers discharge summary" in refused.text
    _revoke(session, stay.clinician, notes_only)
    _consent(
        session,
        staff=stay.clinician,
        person=stay.person,
        recipient=clinic,
        information=frozenset({InformationClass.DISCHARGE_SUMMARY}),
    )
    session.commit()
    sent = client.get(url, params=to)
    assert sent.status_code == 200
    assert NOTICE_START in _pdf_text(sent.content)
    assert _recorded(session, Channel.DISCHARGE_SUMMARY) == 1


def test_the_review_packet_for_the_payer_carries_what_the_consent_covers(
    client: TestClient, session: Session
) -> None:
    chart = make_chart(session)
    payer = _recipient(session, RecipientCategory.HEALTH_PLAN)
    session.commit()
    sign_in(client, chart.review.username)
    url = f"/episodes/{chart.episode.id}/review-packet"
    query = {
        "from": MONDAY.isoformat(),
        "to": today().isoformat(),
        "authorization": str(chart.authorization.id),
    }
    to = {**query, "recipient": f"{payer.id}|payment"}
    assert client.get(url, params=to).status_code == 403
    _consent(
        session,
        staff=chart.director,
        person=chart.person,
        recipient=payer,
        information=frozenset({InformationClass.ATTENDANCE, InformationClass.DIAGNOSES}),
        purpose=Purpose.PAYMENT,
    )
    session.commit()
    page = client.get(url, params=to)
    assert page.status_code == 200
    assert "Released to Outside health_plan" in page.text
    assert NOTICE_START in page.text
    assert "Withheld from this recipient" in page.text  # medications, drug tests, plans...
    pdf = client.get(f"{url}.pdf", params=to)
    assert pdf.status_code == 200
    assert NOTICE_START in _pdf_text(pdf.content)
    assert _recorded(session, Channel.REVIEW_PACKET) == 2


def test_a_schedule_shared_with_a_parent_stops_when_the_consent_is_revoked(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    parent = consents.add_contact(
        session,
        actor=security_service.actor_for(clinician),
        client_id=person.id,
        name="Sam Parent",
        relationship=consents.ContactRelationship.PARENT,
    )
    recipient = session.get(DisclosureRecipient, parent.recipient_id)
    assert recipient is not None
    session.commit()
    sign_in(client, clinician.username)
    share = f"/calendar/feeds/client/{person.id}/share"
    value = {"recipient": f"{recipient.id}|family_involvement"}
    refused = client.post(share, data=value, headers={"x-csrf-token": _csrf(client, person)})
    assert refused.status_code == 403
    consent = _consent(
        session,
        staff=clinician,
        person=person,
        recipient=recipient,
        information=frozenset({InformationClass.ATTENDANCE}),
        purpose=Purpose.FAMILY_INVOLVEMENT,
    )
    session.commit()
    made = client.post(share, data=value, headers={"x-csrf-token": _csrf(client, person)})
    assert made.status_code == 200
    found = re.search(r'value="https?://[^"]+(/calendar/feeds/[^"]+\.ics)"', made.text)
    assert found is not None
    client.cookies.clear()
    feed = client.get(found.group(1))
    assert feed.status_code == 200
    assert feed.text.startswith("BEGIN:VCALENDAR")
    assert _recorded(session, Channel.CALENDAR_FEED) == 1
    _revoke(session, clinician, consent)
    stopped = client.get(found.group(1))
    assert stopped.status_code == 403
    assert "was revoked on" in stopped.text
    assert _recorded(session, Channel.CALENDAR_FEED) == 1


def _csrf(client: TestClient, person: Client) -> str:
    page = client.get(f"/clients/{person.id}?tab=schedule")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return token.group(1)
