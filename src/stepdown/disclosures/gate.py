"""The one gate every byte leaving the program goes through (42 CFR 2.31–2.33, 2.14).

``screen`` decides, class by class, what may go to an outside recipient for a purpose:
an active consent (not revoked, not expired) must name the recipient (or, for the single
TPO consent, its class of recipient), list the purpose and the class. Counseling notes go
only under their own consent; a minor who may consent alone and refused disclosure to a
parent is honoured whatever else was signed. What goes is written to the append-only
disclosure record, one row per consent used, and audited; what is refused is audited with
its reason. Each release carries the § 2.32 notice and the consent's scope (§ 2.32(b)).

``disclose`` is the all-or-nothing form for a packet (a printed summary, a PDF): one class
refused refuses the whole packet, with the reason.

The program's own staff (``Audience.INTERNAL``) and the client reading their own record
(``Audience.PATIENT``, § 2.23) are not disclosures: nothing is withheld or recorded here,
though what they read is audited where they read it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients.models import Client
from stepdown.consents import repository as consent_repository
from stepdown.consents import rules as consent_rules
from stepdown.consents import settings as consent_settings
from stepdown.consents.models import (
    ClientContact,
    Consent,
    ConsentRecipient,
    InformationClass,
    MinorConsentRule,
    Purpose,
    RecipientClass,
)
from stepdown.disclosures.models import Channel, Disclosure, DisclosureRecipient
from stepdown.disclosures.notice import current as current_notice
from stepdown.kit.clock import today as program_today
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Forbidden, NotFound
from stepdown.security.actor import Actor

__all__ = ["Audience", "Channel", "DisclosureRefused", "Screening", "disclose", "screen"]

# FHIR meta.security on everything that leaves: restricted confidentiality, Part 2 policy,
# and "no redisclosure without consent" (HL7 v3 Confidentiality and ActCode systems).
SECURITY_LABELS: Final[list[dict[str, str]]] = [
    {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"},
    {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "42CFRPart2"},
    {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "NORDSCLCD"},
]
AUDIT_ENTITY = "disclosure"


class Audience(StrEnum):
    INTERNAL = "internal"
    PATIENT = "patient"
    RECIPIENT = "recipient"


@dataclass(frozen=True)
class Screening:
    allowed: frozenset[InformationClass]
    withheld: dict[InformationClass, str] = field(default_factory=dict)
    # Statement 1 of § 2.32(a) and the scope of the consent(s) used (§ 2.32(b)); None when
    # nothing left the program.
    notice: str | None = None
    notice_version: str | None = None
    scope: str | None = None
    consent_id: uuid.UUID | None = None
    recipient_label: str | None = None
    disclosure_ids: tuple[uuid.UUID, ...] = ()
    labels: tuple[dict[str, str], ...] = tuple(SECURITY_LABELS)


class DisclosureRefused(Forbidden):
    """No consent lets this go; the message says why, naming the consent where one was."""


def screen(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    audience: Audience,
    recipient_id: uuid.UUID | None,
    purpose: Purpose,
    classes: frozenset[InformationClass],
    channel: Channel,
    description: str,
    on: date | None = None,
) -> Screening:
    if audience is not Audience.RECIPIENT:
        return Screening(allowed=classes)
    if recipient_id is None:
        raise Forbidden("a disclosure outside the program must name its recipient")
    decision = _decision(
        session,
        client_id=client_id,
        recipient_id=recipient_id,
        purpose=purpose,
        classes=classes,
        on=on,
    )
    if decision.withheld:
        _audit_refusal(session, actor, decision, client_id, channel, purpose)
    return _release(session, actor, decision, client_id, channel, purpose, description)


def disclose(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    recipient_id: uuid.UUID,
    purpose: Purpose,
    classes: frozenset[InformationClass],
    channel: Channel,
    description: str,
    on: date | None = None,
    partial: bool = False,
) -> Screening:
    """All of ``classes`` or nothing: a packet is not sent with holes in it. With
    ``partial`` the packet goes with what the consent covers (the rest left out and named),
    and is refused only when nothing is covered."""
    if not classes:
        raise ValueError("a disclosure carries at least one class of information")
    decision = _decision(
        session,
        client_id=client_id,
        recipient_id=recipient_id,
        purpose=purpose,
        classes=classes,
        on=on,
    )
    withheld = decision.withheld
    if withheld:
        _audit_refusal(session, actor, decision, client_id, channel, purpose)
        if not partial or not decision.used:
            raise DisclosureRefused(f"not disclosed: {withheld[min(withheld)]}")
    return _release(session, actor, decision, client_id, channel, purpose, description)


def check(
    session: Session,
    *,
    client_id: uuid.UUID,
    recipient_id: uuid.UUID,
    purpose: Purpose,
    classes: frozenset[InformationClass],
    on: date | None,
) -> dict[InformationClass, str]:
    """What would be withheld, without recording anything: for a form that offers only
    what may go, or a feed made to be fetched later (each fetch goes through the gate)."""
    return _decision(
        session,
        client_id=client_id,
        recipient_id=recipient_id,
        purpose=purpose,
        classes=classes,
        on=on,
    ).withheld


@dataclass(frozen=True)
class _Decision:
    recipient: DisclosureRecipient
    withheld: dict[InformationClass, str]
    used: dict[uuid.UUID, set[InformationClass]]  # consent -> the classes it lets go


def _decision(
    session: Session,
    *,
    client_id: uuid.UUID,
    recipient_id: uuid.UUID,
    purpose: Purpose,
    classes: frozenset[InformationClass],
    on: date | None,
) -> _Decision:
    recipient = session.get(DisclosureRecipient, recipient_id)
    client = session.get(Client, client_id)
    if recipient is None or client is None or recipient.client_id not in (None, client_id):
        raise NotFound("no such recipient for this client")
    decided = _decide(
        session,
        client=client,
        recipient=_recipient_facts(session, recipient),
        purpose=purpose,
        classes=classes,
        on=on or program_today(),
    )
    withheld: dict[InformationClass, str] = {}
    used: dict[uuid.UUID, set[InformationClass]] = defaultdict(set)
    for item, outcome in decided.items():
        if isinstance(outcome, str):
            withheld[item] = outcome
        else:
            used[outcome].add(item)
    return _Decision(recipient, withheld, used)


def _audit_refusal(
    session: Session,
    actor: Actor,
    decision: _Decision,
    client_id: uuid.UUID,
    channel: Channel,
    purpose: Purpose,
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.DISCLOSE,
        entity_type=AUDIT_ENTITY,
        entity_id=decision.recipient.id,
        client_id=client_id,
        detail={
            "refused": sorted(decision.withheld),
            "reasons": sorted(set(decision.withheld.values())),
            "channel": channel.value,
            "purpose": purpose.value,
        },
    )


def _release(
    session: Session,
    actor: Actor,
    decision: _Decision,
    client_id: uuid.UUID,
    channel: Channel,
    purpose: Purpose,
    description: str,
) -> Screening:
    """Record what the decision lets go, one row per consent used, and say how it goes."""
    recipient, withheld, used = decision.recipient, decision.withheld, decision.used
    if not used:
        return Screening(allowed=frozenset(), withheld=withheld, recipient_label=recipient.display)
    notice = current_notice()
    now = utc_now()
    rows = [
        Disclosure(
            occurred_at=now,
            client_id=client_id,
            recipient_id=recipient.id,
            recipient_label=recipient.display,
            consent_id=consent_id,
            purpose=purpose.value,
            information=sorted(items),
            channel=channel,
            description=description[:300],
            notice_version=notice.version,
            actor_id=actor.user_id,
            actor_label=actor.username,
        )
        for consent_id, items in used.items()
    ]
    session.add_all(rows)
    session.flush()
    for row in rows:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.DISCLOSE,
            entity_type=AUDIT_ENTITY,
            entity_id=row.id,
            client_id=client_id,
            detail={
                "recipient_id": str(recipient.id),
                "consent_id": str(row.consent_id),
                "information": row.information,
                "channel": channel.value,
                "purpose": purpose.value,
            },
        )
    consents = [session.get(Consent, consent_id) for consent_id in used]
    return Screening(
        allowed=frozenset(item for items in used.values() for item in items),
        withheld=withheld,
        notice=notice.text,
        notice_version=notice.version,
        scope="\n".join(scope_of(c, session) for c in consents if c is not None),
        consent_id=next(iter(used)),
        recipient_label=recipient.display,
        disclosure_ids=tuple(row.id for row in rows),
    )


def acknowledges(
    session: Session, *, client_id: uuid.UUID, recipient_id: uuid.UUID, on: date | None = None
) -> bool:
    """Whether a consent in force names the recipient (or its TPO class). Without one the
    program may not even acknowledge to them that the client is its patient (§ 2.13(c)):
    an outside system's search finds no such person."""
    recipient = session.get(DisclosureRecipient, recipient_id)
    if recipient is None or recipient.client_id not in (None, client_id):
        return False
    facts = _recipient_facts(session, recipient)
    day = on or program_today()
    return any(
        consent_rules.names_recipient(c, facts) and consent_rules.inactive_reason(c, on=day) is None
        for c in consent_repository.consent_facts(session, client_id)
    )


