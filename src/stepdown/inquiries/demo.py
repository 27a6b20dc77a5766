"""Synthetic inquiries for the demo program, one or more in every pipeline status.

Idempotent: each inquiry carries a fixed ``external_ref``, and one that exists is left as
it is, so a second run adds nothing and never moves a status twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from stepdown.inquiries import repository, service
from stepdown.inquiries.rules import CallerType, InquirySource, InquiryStatus, Substance, Urgency
from stepdown.inquiries.schemas import InquiryCreate, StatusChangeCreate
from stepdown.kit.clock import utc_now
from stepdown.programs.models import Site
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

REF_PREFIX = "DEMO-INQ-"
_S = InquiryStatus


@dataclass(frozen=True)
class _Demo:
    site: str | None
    first: str
    last: str
    source: InquirySource
    substances: tuple[Substance, ...]
    urgency: Urgency = Urgency.ROUTINE
    caller: CallerType = CallerType.SELF
    caller_name: str = ""
    relationship: str = ""
    born: date | None = None
    payer: str = ""
    referral_source: str = ""
    # Moves after "new", and what the last of them needs.
    path: tuple[InquiryStatus, ...] = ()
    assessment_in_days: int = 1
    partner: str = ""
    reason: str = ""
    admit: bool = False


DEMOS = (
    _Demo("S1", "Ash", "Brookfield", InquirySource.PHONE, (Substance.FENTANYL,), Urgency.URGENT),
    _Demo(
        "S2",
        "Blair",
        "Castellan",
        InquirySource.WEB_FORM,
        (Substance.ALCOHOL,),
        payer="Example Health Plan (demo)",
    ),
    _Demo(
        None,
        "Corin",
        "",
        InquirySource.PHONE,
        (Substance.OPIOIDS, Substance.BENZODIAZEPINES),
        Urgency.SOON,
        CallerType.FAMILY,
        "Dale Corwin (demo)",
        "mother",
    ),
    _Demo(
        "S1",
        "Devon",
        "Ashgrove",
        InquirySource.PHONE,
        (Substance.COCAINE,),
        path=(_S.CONTACTED,),
    ),
    _Demo(
        "S2",
        "Ellis",
        "Marchetti",
        InquirySource.REFERRAL,
        (Substance.METHAMPHETAMINE,),
        Urgency.SOON,
        CallerType.PROFESSIONAL,
        "Dr. Pat Example (demo)",
        "primary care physician",
        referral_source="primary care physician",
        path=(_S.CONTACTED,),
    ),
    _Demo(
        "S1",
        "Finley",
        "Oakhurst",
        InquirySource.WALK_IN,
        (Substance.CANNABIS, Substance.ALCOHOL),
        path=(_S.CONTACTED,),
    ),
    _Demo(
        "S1",
        "Gray",
        "Whitlock",
        InquirySource.PHONE,
        (Substance.ALCOHOL,),
        born=date(1984, 3, 14),
        payer="Example Health Plan (demo)",
        path=(_S.CONTACTED, _S.ASSESSMENT_SCHEDULED),
        assessment_in_days=2,
    ),
    _Demo(
        "S2",
        "Harper",
        "Linwood",
        InquirySource.REFERRAL,
        (Substance.OPIOIDS,),
        Urgency.URGENT,
        referral_source="detox partner (demo)",
        born=date(1991, 9, 2),
        path=(_S.CONTACTED, _S.ASSESSMENT_SCHEDULED),
    ),
    _Demo(
        "S1",
        "Indigo",
        "Farrow",
        InquirySource.PHONE,
        (Substance.STIMULANTS,),
        born=date(1979, 12, 30),
        payer="Sample Mutual (demo)",
        referral_source="employee assistance program",
        path=(_S.CONTACTED, _S.ASSESSMENT_SCHEDULED),
        assessment_in_days=0,
        admit=True,
    ),
    _Demo(
        "S2",
        "Jules",
        "Penrose",
        InquirySource.PHONE,
        (Substance.ALCOHOL, Substance.BENZODIAZEPINES),
        Urgency.URGENT,
        path=(_S.CONTACTED, _S.REFERRED_OUT),
        partner="Harbor Detox Partners (demo)",
        reason="needs medical detox first",
    ),
    _Demo(
        "S1",
        "Kai",
        "Thornbury",
        InquirySource.WEB_FORM,
        (Substance.CANNABIS,),
        path=(_S.CONTACTED, _S.DECLINED),
        reason="chose a program nearer work",
    ),
    _Demo(
        "S2",
        "Lane",
        "Holloway",
        InquirySource.PHONE,
        (Substance.OTHER,),
        path=(_S.LOST,),
        reason="three calls and a text, no reply",
    ),
)


def _move(demo: _Demo, status: InquiryStatus) -> StatusChangeCreate:
    if status is _S.ASSESSMENT_SCHEDULED:
        start = utc_now().replace(hour=15, minute=0, second=0, microsecond=0)
        at = start + timedelta(days=demo.assessment_in_days)
        return StatusChangeCreate(to_status=status, assessment_at=at)
    reason = demo.reason if status in (_S.REFERRED_OUT, _S.DECLINED, _S.LOST) else ""
    return StatusChangeCreate(to_status=status, partner=demo.partner, reason=reason)


def seed_demo_inquiries(session: Session, *, actor: Actor, sites: Mapping[str, Site]) -> None:
    """Create whichever demo inquiries are missing, at the demo sites keyed by code."""
    admissions = {
        user.site_id: user.id
        for user in service.assignable_staff(session)
        if user.role is Role.ADMISSIONS and user.site_id is not None
    }
    for number, demo in enumerate(DEMOS, start=1):
        ref = f"{REF_PREFIX}{number:02d}"
        if session.scalar(repository.by_external_ref(ref)) is not None:
            continue
        site = sites[demo.site] if demo.site else None
        data = InquiryCreate(
            source=demo.source,
            caller_type=demo.caller,
            caller_name=demo.caller_name,
            caller_relationship=demo.relationship,
            first_name=demo.first,
            last_name=demo.last,
            date_of_birth=demo.born,
            phone=f"555-03{number:02d}",
            email=f"{demo.first.lower()}@example.org",
            preferred_contact_time="weekday evenings" if number % 2 else "",
            consent_to_contact=True,
            substances=list(demo.substances),
            payer_name=demo.payer,
            urgency=demo.urgency,
            referral_source=demo.referral_source,
            site_id=site.id if site else None,
            assigned_to_id=admissions.get(site.id) if site else None,
            external_ref=ref,
        )
        inquiry = service.create_inquiry(session, actor=actor, data=data, is_synthetic=True)
        for status in demo.path:
            service.move_status(
                session, actor=actor, inquiry_id=inquiry.id, change=_move(demo, status)
            )
        if demo.admit:
            service.convert_to_client(session, actor=actor, inquiry_id=inquiry.id)
