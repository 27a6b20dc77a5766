"""Who is reading through the FHIR API, and what they may read.

Three kinds of caller, told apart by their credential:

- staff, with the project's own API token or web session (``security.deps``): audience
  internal, scope ``user/*.read``, narrowed kind by kind to what their role reads
  elsewhere (``kinds``);
- a client, with their portal session or token: their own record only
  (``clients.repository.readable``), scope ``patient/*.read``;
- a backend system, with a token from ``/fhir/auth/token`` (``oauth``): an outside
  recipient, its granted scopes, for its registered purpose; the gate decides per client.

``allow_fhir(POLICY)`` is the routes' dependency. Like ``security.deps.allow`` it carries
the policy's marker, so the walk over every route sees who may call it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request

from stepdown.consents.models import Purpose
from stepdown.disclosures.gate import Audience
from stepdown.fhir import oauth
from stepdown.fhir.kinds import Kind
from stepdown.fhir.models import FhirClient
from stepdown.fhir.scopes import Context, Scope
from stepdown.kit.errors import Forbidden, Unauthorized
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import POLICY_MARKER, resolve_caller
from stepdown.security.policy import Policy
from stepdown.security.roles import Role

CONTEXT = {
    Audience.INTERNAL: Context.USER,
    Audience.PATIENT: Context.PATIENT,
    Audience.RECIPIENT: Context.SYSTEM,
}


@dataclass(frozen=True)
class Grant:
    """What a caller may read, beside who they are: the audience the gate screens for,
    the purpose of use, the scopes, and the recipient an outside system is."""

    audience: Audience
    purpose: Purpose
    scopes: tuple[Scope, ...]
    recipient_id: uuid.UUID | None = None

    def may_read(self, kind: Kind, role: Role) -> bool:
        context = CONTEXT[self.audience]
        if not any(scope.grants(context, kind.resource_type) for scope in self.scopes):
            return False
        if self.audience is Audience.INTERNAL:
            return kind.staff_read.allows(role)
        return True


@dataclass(frozen=True)
class FhirCaller:
    actor: Actor
    grant: Grant


STAFF = Grant(Audience.INTERNAL, Purpose.TREATMENT, (Scope(Context.USER, "*", "read"),))
OWN_RECORD = Grant(
    Audience.PATIENT, Purpose.PATIENT_REQUEST, (Scope(Context.PATIENT, "*", "read"),)
)


def signed_in(actor: Actor) -> FhirCaller:
    """Staff read for the program's own work (not a disclosure); a client reads their own
    record at their own request (42 CFR 2.23)."""
    return FhirCaller(actor, OWN_RECORD if actor.role is Role.CLIENT else STAFF)


def system(client: FhirClient, scopes: tuple[Scope, ...]) -> FhirCaller:
    grant = Grant(Audience.RECIPIENT, client.purpose, scopes, client.recipient_id)
    return FhirCaller(oauth.actor_for(client), grant)


def allow_fhir(policy: Policy) -> Any:
    """Dependency: the caller, from a FHIR access token or a signed-in role the policy lists."""

    def dependency(request: Request, session: DbSession) -> FhirCaller:
        authorization = request.headers.get("authorization", "")
        credential = authorization[7:].strip()
        if authorization[:7].lower() == "bearer " and credential.startswith(oauth.TOKEN_PREFIX):
            granted = oauth.resolve_token(session, secret=credential)
            if granted is None:
                raise Unauthorized("the access token is unknown, expired or revoked")
            return system(*granted)
        caller = resolve_caller(request, session)
        if caller is None:
            raise Unauthorized("sign in, or present an access token")
        if not policy.allows(caller.actor.role):
            raise Forbidden(f"your role ({caller.actor.role.label}) may not {policy.description}")
        return signed_in(caller.actor)

    setattr(dependency, POLICY_MARKER, policy)
    return Depends(dependency)
