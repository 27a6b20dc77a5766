"""Use cases of the admissions pipeline.

Every read of an inquiry's details and every change is audited with ``entity_type
"inquiry"``. A status move writes its history row and the inquiry's current status in the
same flush, so the two can never disagree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import care_team, duplicates
from stepdown.clients import repository as clients_repository
from stepdown.clients import rules as client_rules
from stepdown.clients import service as clients_service
from stepdown.clients.duplicates import LikelyDuplicate
from stepdown.clients.models import Client
from stepdown.clients.schemas import ClientCreate
from stepdown.consents import rules as consent_rules
from stepdown.consents import service as consents_service
from stepdown.coverage import service as coverage_service
from stepdown.inquiries import access, repository, rules
from stepdown.inquiries.models import Inquiry, InquiryStatusChange
from stepdown.inquiries.rules import CallerType, InquiryStatus, MoveDetails, Urgency
from stepdown.inquiries.schemas import (
    InquiryCreate,
    InquiryFields,
    InquiryFilter,
    InquiryUpdate,
    StatusChangeCreate,
)
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.kit.schemas import invalid_from
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role

ENTITY = "inquiry"
TRANSITION_RULE = "inquiry.status_transition"
DETAIL_RULE = "inquiry.status_detail"
ASSIGNABLE_ROLES = frozenset({Role.ADMISSIONS, Role.DIRECTOR, Role.ADMIN})
# Names the one lock that serializes record-number allocation on PostgreSQL.


def _require_write(actor: Actor) -> None:
    if actor.role is not Role.SYSTEM and not access.INQUIRIES_WRITE.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not change admissions inquiries")


def _load(
    session: Session, actor: Actor, inquiry_id: uuid.UUID, *, for_change: bool = False
) -> Inquiry:
    """The inquiry if this actor may see it (404 otherwise, before any 403)."""
    stmt = repository.readable(actor).where(Inquiry.id == inquiry_id)
    if for_change:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    inquiry = session.scalar(stmt)
    if inquiry is None:
        raise NotFound("no such inquiry, or it is not one you may see", field="inquiry_id")
    if for_change:
        _require_write(actor)
    return inquiry


def _check_references(
    session: Session, *, site_id: uuid.UUID | None, assigned_to_id: uuid.UUID | None
) -> None:
    if site_id is not None and programs_service.get_site(session, site_id) is None:
        raise Invalid("There is no site with that id.", field="site_id")
    if assigned_to_id is not None:
        user = session.get(User, assigned_to_id)
        if user is None or not user.is_active or user.role not in ASSIGNABLE_ROLES:
            raise Invalid(
                "Assign the inquiry to an active admissions worker, director or administrator.",
                field="assigned_to_id",
            )


def _append_history(
    session: Session,
    *,
    actor: Actor,
    inquiry: Inquiry,
    to_status: InquiryStatus,
    details: MoveDetails,
    note: str,
) -> InquiryStatusChange:
    """Record the move and mirror it on the inquiry; the caller has checked the rules."""
    now = utc_now()
    seq = (session.scalar(repository.last_seq(inquiry.id)) or 0) + 1
    change = InquiryStatusChange(
        inquiry_id=inquiry.id,
        seq=seq,
        from_status=inquiry.status if seq > 1 else None,
        to_status=to_status,
        changed_at=now,
        changed_by_id=actor.user_id,
        changed_by_label=actor.username,
        assessment_at=details.assessment_at
        if to_status is InquiryStatus.ASSESSMENT_SCHEDULED
        else None,
        partner=details.partner if to_status is InquiryStatus.REFERRED_OUT else "",
        reason=details.reason,
        note=note,
    )
    session.add(change)
    inquiry.status = to_status
    inquiry.status_changed_at = now
    if to_status is InquiryStatus.ASSESSMENT_SCHEDULED:
        inquiry.assessment_at = details.assessment_at
    elif to_status is InquiryStatus.CONTACTED:
        inquiry.assessment_at = None  # rescheduling: the old booking no longer stands
    session.flush()
    return change


def create_inquiry(
    session: Session, *, actor: Actor, data: InquiryCreate, is_synthetic: bool = False
) -> Inquiry:
    """Record a new inquiry; its history starts with a move into ``new``."""
    _require_write(actor)
    _check_references(session, site_id=data.site_id, assigned_to_id=data.assigned_to_id)
    if data.external_ref and session.scalar(repository.by_external_ref(data.external_ref)):
        raise Conflict("an inquiry with this reference is already recorded", field="external_ref")
    values = data.model_dump()
    values["substances"] = [s.value for s in data.substances]
    inquiry = Inquiry(
        **values,
        status=InquiryStatus.NEW,
        status_changed_at=utc_now(),
        is_synthetic=is_synthetic,
    )
    session.add(inquiry)
    session.flush()
    _append_history(
        session,
        actor=actor,
        inquiry=inquiry,
        to_status=InquiryStatus.NEW,
        details=MoveDetails(),
        note="",
    )
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=ENTITY,
        entity_id=inquiry.id,
        detail={
            "source": inquiry.source.value,
            "urgency": inquiry.urgency.value,
            "site_id": str(inquiry.site_id) if inquiry.site_id else None,
        },
    )
    return inquiry


def update_inquiry(
    session: Session, *, actor: Actor, inquiry_id: uuid.UUID, changes: InquiryUpdate
) -> Inquiry:
    """Correct or complete what was recorded; the result must pass the same checks as a
    new inquiry, so an edit cannot leave contact details without web-form consent."""
    inquiry = _load(session, actor, inquiry_id, for_change=True)
    sent = changes.model_dump(exclude_unset=True)
    current = {name: getattr(inquiry, name) for name in InquiryFields.model_fields}
    try:
        merged = InquiryFields.model_validate({**current, **sent})
    except ValidationError as exc:
        raise invalid_from(exc) from exc
    _check_references(session, site_id=merged.site_id, assigned_to_id=merged.assigned_to_id)
    new_values = merged.model_dump()
    new_values["substances"] = [s.value for s in merged.substances]
    changed = sorted(name for name, value in new_values.items() if current[name] != value)
    if not changed:
        return inquiry
    for name in changed:
        setattr(inquiry, name, new_values[name])
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=ENTITY,
        entity_id=inquiry.id,
        client_id=inquiry.client_id,
        detail={"fields": changed},
    )
    return inquiry


def move_status(
    session: Session, *, actor: Actor, inquiry_id: uuid.UUID, change: StatusChangeCreate
) -> Inquiry:
    """Move along the pipeline; a refused move changes nothing."""
    inquiry = _load(session, actor, inquiry_id, for_change=True)
    refusal = rules.move_refusal(inquiry.status, change.to_status)
    if refusal is not None:
        raise Conflict(refusal.message, field=refusal.field, rule=TRANSITION_RULE)
    details = MoveDetails(
        assessment_at=change.assessment_at, partner=change.partner, reason=change.reason
    )
    missing = rules.missing_detail(change.to_status, details)
    if missing is not None:
        raise Invalid(missing.message, field=missing.field, rule=DETAIL_RULE)
    before = inquiry.status
    _append_history(
        session,
        actor=actor,
        inquiry=inquiry,
        to_status=change.to_status,
        details=details,
        note=change.note,
    )
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=ENTITY,
        entity_id=inquiry.id,
        client_id=inquiry.client_id,
        detail={"status": {"from": before.value, "to": change.to_status.value}},
    )
    return inquiry


def _needed_to_convert(label: str, field: str) -> Invalid:
    return Invalid(
        f"Record the person's {label} on the inquiry before admitting them.", field=field
    )


class LikelyDuplicates(Conflict):
    """Converting would open a second record for someone already on file: the person
    converting looks at ``candidates`` and says which it is."""

    def __init__(self, candidates: list[LikelyDuplicate]) -> None:
        numbers = ", ".join(c.record_number for c in candidates)
        super().__init__(
            f"This may be a client already on record ({numbers}). Open the record if it is "
            "the same person, or confirm that it is someone else.",
            field="not_duplicate",
            rule=DUPLICATE_RULE,
        )
        self.candidates = candidates


DUPLICATE_RULE = "clients.rules.match_reasons"


def _caller_as_contact(session: Session, actor: Actor, inquiry: Inquiry, client: Client) -> None:
    """Someone who called for the client becomes one of their contacts, with no release:
    nothing may be told them until the client signs a consent naming them."""
    if inquiry.caller_type is CallerType.SELF or not inquiry.caller_name.strip():
        return
    consents_service.add_contact(
        session,
        actor=actor,
        client_id=client.id,
        name=inquiry.caller_name,
        relationship=consent_rules.relationship_from_words(
            inquiry.caller_relationship, family=inquiry.caller_type is CallerType.FAMILY
        ),
        may_be_told="",
    )


def convert_to_client(
    session: Session,
    *,
    actor: Actor,
    inquiry_id: uuid.UUID,
    not_duplicate: bool = False,
    primary_clinician_id: uuid.UUID | None = None,
    case_manager_id: uuid.UUID | None = None,
) -> Client:
    """Admit: open a client record from what the inquiry holds and close the inquiry.

    Before anything is created the record is checked against every client on file; likely
    matches stop the conversion until the person converting says this is someone else
    (``not_duplicate``), which the audit entry records. The level of care and episode are
    chosen afterwards, in the client's record.
    """
    inquiry = _load(session, actor, inquiry_id, for_change=True)
    refusal = rules.transition_refusal(inquiry.status, rules.CONVERSION_TARGET)
    if refusal is not None:
        raise Conflict(refusal.message, field=refusal.field, rule=TRANSITION_RULE)
    if not inquiry.last_name:
        raise _needed_to_convert("last name", "last_name")
    if inquiry.date_of_birth is None:
        raise _needed_to_convert("date of birth", "date_of_birth")
    if inquiry.site_id is None:
        raise _needed_to_convert("site", "site_id")
    try:
        data = ClientCreate(
            legal_first_name=inquiry.first_name,
            legal_last_name=inquiry.last_name,
            date_of_birth=inquiry.date_of_birth,
            phone=inquiry.phone,
            email=inquiry.email,
            referral_source=inquiry.referral_source,
            safe_contact_instructions=rules.safe_contact(
                inquiry.contact_instructions, inquiry.preferred_contact_time
            ),
            site_id=inquiry.site_id,
        )
    except ValidationError as exc:
        raise invalid_from(exc) from exc
    candidates = duplicates.likely_duplicates(
        session,
        actor=actor,
        identity=client_rules.Identity(
            first_name=data.legal_first_name,
            last_name=data.legal_last_name,
            date_of_birth=data.date_of_birth,
            phone=data.phone,
        ),
    )
    if candidates and not not_duplicate:
        raise LikelyDuplicates(candidates)
    record_number = clients_service.next_record_number(session)
    client = clients_service.register_client(
        session,
        actor=actor,
        data=data,
        record_number=record_number,
        is_synthetic=inquiry.is_synthetic,
    )
    # The coverages admissions recorded (and verified) on the inquiry are the client's now.
    coverage_service.carry_over(session, actor=actor, inquiry_id=inquiry.id, client_id=client.id)
    _caller_as_contact(session, actor, inquiry, client)
    if primary_clinician_id or case_manager_id:
        # The care team chosen at admission, checked as on the chart (active staff of the
        # right role); a new admission with no clinician waits on the home pages instead.
        care_team.assign(
            session,
            actor=actor,
            client_id=client.id,
            primary_clinician_id=primary_clinician_id,
            case_manager_id=case_manager_id,
        )
    _close_as_admitted(
        session,
        actor,
        inquiry,
        client,
        note=f"Client record {record_number} opened.",
        detail={"likely_duplicates_overridden": [c.record_number for c in candidates]},
    )
    return client


def _close_as_admitted(
    session: Session,
    actor: Actor,
    inquiry: Inquiry,
    client: Client,
    *,
    note: str,
    detail: dict[str, object],
) -> None:
    """The inquiry's last move: admitted onto ``client`` (new or already on record)."""
    before = inquiry.status
    inquiry.client_id = client.id
    _append_history(
        session,
        actor=actor,
        inquiry=inquiry,
        to_status=rules.CONVERSION_TARGET,
        details=MoveDetails(),
        note=note,
    )
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=ENTITY,
        entity_id=inquiry.id,
        client_id=client.id,
        detail={
            "status": {"from": before.value, "to": rules.CONVERSION_TARGET.value},
            "client_id": str(client.id),
            **detail,
        },
    )


