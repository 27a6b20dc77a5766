"""Role-scoped queries on inquiries: every inquiry query starts from ``readable``."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, case, false, func, or_, select

from stepdown.inquiries.models import Inquiry, InquiryStatusChange
from stepdown.inquiries.rules import Urgency
from stepdown.inquiries.schemas import InquiryFilter
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role

PROGRAM_WIDE = frozenset({Role.ADMIN, Role.DIRECTOR, Role.UTILIZATION_REVIEW, Role.SYSTEM})
# Clinicians and case managers see who is coming to their site, to plan for them.
SITE_READERS = frozenset({Role.CLINICIAN, Role.CASE_MANAGER})
BY_PRIORITY = (
    case({Urgency.URGENT: 0, Urgency.SOON: 1}, value=Inquiry.urgency, else_=2),
    Inquiry.created_at,
)


def readable(actor: Actor) -> Select[Inquiry]:
    """Inquiries this actor may see. Admissions staff also see inquiries not yet given a
    site, because sorting out where a caller should go is their job."""
    stmt = select(Inquiry)
    if actor.role in PROGRAM_WIDE:
        return stmt
    if actor.role is Role.ADMISSIONS:
        if actor.site_id is None:
            return stmt.where(Inquiry.site_id.is_(None))
        return stmt.where(or_(Inquiry.site_id == actor.site_id, Inquiry.site_id.is_(None)))
    if actor.role in SITE_READERS and actor.site_id is not None:
        return stmt.where(Inquiry.site_id == actor.site_id)
    return stmt.where(false())


def filtered(actor: Actor, criteria: InquiryFilter) -> Select[Inquiry]:
    """Most urgent first, then oldest first: the order someone should call people back."""
    stmt = readable(actor)
    if criteria.status is not None:
        stmt = stmt.where(Inquiry.status == criteria.status)
    if criteria.site_id is not None:
        stmt = stmt.where(Inquiry.site_id == criteria.site_id)
    if criteria.urgency is not None:
        stmt = stmt.where(Inquiry.urgency == criteria.urgency)
    return stmt.order_by(*BY_PRIORITY).limit(criteria.limit)


def history(inquiry_id: uuid.UUID) -> Select[InquiryStatusChange]:
    return (
        select(InquiryStatusChange)
        .where(InquiryStatusChange.inquiry_id == inquiry_id)
        .order_by(InquiryStatusChange.seq)
    )


def last_seq(inquiry_id: uuid.UUID) -> Select[int | None]:
    return select(func.max(InquiryStatusChange.seq)).where(
        InquiryStatusChange.inquiry_id == inquiry_id
    )


def by_external_ref(external_ref: str) -> Select[Inquiry]:
    return select(Inquiry).where(Inquiry.external_ref == external_ref)


def assignable_staff(roles: frozenset[Role]) -> Select[User]:
    return (
        select(User)
        .where(User.is_active, User.role.in_(roles))
        .order_by(User.display_name, User.username)
    )
