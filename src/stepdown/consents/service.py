"""Recording consents, contacts and the § 2.22 notice: by staff in person (attested), or
by the client in the portal (signed by typing their password again)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.consents import repository, rules
from stepdown.consents import settings as consent_settings
from stepdown.consents.models import (
    ClientContact,
    Consent,
    ConsentKind,
    ConsentRecipient,
    ContactRelationship,
    InformationClass,
    MinorConsentRule,
    NoticeAcknowledgement,
    Purpose,
    RecipientClass,
    SignatureMethod,
    Signer,
)
from stepdown.disclosures.models import DisclosureRecipient, RecipientCategory
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import signing
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

# The § 2.22 Notice of Privacy Practices' version (templates/consents/_notice.html holds its text).
NOTICE_VERSION = "2026-12"
ENTITY = "consent"
CONTACT_ENTITY = "client_contact"

_CONTACT_CATEGORY = {
    ContactRelationship.PROBATION_OFFICER: RecipientCategory.CRIMINAL_JUSTICE,
    ContactRelationship.EMPLOYER: RecipientCategory.EMPLOYER,
    ContactRelationship.FRIEND: RecipientCategory.OTHER,
    ContactRelationship.SPONSOR: RecipientCategory.OTHER,
    ContactRelationship.OTHER: RecipientCategory.OTHER,
}


def client_for(session: Session, *, actor: Actor, client_id: uuid.UUID) -> Client:
    """The client, if the actor may see their record: their own for a client."""
    if actor.role is Role.CLIENT:
        own = clients_service.own_record(session, actor=actor)
        if own is None or own.id != client_id:
            raise NotFound("no such client, or not one you may see")
        return own
    return clients_service.get_client(session, actor=actor, client_id=client_id)


def add_contact(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    name: str,
    relationship: ContactRelationship,
    organization: str = "",
    phone: str = "",
    email: str = "",
    may_be_told: str = "",
    is_legal_guardian: bool = False,
) -> ClientContact:
    """A person the client names, with their own directory entry so a consent can name
    them as its recipient."""
    client = client_for(session, actor=actor, client_id=client_id)
    if not name.strip():
        raise Invalid("the contact's name is required", field="name")
    recipient = DisclosureRecipient(
        name=name.strip(),
        organization=organization.strip(),
        category=_CONTACT_CATEGORY.get(relationship, RecipientCategory.FAMILY),
        phone=phone.strip(),
        email=email.strip(),
        client_id=client.id,
    )
    session.add(recipient)
    session.flush()
    contact = ClientContact(
        client_id=client.id,
        name=name.strip(),
        relationship=relationship,
        organization=organization.strip(),
        phone=phone.strip(),
        email=email.strip(),
        may_be_told=may_be_told.strip(),
        is_legal_guardian=is_legal_guardian,
        recipient_id=recipient.id,
    )
    session.add(contact)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=CONTACT_ENTITY,
        entity_id=contact.id,
        client_id=client.id,
        detail={"relationship": relationship.value, "guardian": is_legal_guardian},
    )
    return contact


def _contact(session: Session, *, actor: Actor, contact_id: uuid.UUID) -> ClientContact:
    contact = session.get(ClientContact, contact_id)
    if contact is None or contact.removed_at is not None:
        raise NotFound("no such contact")
    client_for(session, actor=actor, client_id=contact.client_id)
    return contact


def remove_contact(session: Session, *, actor: Actor, contact_id: uuid.UUID) -> None:
    """The contact leaves the list; consents naming them stay as signed (revoke those)."""
    contact = _contact(session, actor=actor, contact_id=contact_id)
    contact.removed_at = utc_now()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.DELETE,
        entity_type=CONTACT_ENTITY,
        entity_id=contact.id,
        client_id=contact.client_id,
    )


def set_minor_refusal(
    session: Session, *, actor: Actor, contact_id: uuid.UUID, refuses: bool
) -> ClientContact:
    """A minor who may consent alone refuses (or stops refusing) any disclosure to this
    parent or guardian (42 CFR 2.14(b)). Only meaningful under the minor-alone rule."""
    contact = _contact(session, actor=actor, contact_id=contact_id)
    if not contact.relationship.is_parent:
        raise Invalid("only a parent or guardian can be refused this way", field="contact")
    if refuses and consent_settings.current(session).minor_rule is not MinorConsentRule.MINOR_ALONE:
        raise Conflict(
            "under the program's rule a guardian signs with the minor, so the minor cannot "
            "refuse disclosure to them alone (42 CFR 2.14)"
        )
    contact.minor_refuses_disclosure = refuses
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=CONTACT_ENTITY,
        entity_id=contact.id,
        client_id=contact.client_id,
        detail={"minor_refuses_disclosure": refuses},
    )
    return contact


def contacts_of(session: Session, client_id: uuid.UUID) -> list[ClientContact]:
    return list(
        session.scalars(
            select(ClientContact)
            .where(ClientContact.client_id == client_id, ClientContact.removed_at.is_(None))
            .order_by(ClientContact.name)
        )
    )


def recipients_for(session: Session, client_id: uuid.UUID) -> list[DisclosureRecipient]:
    """Who a consent of this client may name: program-wide entries and their contacts."""
    removed = select(ClientContact.recipient_id).where(ClientContact.removed_at.is_not(None))
    return list(
        session.scalars(
            select(DisclosureRecipient)
            .where(
                or_(
                    DisclosureRecipient.client_id.is_(None),
                    DisclosureRecipient.client_id == client_id,
                ),
                DisclosureRecipient.id.not_in(removed),
            )
            .order_by(DisclosureRecipient.client_id.is_(None), DisclosureRecipient.name)
        )
    )


def add_recipient(
    session: Session,
    *,
    actor: Actor,
    name: str,
    category: RecipientCategory,
    organization: str = "",
    is_covered_entity: bool = False,
    is_intermediary: bool = False,
    intermediary_participants: str = "",
    address: str = "",
    phone: str = "",
    email: str = "",
) -> DisclosureRecipient:
    """A program-wide recipient: a partner provider, a payer, a court, an HIE."""
    if not name.strip():
        raise Invalid("the recipient's name is required", field="name")
    if is_intermediary and not intermediary_participants.strip():
        raise Invalid(
            "an intermediary is named with its participants (42 CFR 2.31(a)(4)(ii))",
            field="intermediary_participants",
        )
    recipient = DisclosureRecipient(
        name=name.strip(),
        organization=organization.strip(),
        category=category,
        is_covered_entity=is_covered_entity,
        is_intermediary=is_intermediary,
        intermediary_participants=intermediary_participants.strip(),
        address=address.strip(),
        phone=phone.strip(),
        email=email.strip(),
    )
    session.add(recipient)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="disclosure_recipient",
        entity_id=recipient.id,
    )
    return recipient


@dataclass(frozen=True)
class ConsentInput:
    """A consent as the form or the portal sends it."""

    kind: ConsentKind
    disclosers: str
    information: frozenset[InformationClass]
    information_description: str
    recipient_ids: frozenset[uuid.UUID]
    recipient_classes: frozenset[RecipientClass]
    purposes: frozenset[Purpose]
    purpose_description: str
    expires_on: date | None
    expiry_event: str
    client_signature: str
    signed_on: date | None
    guardian_signature: str = ""
    guardian_contact_id: uuid.UUID | None = None


def _recipient_facts(
    session: Session, client_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> tuple[rules.RecipientFacts, ...]:
    wanted = set(ids)
    allowed = {r.id: r for r in recipients_for(session, client_id) if r.id in wanted}
    unknown = wanted - set(allowed)
    if unknown:
        raise Invalid("a recipient is not in this client's directory", field="recipients")
    return tuple(
        rules.RecipientFacts(
            id=r.id,
            label=r.display,
            category=r.category.value,
            is_covered_entity=r.is_covered_entity,
            is_intermediary=r.is_intermediary,
            intermediary_participants=r.intermediary_participants,
        )
        for r in allowed.values()
    )


def record_consent(
    session: Session, *, actor: Actor, client_id: uuid.UUID, data: ConsentInput, secret: str = ""
) -> Consent:
    """Save a signed consent once every § 2.31 element is there (``rules.missing_elements``).

    In the portal the client signs by typing their password again; staff record a consent
    signed in front of them and attest to it. A consent that needs a guardian's signature
    too is taken in person, where staff see both sign.
    """
    client = client_for(session, actor=actor, client_id=client_id)
    minor_rule = consent_settings.current(session).minor_rule
    recipients = _recipient_facts(session, client.id, data.recipient_ids)
    signer = Signer.CLIENT_AND_GUARDIAN if data.guardian_signature.strip() else Signer.CLIENT
    draft = rules.ConsentDraft(
        kind=data.kind,
        patient_name=f"{client.legal_first_name} {client.legal_last_name}",
        disclosers=data.disclosers,
        information=data.information,
        information_description=data.information_description,
        recipients=recipients,
        recipient_classes=data.recipient_classes,
        purposes=data.purposes,
        purpose_description=data.purpose_description,
        expires_on=data.expires_on,
        expiry_event=data.expiry_event,
        signer=signer,
        client_signature=data.client_signature,
        guardian_signature=data.guardian_signature,
        signed_on=data.signed_on,
        client_date_of_birth=client.date_of_birth,
        minor_rule=minor_rule,
    )
    missing = rules.missing_elements(draft, today=today())
    if missing:
        field, message = next(iter(missing.items()))
        raise Invalid(f"the consent cannot be saved: {message}", field=field)
    if signer is Signer.CLIENT_AND_GUARDIAN:
        _check_guardian(session, client.id, data.guardian_contact_id)
    assert data.signed_on is not None
    portal = actor.role is Role.CLIENT
    if portal and signer is Signer.CLIENT_AND_GUARDIAN:
        raise Forbidden("a consent a guardian signs too is taken in person; ask the staff")
    consent = Consent(
        client_id=client.id,
        kind=data.kind,
        patient_name=draft.patient_name,
        disclosers=data.disclosers.strip(),
        information=sorted(data.information),
        information_description=data.information_description.strip(),
        recipient_classes=sorted(data.recipient_classes),
        purposes=sorted(data.purposes),
        purpose_description=data.purpose_description.strip(),
        expires_on=data.expires_on,
        expiry_event=data.expiry_event.strip(),
        signer=signer,
        signature_method=SignatureMethod.PORTAL if portal else SignatureMethod.IN_PERSON,
        client_signature=data.client_signature.strip(),
        guardian_signature=data.guardian_signature.strip(),
        guardian_contact_id=data.guardian_contact_id
        if signer is Signer.CLIENT_AND_GUARDIAN
        else None,
        signed_on=data.signed_on,
        signed_at=utc_now(),
        attested_by_id=None if portal else actor.user_id,
        form_version=rules.FORM_VERSION,
        recorded_by_id=actor.user_id,
    )
    session.add(consent)
    session.flush()
    session.add_all(ConsentRecipient(consent_id=consent.id, recipient_id=r.id) for r in recipients)
    session.flush()
    if portal:
        signing.sign(
            session,
            actor=actor,
            secret=secret,
            entity_type=ENTITY,
            entity_id=consent.id,
            client_id=client.id,
            content=signed_content(consent, [r.id for r in recipients]),
            client_may_sign=True,
        )
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=ENTITY,
        entity_id=consent.id,
        client_id=client.id,
        detail={"kind": consent.kind.value, "method": consent.signature_method.value},
    )
    return consent


def _check_guardian(session: Session, client_id: uuid.UUID, contact_id: uuid.UUID | None) -> None:
    contact = session.get(ClientContact, contact_id) if contact_id else None
    if (
        contact is None
        or contact.client_id != client_id
        or contact.removed_at is not None
        or not contact.is_legal_guardian
    ):
        raise Invalid(
            "choose the parent or guardian who signed from the client's contacts",
            field="guardian_contact_id",
        )


def signed_content(consent: Consent, recipient_ids: list[uuid.UUID]) -> dict[str, object]:
    """What a portal signature covers: every element as saved."""
    return {
        "kind": consent.kind.value,
        "patient_name": consent.patient_name,
        "disclosers": consent.disclosers,
        "information": consent.information,
        "information_description": consent.information_description,
        "recipients": sorted(str(r) for r in recipient_ids),
        "recipient_classes": consent.recipient_classes,
        "purposes": consent.purposes,
        "purpose_description": consent.purpose_description,
        "expires_on": consent.expires_on.isoformat() if consent.expires_on else None,
        "expiry_event": consent.expiry_event,
        "client_signature": consent.client_signature,
        "signed_on": consent.signed_on.isoformat(),
        "form_version": consent.form_version,
    }


def get_consent(session: Session, *, actor: Actor, consent_id: uuid.UUID) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None:
        raise NotFound("no such consent")
    client_for(session, actor=actor, client_id=consent.client_id)
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.READ,
        entity_type=ENTITY,
        entity_id=consent.id,
        client_id=consent.client_id,
    )
    return consent


def revoke(
    session: Session, *, actor: Actor, consent_id: uuid.UUID, note: str = "", secret: str = ""
) -> Consent:
    """Revocation in writing (§ 2.31(a)(6)): the client signs it in the portal, or staff
    record the written revocation the client gave them. The next disclosure is refused."""
    consent = get_consent(session, actor=actor, consent_id=consent_id)
    if consent.revoked_at is not None:
        raise Conflict("this consent was already revoked")
    if actor.role is Role.CLIENT:
        signing.confirm_signer(session, actor=actor, secret=secret, client_may_sign=True)
    elif not note.strip():
        raise Invalid(
            "say how the client revoked it in writing (e.g. 'signed revocation form')",
            field="note",
        )
    consent.revoked_at = utc_now()
    consent.revoked_by_id = actor.user_id
    consent.revocation_note = note.strip()[:300] or "revoked by the client in the portal"
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=ENTITY,
        entity_id=consent.id,
        client_id=consent.client_id,
        detail={"revoked": True},
    )
    return consent


def record_expiry_event(
    session: Session, *, actor: Actor, consent_id: uuid.UUID, on: date
) -> Consent:
    """The consent's expiry event happened (e.g. "end of probation"): it stops that day."""
    consent = get_consent(session, actor=actor, consent_id=consent_id)
    if actor.role is Role.CLIENT:
        raise Forbidden("staff record an expiry event; you may revoke the consent instead")
    if not consent.expiry_event:
        raise Invalid("this consent expires on a date, not an event", field="on")
    if on < consent.signed_on or on > today():
        raise Invalid("the event's date is between the signature and today", field="on")
    consent.expiry_event_on = on
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type=ENTITY,
        entity_id=consent.id,
        client_id=consent.client_id,
        detail={"expiry_event_on": on.isoformat()},
    )
    return consent


