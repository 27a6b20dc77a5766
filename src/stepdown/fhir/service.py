"""Reads, searches and ``Patient/$everything``.

Each answer is decided in the same order: which kinds of resource the caller may read at
all (their scopes, and for staff their role's read rights), which clients they may see
(``clients.repository.readable``: 404 for anyone else's, before any 403), what the gate
lets go to this audience for this purpose (``disclosures.gate.screen``, which records the
disclosure itself), then the resources, and one audit entry per client and resource type
read. The gate screens every class the caller asked for, whether the client has rows of
it or not: "withheld" then tells an outside reader nothing about what the record holds,
and an empty answer that was allowed is recorded as disclosed, since it is an answer too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.domainresource import DomainResource
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.meta import Meta
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.consents.models import InformationClass
from stepdown.disclosures.gate import Audience, Channel, Screening, acknowledges, screen
from stepdown.fhir import kinds, outcomes
from stepdown.fhir.callers import Grant
from stepdown.fhir.kinds import Kind
from stepdown.fhir.resources.common import meta
from stepdown.fhir.resources.patient import RECORD_NUMBER
from stepdown.fhir.sources import SOURCES, Env
from stepdown.kit.errors import Forbidden, Invalid, NotFound
from stepdown.security.actor import Actor

NOTICE_EXTENSION = "part2-notice"
SCOPE_EXTENSION = "part2-consent-scope"
# Search parameters served, by type; any other is refused rather than ignored, so a
# narrowing the client asked for is never silently dropped.
PATIENT_PARAMETERS = frozenset({"_id", "identifier"})
OTHER_PARAMETERS = frozenset({"patient"})
OBSERVATION_PARAMETERS = frozenset({"patient", "category"})
IGNORED = frozenset({"_format"})


class Withheld(Forbidden):
    """A read of one resource whose class of information the gate withheld."""

    def __init__(self, item: InformationClass, reason: str) -> None:
        super().__init__(reason)
        self.item = item


@dataclass(frozen=True)
class Found:
    """What one client's screening let go, and the resources of it."""

    client_id: uuid.UUID
    resources: list[DomainResource]
    screening: Screening


def read(
    session: Session,
    *,
    actor: Actor,
    grant: Grant,
    env: Env,
    resource_type: str,
    resource_id: str,
) -> DomainResource:
    """One resource by its id. A resource of a class the gate withheld raises
    ``Withheld`` (the route answers it with 403 and the reason); one of a client the
    caller may not see is not found, as an unknown id is."""
    candidates = _readable_kinds(actor, grant, resource_type)
    row_id = _uuid(resource_id, resource_type)
    owned = ((kind, SOURCES[kind].owner(session, row_id)) for kind in candidates)
    kind, client_id = next(((k, c) for k, c in owned if c is not None), (None, None))
    if kind is None or client_id is None or not _visible(session, actor, grant, [client_id]):
        raise NotFound(f"no {resource_type} {resource_id}, or not one you may see")
    screening = _screen(
        session,
        actor=actor,
        grant=grant,
        client_id=client_id,
        wanted=[kind],
        description=f"FHIR {resource_type}/{row_id}",
    )
    if kind.information in screening.withheld:
        raise Withheld(kind.information, screening.withheld[kind.information])
    found = SOURCES[kind].load(session, client_id, row_id, env)
    if not found:
        raise NotFound(f"no {resource_type} {resource_id}, or not one you may see")
    resource = found[0]
    _audit(session, actor=actor, client_id=client_id, resources=[resource], interaction="read")
    _attach_notice(resource, [screening], env)
    return resource