def _recipient_facts(
    session: Session, recipient: DisclosureRecipient
) -> consent_rules.RecipientFacts:
    contact = session.scalar(
        select(ClientContact).where(ClientContact.recipient_id == recipient.id)
    )
    return consent_rules.RecipientFacts(
        id=recipient.id,
        label=recipient.display,
        category=recipient.category.value,
        is_covered_entity=recipient.is_covered_entity,
        is_intermediary=recipient.is_intermediary,
        intermediary_participants=recipient.intermediary_participants,
        is_parent=contact is not None and contact.relationship.is_parent,
        minor_refuses_disclosure=contact is not None and contact.minor_refuses_disclosure,
    )


def _decide(
    session: Session,
    *,
    client: Client,
    recipient: consent_rules.RecipientFacts,
    purpose: Purpose,
    classes: frozenset[InformationClass],
    on: date,
) -> dict[InformationClass, uuid.UUID | str]:
    """Each class: the consent it goes under, or why it may not go."""
    if (
        recipient.is_parent
        and recipient.minor_refuses_disclosure
        and consent_rules.is_minor(client.date_of_birth, on)
        and consent_settings.current(session).minor_rule is MinorConsentRule.MINOR_ALONE
    ):
        reason = (
            f"the client, a minor who may consent alone, refused disclosure to "
            f"{recipient.label} (42 CFR 2.14(b))"
        )
        return dict.fromkeys(classes, reason)
    naming = [
        c
        for c in consent_repository.consent_facts(session, client.id)
        if consent_rules.names_recipient(c, recipient)
    ]
    if not naming:
        return dict.fromkeys(classes, f"no consent names {recipient.label}")
    active = [c for c in naming if consent_rules.inactive_reason(c, on=on) is None]
    if not active:
        reason = consent_rules.inactive_reason(naming[0], on=on) or "no consent is in force"
        return dict.fromkeys(classes, reason)
    decided: dict[InformationClass, uuid.UUID | str] = {}
    for item in sorted(classes):
        chosen = next(
            (c.id for c in active if consent_rules.covers(c, purpose=purpose, item=item)), None
        )
        if chosen is not None:
            decided[item] = chosen
        elif item is InformationClass.COUNSELING_NOTES:
            decided[item] = "SUD counseling notes need a consent of their own (42 CFR 2.31(b))"
        elif not any(purpose in c.purposes for c in active):
            decided[item] = f"no consent to {recipient.label} covers the purpose: {purpose.label}"
        else:
            decided[item] = f"no consent to {recipient.label} covers {item.label.lower()}"
    return decided


def scope_of(consent: Consent, session: Session) -> str:
    """A clear explanation of the consent's scope, to go with the records (§ 2.32(b))."""
    names = session.scalars(
        select(DisclosureRecipient)
        .join(ConsentRecipient, ConsentRecipient.recipient_id == DisclosureRecipient.id)
        .where(ConsentRecipient.consent_id == consent.id)
        .order_by(DisclosureRecipient.name)
    ).all()
    recipients = [r.display for r in names] + [
        consent_rules.TPO_RECIPIENT_WORDING[RecipientClass(r)] for r in consent.recipient_classes
    ]
    items = ", ".join(InformationClass(i).label.lower() for i in consent.information)
    purposes = ", ".join(Purpose(p).label.lower() for p in consent.purposes)
    expiry = consent_rules.expiry_text(consent.expires_on, consent.expiry_event)
    return (
        f"Disclosed under the written consent of {consent.patient_name}, signed "
        f"{consent.signed_on.isoformat()} ({consent.kind.label.lower()}): {items}; to "
        f"{'; '.join(recipients)}; for {purposes}; expires {expiry}. The consent may be "
        "revoked at any time in writing."
    )