@dataclass(frozen=True)
class ConsentView:
    consent: Consent
    recipients: list[str]
    inactive: str | None

    @property
    def active(self) -> bool:
        return self.inactive is None


def consents_of(session: Session, *, actor: Actor, client_id: uuid.UUID) -> list[ConsentView]:
    """The client's consents, newest first, each with why it no longer works (if so)."""
    client = client_for(session, actor=actor, client_id=client_id)
    facts = {f.id: f for f in repository.consent_facts(session, client.id)}
    labels = {r.id: r.display for r in recipients_for(session, client.id)}
    rows = session.scalars(
        select(Consent).where(Consent.client_id == client.id).order_by(Consent.signed_at.desc())
    ).all()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.READ,
        entity_type=ENTITY,
        entity_id="",
        client_id=client.id,
        detail={"list": len(rows)},
    )
    on = today()
    return [
        ConsentView(
            consent=c,
            recipients=[
                labels.get(r, "(removed contact)")
                for r in sorted(facts[c.id].recipient_ids, key=str)
            ]
            + [rules.TPO_RECIPIENT_WORDING[RecipientClass(k)] for k in c.recipient_classes],
            inactive=rules.inactive_reason(facts[c.id], on=on),
        )
        for c in rows
    ]


def named(consent: rules.ConsentFacts) -> list[uuid.UUID]:
    return sorted(consent.recipient_ids, key=str)