def search(
    session: Session,
    *,
    actor: Actor,
    grant: Grant,
    env: Env,
    resource_type: str,
    parameters: Sequence[tuple[str, str]],
    self_link: str,
) -> Bundle:
    """A type's resources of the clients searched for: by ``patient`` (``_id`` or
    ``identifier`` for Patient itself), an Observation also by ``category``. Clients the
    caller may not see match nothing, as clients that do not exist."""
    wanted = _readable_kinds(actor, grant, resource_type)
    given = _parameters(resource_type, parameters)
    if "category" in given:
        wanted = tuple(k for k in wanted if k.category in given["category"])
    if resource_type == "Patient":
        client_ids = _patients_searched(session, actor, grant, given, env)
    elif "patient" in given:
        client_ids = _visible(session, actor, grant, [_patient_id(v) for v in given["patient"]])
    else:
        raise Invalid(f"search {resource_type} by patient", field="patient")
    if not wanted:  # a category this server has no results in
        client_ids = []
    description = f"FHIR {resource_type} search"
    found = [
        _gather(
            session,
            actor=actor,
            grant=grant,
            env=env,
            client_id=c,
            wanted=wanted,
            description=description,
        )
        for c in client_ids
    ]
    return _bundle(found, env=env, self_link=self_link)


def everything(
    session: Session, *, actor: Actor, grant: Grant, env: Env, patient_id: str, self_link: str
) -> Bundle:
    """Every resource of the client the caller may read (Patient/$everything)."""
    wanted = tuple(k for k in kinds.ALL if grant.may_read(k, actor.role))
    if not wanted:
        raise Forbidden("your access allows no resource types")
    client_ids = _visible(session, actor, grant, [_uuid(patient_id, "Patient")])
    if not client_ids:
        raise NotFound(f"no Patient {patient_id}, or not one you may see")
    found = _gather(
        session,
        actor=actor,
        grant=grant,
        env=env,
        client_id=client_ids[0],
        wanted=wanted,
        description=f"FHIR Patient/{client_ids[0]}/$everything",
    )
    return _bundle([found], env=env, self_link=self_link)


def _readable_kinds(actor: Actor, grant: Grant, resource_type: str) -> tuple[Kind, ...]:
    served = kinds.of_type(resource_type)
    if not served:
        raise NotFound(f"this server has no {resource_type} resources")
    readable = tuple(k for k in served if grant.may_read(k, actor.role))
    if not readable:
        raise Forbidden(f"your access does not include reading {resource_type}")
    return readable


def _uuid(value: str, resource_type: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"no {resource_type} {value}") from None


