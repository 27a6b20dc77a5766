"""Backend clients and their OAuth 2.0 client-credentials tokens (RFC 6749 section 4.4).

A client is registered once (its secret shown once), then asks ``/fhir/auth/token`` for a
token with its id and secret and the scopes it wants, at most those it was registered
with. Tokens are opaque, last ``TOKEN_LIFETIME`` (SMART Backend Services asks for no more
than five minutes) and are stored as digests with their scopes and expiry; a client's
expired tokens are dropped when it is issued a new one. A disabled client's tokens stop
working at once. Every issue and refusal is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.consents.models import Purpose
from stepdown.disclosures.models import DisclosureRecipient
from stepdown.fhir import access
from stepdown.fhir.models import FhirAccessToken, FhirClient
from stepdown.fhir.scopes import Context, Scope, covered, parse_all, spelled
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import tokens
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

# Tells a FHIR access token from an API token (sdt_).
TOKEN_PREFIX: Final = "sdf_"  # noqa: S105 - a public marker, not a secret
CLIENT_ID_PREFIX: Final = "fhir-"
TOKEN_LIFETIME: Final = timedelta(minutes=5)
AUDIT_ENTITY: Final = "fhir_client"
# Compared against when the client id is unknown, so a refusal takes the same time.
_NO_SECRET: Final = tokens.digest("no such client")


class OAuthError(Exception):
    """A refusal in RFC 6749's terms (section 5.2): ``error`` is the registered code."""

    def __init__(self, error: str, description: str, *, status_code: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status_code = status_code


@dataclass(frozen=True)
class IssuedToken:
    secret: str
    expires_in: int
    scopes: tuple[Scope, ...]


def actor_for(client: FhirClient) -> Actor:
    """Whom audit entries and disclosures name when the client reads."""
    return Actor.system(f"fhir:{client.client_id}")


def _require_manager(actor: Actor) -> None:
    if actor.role is not Role.SYSTEM and not access.MANAGE_CLIENTS.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not register FHIR clients")


def register_client(
    session: Session,
    *,
    actor: Actor,
    name: str,
    scopes: str,
    recipient_id: uuid.UUID,
    purpose: Purpose,
) -> tuple[FhirClient, str]:
    """A new client and its secret, which is shown this once and stored only as a digest.

    The recipient must be a program-wide directory entry (a provider, payer or exchange),
    not one client's contact: a system reads many clients' records."""
    _require_manager(actor)
    label = " ".join(name.split())
    if not label:
        raise Invalid("enter the client's name", field="name")
    try:
        granted = parse_all(scopes)
    except ValueError as exc:
        raise Invalid(str(exc), field="scopes") from None
    if not granted or any(s.context is not Context.SYSTEM for s in granted):
        raise Invalid("give system scopes, e.g. system/*.read", field="scopes")
    recipient = session.get(DisclosureRecipient, recipient_id)
    if recipient is None:
        raise NotFound("no such recipient in the directory")
    if recipient.client_id is not None:
        raise Conflict("a backend client must be a program-wide recipient, not a client's contact")
    secret = tokens.new_secret()
    client = FhirClient(
        name=label,
        client_id=f"{CLIENT_ID_PREFIX}{uuid.uuid4().hex[:16]}",
        secret_hash=tokens.digest(secret),
        scopes=[str(s) for s in granted],
        recipient_id=recipient.id,
        purpose=purpose,
        created_by=actor.user_id,
    )
    session.add(client)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=AUDIT_ENTITY,
        entity_id=client.id,
        detail={
            "scopes": client.scopes,
            "recipient_id": str(recipient.id),
            "purpose": purpose.value,
        },
    )
    return client, secret


def list_clients(session: Session, *, actor: Actor) -> list[FhirClient]:
    _require_manager(actor)
    return list(session.scalars(select(FhirClient).order_by(FhirClient.name)))


def disable_client(session: Session, *, actor: Actor, client_id: str) -> FhirClient:
    """The client can no longer get tokens, and the ones it holds stop working."""
    _require_manager(actor)
    client = session.scalar(select(FhirClient).where(FhirClient.client_id == client_id))
    if client is None:
        raise NotFound("no such FHIR client")
    if client.disabled_at is None:
        client.disabled_at = utc_now()
        client.disabled_by = actor.user_id
        session.flush()
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type=AUDIT_ENTITY,
            entity_id=client.id,
            detail={"disabled": True},
        )
    return client


def issue_token(session: Session, *, client_id: str, client_secret: str, scope: str) -> IssuedToken:
    """A token for the scopes asked for (all the client's scopes when none are), or
    ``OAuthError``. The refusal is audited before it is raised: the caller answers it
    without rolling back."""
    client = session.scalar(select(FhirClient).where(FhirClient.client_id == client_id))
    stored = client.secret_hash if client is not None else _NO_SECRET
    if client is None or not tokens.same(stored, tokens.digest(client_secret)):
        _refused(session, client, "wrong client id or secret")
        raise OAuthError("invalid_client", "unknown client or wrong secret", status_code=401)
    if client.disabled_at is not None:
        _refused(session, client, "client disabled")
        raise OAuthError("invalid_client", "this client is disabled", status_code=401)
    allowed = parse_all(" ".join(client.scopes))
    try:
        requested = parse_all(scope) if scope.strip() else allowed
    except ValueError as exc:
        _refused(session, client, "invalid scope")
        raise OAuthError("invalid_scope", str(exc)) from None
    if not covered(requested, allowed):
        _refused(session, client, "scope not granted")
        raise OAuthError("invalid_scope", f"this client may be granted only: {spelled(allowed)}")
    now = utc_now()
    session.execute(
        delete(FhirAccessToken).where(
            FhirAccessToken.fhir_client_id == client.id, FhirAccessToken.expires_at <= now
        )
    )
    secret = TOKEN_PREFIX + tokens.new_secret()
    session.add(
        FhirAccessToken(
            token_hash=tokens.digest(secret),
            fhir_client_id=client.id,
            scopes=[str(s) for s in requested],
            issued_at=now,
            expires_at=now + TOKEN_LIFETIME,
        )
    )
    session.flush()
    audit_service.record(
        session,
        actor=actor_for(client),
        action=AuditAction.SIGN_IN,
        entity_type=AUDIT_ENTITY,
        entity_id=client.id,
        detail={"scopes": [str(s) for s in requested]},
    )
    return IssuedToken(secret, int(TOKEN_LIFETIME.total_seconds()), requested)


def _refused(session: Session, client: FhirClient | None, reason: str) -> None:
    audit_service.record(
        session,
        actor=actor_for(client) if client else Actor.system("fhir:unknown-client"),
        action=AuditAction.SIGN_IN_FAILED,
        entity_type=AUDIT_ENTITY,
        entity_id=client.id if client else "",
        detail={"reason": reason},
    )


def resolve_token(session: Session, *, secret: str) -> tuple[FhirClient, tuple[Scope, ...]] | None:
    """The client and granted scopes of a live token of an enabled client, else None."""
    found = session.execute(
        select(FhirClient, FhirAccessToken.scopes)
        .join(FhirAccessToken, FhirAccessToken.fhir_client_id == FhirClient.id)
        .where(
            FhirAccessToken.token_hash == tokens.digest(secret),
            FhirAccessToken.expires_at > utc_now(),
            FhirClient.disabled_at.is_(None),
        )
    ).first()
    if found is None:
        return None
    client, scopes = found
    return client, parse_all(" ".join(scopes))