def acknowledge_notice(
    session: Session, *, actor: Actor, client_id: uuid.UUID, secret: str = ""
) -> NoticeAcknowledgement:
    """The client was told of Part 2's protections and given the written summary (§ 2.22),
    at admission; in the portal they confirm with their password."""
    client = client_for(session, actor=actor, client_id=client_id)
    portal = actor.role is Role.CLIENT
    if portal:
        signing.confirm_signer(session, actor=actor, secret=secret, client_may_sign=True)
    ack = NoticeAcknowledgement(
        client_id=client.id,
        notice_version=NOTICE_VERSION,
        acknowledged_at=utc_now(),
        method=SignatureMethod.PORTAL if portal else SignatureMethod.IN_PERSON,
        recorded_by_id=actor.user_id,
    )
    session.add(ack)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="privacy_notice_acknowledgement",
        entity_id=ack.id,
        client_id=client.id,
    )
    return ack


def notice_acknowledgement(session: Session, client_id: uuid.UUID) -> NoticeAcknowledgement | None:
    """The latest acknowledgement of the current notice, or None (then it is due)."""
    return session.scalars(
        select(NoticeAcknowledgement)
        .where(
            NoticeAcknowledgement.client_id == client_id,
            NoticeAcknowledgement.notice_version == NOTICE_VERSION,
        )
        .order_by(NoticeAcknowledgement.acknowledged_at.desc())
        .limit(1)
    ).first()
