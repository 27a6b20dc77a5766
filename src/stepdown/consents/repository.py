"""Consents as the gate and the lists read them."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.consents import rules
from stepdown.consents.models import (
    Consent,
    ConsentRecipient,
    InformationClass,
    Purpose,
    RecipientClass,
)
from stepdown.kit.clock import local


def consent_facts(session: Session, client_id: uuid.UUID) -> list[rules.ConsentFacts]:
    """The client's consents, newest signature first (the newest that covers is used)."""
    consents = session.scalars(
        select(Consent)
        .where(Consent.client_id == client_id)
        .order_by(Consent.signed_at.desc(), Consent.id)
    ).all()
    named: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    if consents:
        for consent_id, recipient_id in session.execute(
            select(ConsentRecipient.consent_id, ConsentRecipient.recipient_id).where(
                ConsentRecipient.consent_id.in_([c.id for c in consents])
            )
        ):
            named[consent_id].add(recipient_id)
    return [
        rules.ConsentFacts(
            id=c.id,
            kind=c.kind,
            information=frozenset(InformationClass(i) for i in c.information),
            recipient_ids=frozenset(named[c.id]),
            recipient_classes=frozenset(RecipientClass(r) for r in c.recipient_classes),
            purposes=frozenset(Purpose(p) for p in c.purposes),
            signed_on=c.signed_on,
            expires_on=c.expires_on,
            expiry_event=c.expiry_event,
            expiry_event_on=c.expiry_event_on,
            revoked_on=local(c.revoked_at).date() if c.revoked_at else None,
        )
        for c in consents
    ]