def link_to_existing(
    session: Session, *, actor: Actor, inquiry_id: uuid.UUID, client_id: uuid.UUID
) -> Client:
    """The caller is a client already on record (a return, or a second call): the inquiry
    is closed as admitted onto that record instead of opening a duplicate."""
    inquiry = _load(session, actor, inquiry_id, for_change=True)
    refusal = rules.transition_refusal(inquiry.status, rules.CONVERSION_TARGET)
    if refusal is not None:
        raise Conflict(refusal.message, field=refusal.field, rule=TRANSITION_RULE)
    client = session.scalar(
        select(Client).where(Client.id == client_id, clients_repository.not_merged_away())
    )
    if client is None:
        raise NotFound("no such client", field="client_id")
    _close_as_admitted(
        session,
        actor,
        inquiry,
        client,
        note=f"Linked to the existing client record {client.record_number}.",
        detail={"linked_existing": True},
    )
    return client


def _record_reads(session: Session, actor: Actor, inquiries: list[Inquiry]) -> None:
    """One read entry per inquiry shown, so 'who saw this caller' has an exact answer."""
    for inquiry in inquiries:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.READ,
            entity_type=ENTITY,
            entity_id=inquiry.id,
            client_id=inquiry.client_id,
        )


def get_inquiry(session: Session, *, actor: Actor, inquiry_id: uuid.UUID) -> Inquiry:
    inquiry = _load(session, actor, inquiry_id)
    _record_reads(session, actor, [inquiry])
    return inquiry