def _visible(
    session: Session, actor: Actor, grant: Grant, client_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """Those of the clients the caller may see, in the order asked. An outside system sees
    only clients with a consent in force naming it: without one the program may not even
    acknowledge that someone is its patient (42 CFR 2.13(c)), so they are not found, as
    clients that do not exist."""
    seen = set(
        session.scalars(
            clients_repository.readable(actor)
            .where(Client.id.in_(client_ids))
            .with_only_columns(Client.id)
        )
    )
    found = [c for c in dict.fromkeys(client_ids) if c in seen]
    if grant.audience is not Audience.RECIPIENT or grant.recipient_id is None:
        return found
    return [c for c in found if acknowledges(session, client_id=c, recipient_id=grant.recipient_id)]


def _parameters(resource_type: str, parameters: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """The search parameters, each a list of the values it may take (FHIR's comma is OR)."""
    if resource_type == "Patient":
        served = PATIENT_PARAMETERS
    elif resource_type == "Observation":
        served = OBSERVATION_PARAMETERS
    else:
        served = OTHER_PARAMETERS
    given: dict[str, list[str]] = {}
    for name, value in parameters:
        if name in IGNORED:
            continue
        if name not in served:
            allowed = ", ".join(sorted(served))
            raise Invalid(
                f"{resource_type} is searched by {allowed}; {name!r} is not supported", field=name
            )
        given.setdefault(name, []).extend(v for v in value.split(",") if v)
    return given


def _patient_id(value: str, field: str = "patient") -> uuid.UUID:
    """``Patient/{id}``, a full URL ending so, or the bare id."""
    tail = value.rsplit("Patient/", 1)[-1]
    try:
        return uuid.UUID(tail)
    except ValueError:
        raise Invalid(f"{value!r} is not a Patient id", field=field) from None


def _patients_searched(
    session: Session, actor: Actor, grant: Grant, given: dict[str, list[str]], env: Env
) -> list[uuid.UUID]:
    if not given:
        raise Invalid("search Patient by _id or identifier", field="identifier")
    conditions = []
    if "_id" in given:
        conditions.append(Client.id.in_([_patient_id(v, "_id") for v in given["_id"]]))
    if "identifier" in given:
        numbers = _record_numbers(given["identifier"], env)
        conditions.append(Client.record_number.in_(numbers))
    stmt = clients_repository.readable(actor).where(*conditions).order_by(Client.record_number)
    return _visible(session, actor, grant, list(session.scalars(stmt.with_only_columns(Client.id))))


def _record_numbers(values: list[str], env: Env) -> list[str]:
    """``system|value`` or a bare value; only our record-number system has values here."""
    ours = env.names.identifier_system(RECORD_NUMBER)
    numbers = []
    for value in values:
        system, bar, number = value.rpartition("|")
        if not bar or system in ("", ours):
            numbers.append(number)
    return numbers


def _screen(
    session: Session,
    *,
    actor: Actor,
    grant: Grant,
    client_id: uuid.UUID,
    wanted: Sequence[Kind],
    description: str,
) -> Screening:
    return screen(
        session,
        actor=actor,
        client_id=client_id,
        audience=grant.audience,
        recipient_id=grant.recipient_id if grant.audience is Audience.RECIPIENT else None,
        purpose=grant.purpose,
        classes=frozenset(k.information for k in wanted),
        channel=Channel.FHIR,
        description=description,
    )


def _gather(
    session: Session,
    *,
    actor: Actor,
    grant: Grant,
    env: Env,
    client_id: uuid.UUID,
    wanted: Sequence[Kind],
    description: str,
) -> Found:
    screening = _screen(
        session,
        actor=actor,
        grant=grant,
        client_id=client_id,
        wanted=wanted,
        description=description,
    )
    resources = [
        resource
        for kind in wanted
        if kind.information in screening.allowed
        for resource in SOURCES[kind].load(session, client_id, None, env)
    ]
    _audit(session, actor=actor, client_id=client_id, resources=resources, interaction="search")
    return Found(client_id, resources, screening)


def _audit(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    resources: Sequence[DomainResource],
    interaction: str,
) -> None:
    """One read entry per resource type sent, naming the resource when it is one."""
    by_type: dict[str, list[str]] = {}
    for resource in resources:
        by_type.setdefault(resource.get_resource_type(), []).append(str(resource.id))
    for resource_type, ids in by_type.items():
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.READ,
            entity_type=f"fhir.{resource_type}",
            entity_id=ids[0] if len(ids) == 1 else "",
            client_id=client_id,
            detail={"interaction": interaction, "count": len(ids)},
        )


def _attach_notice(
    resource: DomainResource | Bundle, screenings: Sequence[Screening], env: Env
) -> None:
    """The 42 CFR 2.32 notice and the consent's scope, on what goes to a recipient."""
    extensions = [
        Extension(url=env.names.extension(NOTICE_EXTENSION), valueString=notice)
        for notice in dict.fromkeys(s.notice for s in screenings if s.notice)
    ]
    extensions += [
        Extension(url=env.names.extension(SCOPE_EXTENSION), valueString=scope)
        for scope in dict.fromkeys(s.scope for s in screenings if s.scope)
    ]
    if extensions:
        resource.meta = Meta(**meta(), extension=extensions)


def _bundle(found: Sequence[Found], *, env: Env, self_link: str) -> Bundle:
    entries = [
        {
            "fullUrl": env.names.full_url(resource.get_resource_type(), str(resource.id)),
            "resource": resource,
            "search": {"mode": "match"},
        }
        for each in found
        for resource in each.resources
    ]
    withheld = [
        (item, reason) for each in found for item, reason in each.screening.withheld.items()
    ]
    if withheld:
        entries.append(
            {
                "resource": outcomes.withheld(withheld, names=env.names),
                "search": {"mode": "outcome"},
            }
        )
    bundle = Bundle(
        meta=meta(),
        type="searchset",
        total=sum(len(each.resources) for each in found),
        link=[{"relation": "self", "url": self_link}],
        entry=entries or None,
    )
    _attach_notice(bundle, [each.screening for each in found], env)
    return bundle
