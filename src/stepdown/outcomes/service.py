"""Use cases of the outcomes: the report, the names behind a figure, the de-identified file.

The report is computed from the records as they are; a computed report is reused until
the audit trail records a change (``_Reports``). The report reads every scoped client's
facts but shows aggregates only, so it is audited as
one read of the report with its filters (no client ids); opening the names behind a figure
is a read of each named client and audited as such; the de-identified export is audited as
an export. Nothing here commits.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients.models import Client
from stepdown.kit.errors import Forbidden, NotFound
from stepdown.outcomes import access, exports, measures, repository
from stepdown.outcomes import report as report_builder
from stepdown.outcomes.facts import OutcomeData
from stepdown.outcomes.scope import Scope
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role


def _allow(actor: Actor, policy: Policy) -> None:
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {policy.description}")


def _detail(scope: Scope) -> dict[str, Any]:
    return {
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        "site_id": str(scope.site_id) if scope.site_id else None,
        "level": scope.level,
        "track": scope.track,
        "payer": scope.payer,
        "cohort": scope.cohort,
    }


@dataclass(frozen=True)
class Computed:
    data: OutcomeData
    measures: measures.Measures


def _compute(session: Session, scope: Scope, as_of: date, *, detail: bool = False) -> Computed:
    data = repository.load(session, scope=scope, as_of=as_of, detail=detail)
    return Computed(data, measures.compute(data, scope.start, scope.end))


class _Reports:
    """Reports already computed, each with the audit trail's last change when it was: live
    figures without recomputing three years of records for every reader. Every change to
    a record writes a change entry (``audit.service.last_change``), so a report is reused
    only while nothing has changed since; reads, exports and sign-ins do not count. One
    per process, bounded, least recently used out first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.found: OrderedDict[tuple[Scope, date], tuple[str, Computed]] = OrderedDict()

    def get(self, key: tuple[Scope, date], version: str) -> Computed | None:
        with self.lock:
            hit = self.found.get(key)
            if hit is None or hit[0] != version:
                return None
            self.found.move_to_end(key)
            return hit[1]

    def put(self, key: tuple[Scope, date], version: str, computed: Computed) -> None:
        with self.lock:
            self.found[key] = (version, computed)
            self.found.move_to_end(key)
            while len(self.found) > self.size:
                self.found.popitem(last=False)


_REPORTS = _Reports(size=16)


def _current(session: Session, scope: Scope, as_of: date) -> Computed:
    """The measures for ``scope`` as the records are now: computed, or reused when no
    record has changed since they were."""
    version = audit_service.last_change(session)
    found = _REPORTS.get((scope, as_of), version)
    if found is None:
        found = _compute(session, scope, as_of)
        _REPORTS.put((scope, as_of), version, found)
    return found


def report(
    session: Session, *, actor: Actor, scope: Scope, as_of: date, masked: bool
) -> report_builder.Report:
    """The figures for ``scope``: exact for the screen, masked for anything that leaves it."""
    _allow(actor, access.READ)
    found = _current(session, scope, as_of)
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.EXPORT if masked else AuditAction.READ,
        entity_type="outcomes_report",
        detail={**_detail(scope), "episodes": found.measures.episodes},
    )
    return report_builder.build(
        found.measures,
        scope=scope.describe(),
        as_of=as_of,
        site_names=found.data.site_names,
        masked=masked,
    )


@dataclass(frozen=True)
class NamedEpisode:
    client_id: uuid.UUID
    record_number: str
    name: str
    site: str
    admitted_on: date
    discharged_on: date | None
    discharge_type: str | None
    first_level: str


@dataclass(frozen=True)
class Drill:
    key: str
    label: str
    figure_title: str
    episodes: tuple[NamedEpisode, ...]


def drill(session: Session, *, actor: Actor, scope: Scope, as_of: date, key: str) -> Drill:
    """The named clients behind one count of one figure, each read audited."""
    _allow(actor, access.DRILL)
    found = _current(session, scope, as_of)
    built = report_builder.build(
        found.measures,
        scope=scope.describe(),
        as_of=as_of,
        site_names=found.data.site_names,
        masked=False,
    )
    figure = next((f for f in built.figures if key in f.drill), None)
    if figure is None or key not in built.members:
        raise NotFound("no such figure cell; it may have changed since the page was drawn")
    wanted = set(built.members[key])
    episodes = [e for e in found.data.episodes if e.episode_id in wanted]
    clients = {
        c.id: c
        for c in session.scalars(
            select(Client).where(Client.id.in_({e.client_id for e in episodes}))
        )
    }
    named = tuple(
        sorted(
            (
                NamedEpisode(
                    client_id=e.client_id,
                    record_number=clients[e.client_id].record_number,
                    name=clients[e.client_id].display_name,
                    site=found.data.site_names.get(e.site_id, ""),
                    admitted_on=e.admitted_on,
                    discharged_on=e.discharged_on,
                    discharge_type=e.discharge_type,
                    first_level=e.first_level,
                )
                for e in episodes
            ),
            key=lambda n: (n.record_number, n.admitted_on),
        )
    )
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type="outcomes_drill",
        client_ids=sorted({n.client_id for n in named}, key=str),
    )
    return Drill(key, figure.drill[key], figure.title, named)


def deidentified(session: Session, *, actor: Actor, scope: Scope, as_of: date, secret: str) -> str:
    """The de-identified measures per episode as CSV (``exports.deidentified_csv``)."""
    _allow(actor, access.EXPORT)
    found = _compute(session, scope, as_of, detail=True)
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.EXPORT,
        entity_type="outcomes_deidentified",
        detail={**_detail(scope), "episodes": found.measures.episodes},
    )
    return exports.deidentified_csv(found.data, found.measures, secret=secret)