@dataclass(frozen=True, slots=True)
class AdmissionFacts:
    """What the phone intake gathered that the client's record carries: who to bill (until
    coverages are recorded on the record itself), who called for them, and the substances
    named. Read only by someone already reading the client's chart."""

    inquiry_id: uuid.UUID
    payer_name: str
    member_id: str
    caller: str  # "Self", "Family member", ...
    caller_name: str
    caller_relationship: str
    substances: tuple[str, ...]  # labels, in the vocabulary's order


def admission_facts(
    session: Session, *, actor: Actor, client_id: uuid.UUID
) -> AdmissionFacts | None:
    """The newest inquiry converted into this client, as facts for the chart."""
    inquiry = session.scalars(
        select(Inquiry)
        .where(Inquiry.client_id == client_id)
        .order_by(Inquiry.created_at.desc())
        .limit(1)
    ).first()
    if inquiry is None:
        return None
    _record_reads(session, actor, [inquiry])
    return AdmissionFacts(
        inquiry_id=inquiry.id,
        payer_name=inquiry.payer_name,
        member_id=inquiry.member_id,
        caller=inquiry.caller_type.label,
        caller_name=inquiry.caller_name,
        caller_relationship=inquiry.caller_relationship,
        substances=tuple(rules.Substance(s).label for s in inquiry.substances),
    )


