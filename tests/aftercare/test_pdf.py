"""The printed plan: generated, then read back as text with pypdf."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session

from stepdown.aftercare import pdf, service
from stepdown.aftercare.models import MeetingKind, SoberLivingStatus, Weekday
from stepdown.aftercare.schemas import ContactInput, MeetingInput, PlanUpdate
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict
from stepdown.programs.card import ProgramCard
from tests.factories import SYSTEM, make_aftercare_plan, make_client, make_site

HARBORVIEW = ProgramCard(
    name="Harborview",
    phone="(555) 010-2000",
    address="12 Harbor Road\nPortland, ME 04101",
    time_zone="America/New_York",
    initialised=True,
)


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text)


def test_the_final_plan_prints_every_section(session: Session) -> None:
    client = make_client(
        session, site=make_site(session), legal_first_name="Zoë", legal_last_name="Łukasiewicz"
    )
    plan = make_aftercare_plan(session, client=client, final=False)
    service.update_plan(
        session,
        actor=SYSTEM,
        plan_id=plan.id,
        data=PlanUpdate(
            therapy_with_whom="Dr. Amara Rivera",
            therapy_provider="Elm Street Counseling",
            therapy_when="Tuesdays at 5 pm",
            sober_living_house="Harbor House",
            sober_living_contact="Lee, 555-0140",
            sober_living_status=SoberLivingStatus.ACCEPTED,
            mat_prescriber="Dr. Chen",
            mat_medication="Buprenorphine",
            mat_next_appointment=today() + timedelta(days=10),
        ),
    )
    service.add_meeting(
        session,
        actor=SYSTEM,
        plan_id=plan.id,
        data=MeetingInput(
            kind=MeetingKind.SMART,
            name="Thursday Night Tools",
            day=Weekday.THURSDAY,
            at=time(19, 0),
            place_or_link="https://meet.example.org/tools",
        ),
    )
    service.add_contact(
        session,
        actor=SYSTEM,
        plan_id=plan.id,
        data=ContactInput(name="Sam Ortiz", relationship="sponsor", phone="555-0177"),
    )
    service.finalize(session, actor=SYSTEM, plan_id=plan.id, on=today())
    view = service.plan_for_print(session, actor=SYSTEM, plan_id=plan.id)

    content = pdf.render(view, program=HARBORVIEW, printed_at=datetime.now(UTC))

    assert content.startswith(b"%PDF")
    text = _text(content)
    # The core font has no "Ł": it prints as "L" rather than a box.
    assert "Zoë Lukasiewicz, Harborview" in text
    assert "12 Harbor Road Portland, ME 04101 Phone: (555) 010-2000" in text
    for expected in (
        "My aftercare plan",
        "If I am in crisis",
        "988",
        "911",
        "Sam Ortiz (sponsor): 555-0177",
        "My warning signs",
        "Skipping meals",
        "Isolating from friends",
        "What I will do when I notice them",
        "Call my sponsor",
        "Continued therapy",
        "Dr. Amara Rivera, Elm Street Counseling",
        "Tuesdays at 5 pm",
        "SMART Recovery: Thursday Night Tools, Thursdays at 07:00 PM",
        "https://meet.example.org/tools",
        "Harbor House",
        "Status: Accepted",
        "Buprenorphine",
        "Prescriber: Dr. Chen",
        "Weekly for the first 4 weeks, then monthly for 12 months",
        (today() + timedelta(days=7)).strftime("%b %-d, %Y"),
        f"Plan given on {today().strftime('%A, %B %-d, %Y')}",
    ):
        assert expected in text, expected


def test_a_draft_is_not_printed(session: Session) -> None:
    plan = make_aftercare_plan(
        session, client=make_client(session, site=make_site(session)), final=False
    )
    with pytest.raises(Conflict) as refused:
        service.plan_for_print(session, actor=SYSTEM, plan_id=plan.id)
    assert refused.value.rule == service.PLAN_NOT_FINAL


def test_empty_sections_say_so(session: Session) -> None:
    plan = make_aftercare_plan(session, client=make_client(session, site=make_site(session)))
    view = service.plan_for_print(session, actor=SYSTEM, plan_id=plan.id)
    text = _text(pdf.render(view, program=HARBORVIEW, printed_at=datetime.now(UTC)))
    assert "No continued therapy is arranged in this plan." in text
    assert "No meetings listed." in text
    assert "No sober-living referral in this plan." in text
    assert "No medication for recovery is listed in this plan." in text
