"""How a route that makes something to leave the program (a printout, a PDF, a feed, an
API response for an outside system) declares it, so a test can walk the app and fail on one
that bypasses the gate.

A route names ``release_to(channel)``: the dependency reads the optional ``recipient``
(an entry of the directory) and ``purpose`` from the query and carries a marker. Without
``recipient`` the document is the program's own copy, marked "internal: not for release"; with it,
the route passes what it holds through ``gate.screen`` or ``gate.disclose`` and renders only
what the gate allowed, with the § 2.32 notice and the consent's scope.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.consents import repository as consent_repository
from stepdown.consents import rules as consent_rules
from stepdown.consents.models import Purpose
from stepdown.disclosures.models import Channel, DisclosureRecipient
from stepdown.kit.clock import today
from stepdown.kit.errors import Invalid

OUTBOUND_MARKER = "__stepdown_outbound__"
INTERNAL_MARKER = "__stepdown_internal_copy__"
INTERNAL_COPY = "Internal copy for the program's own use: not for release outside the program."


@dataclass(frozen=True)
class ReleaseTarget:
    """Who the document is for: the program itself (``recipient_id`` None) or a recipient."""

    recipient_id: uuid.UUID | None = None
    purpose: Purpose | None = None

    @property
    def outside(self) -> bool:
        return self.recipient_id is not None


def parse_target(to: str | None, purpose: str | None) -> ReleaseTarget:
    """``to`` names the recipient; a form's one "for" list sends ``<id>|<purpose>``."""
    if not to:
        return ReleaseTarget()
    if "|" in to:
        to, purpose = to.split("|", 1)
    try:
        recipient_id = uuid.UUID(to)
    except ValueError:
        raise Invalid("choose a recipient from the list", field="recipient") from None
    try:
        chosen = Purpose(purpose or "")
    except ValueError:
        raise Invalid("choose the purpose of the disclosure", field="purpose") from None
    return ReleaseTarget(recipient_id, chosen)


def release_to(channel: Channel) -> Any:
    """Dependency for an outbound route: the target from ``?recipient=&purpose=``."""

    def dependency(recipient: str | None = None, purpose: str | None = None) -> ReleaseTarget:
        return parse_target(recipient, purpose)

    setattr(dependency, OUTBOUND_MARKER, channel)
    return Depends(dependency)


def gated(channel: Channel) -> Any:
    """Dependency for an outbound route whose service passes every response through the
    gate itself (a calendar feed shared with a recipient, the FHIR API)."""

    def dependency() -> None:
        return None

    setattr(dependency, OUTBOUND_MARKER, channel)
    return Depends(dependency)


def internal_copy(reason: str) -> Any:
    """Dependency for a document that only ever serves the program itself (the chart's own
    print of an intake, a staff member's own calendar)."""

    def dependency() -> None:
        return None

    setattr(dependency, INTERNAL_MARKER, reason)
    return Depends(dependency)


@dataclass(frozen=True)
class ReleaseChoice:
    recipient_id: uuid.UUID
    purpose: Purpose
    label: str


def choices(session: Session, client_id: uuid.UUID) -> list[ReleaseChoice]:
    """Recipient and purpose pairs an active consent of the client names, for the "print
    for" list; the gate still decides what each may receive."""
    on = today()
    active = [
        c
        for c in consent_repository.consent_facts(session, client_id)
        if consent_rules.inactive_reason(c, on=on) is None
    ]
    ids = {r for c in active for r in c.recipient_ids}
    names = {
        r.id: r.display
        for r in session.scalars(select(DisclosureRecipient).where(DisclosureRecipient.id.in_(ids)))
    }
    found = {
        (r, p): ReleaseChoice(r, p, f"{names[r]}: {p.label.lower()}")
        for c in active
        for r in c.recipient_ids
        if r in names
        for p in c.purposes
    }
    return sorted(found.values(), key=lambda choice: choice.label)