def status_history(session: Session, *, inquiry: Inquiry) -> list[InquiryStatusChange]:
    """The moves of an inquiry already read through ``get_inquiry``, oldest first."""
    return list(session.scalars(repository.history(inquiry.id)))


def list_inquiries(session: Session, *, actor: Actor, criteria: InquiryFilter) -> list[Inquiry]:
    inquiries = list(session.scalars(repository.filtered(actor, criteria)))
    _record_reads(session, actor, inquiries)
    return inquiries


@dataclass(frozen=True)
class BoardColumn:
    status: InquiryStatus
    inquiries: list[Inquiry]


@dataclass(frozen=True)
class Board:
    columns: list[BoardColumn]
    # Closed inquiries are counted, not listed: nobody has to act on them.
    outcomes: dict[InquiryStatus, int]


def list_board(
    session: Session,
    *,
    actor: Actor,
    site_id: uuid.UUID | None = None,
    urgency: Urgency | None = None,
) -> Board:
    """Open inquiries in pipeline columns, most urgent and oldest first in each."""
    stmt = repository.readable(actor).where(Inquiry.status.in_(rules.BOARD_COLUMNS))
    filters: list[Any] = []
    if site_id is not None:
        filters.append(Inquiry.site_id == site_id)
    if urgency is not None:
        filters.append(Inquiry.urgency == urgency)
    open_inquiries = list(session.scalars(stmt.where(*filters).order_by(*repository.BY_PRIORITY)))
    _record_reads(session, actor, open_inquiries)
    columns = [
        BoardColumn(status, [i for i in open_inquiries if i.status is status])
        for status in rules.BOARD_COLUMNS
    ]
    closed = repository.readable(actor).where(Inquiry.status.in_(rules.OUTCOMES), *filters)
    sub = closed.subquery()
    rows = session.execute(select(sub.c.status, func.count()).group_by(sub.c.status))
    counts: dict[str, int] = dict(rows.all())
    return Board(columns, {status: counts.get(status, 0) for status in rules.OUTCOMES})


def assignable_staff(session: Session) -> list[User]:
    """Who an inquiry may be assigned to (names only are shown, no PHI)."""
    return list(session.scalars(repository.assignable_staff(ASSIGNABLE_ROLES)))
