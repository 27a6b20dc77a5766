"""Synthetic drug tests for the demo program: a few clients in care, tested over recent
weeks, showing each kind of reading (all results are made up).

- a client on buprenorphine MAT: an expected buprenorphine positive at admission, a refused
  for-cause test, then an unexpected presumptive cocaine positive whose confirmation order
  came back positive; tested weekly from today;
- a second client on buprenorphine: a negative buprenorphine ("expected positive missing")
  and a missed collection;
- a client on no medication: an unexpected presumptive fentanyl positive with its
  confirmation still pending, and a negative breath test;
- a client on a prescribed stimulant: an expected amphetamines positive, and an invalid
  specimen to recollect.

Idempotent: a client who already has a collection or a refusal is left as they are.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.drug_testing import service
from stepdown.drug_testing.models import (
    Analyte,
    Method,
    OrderReason,
    OrderStatus,
    ResultValue,
    SpecimenType,
    StandingTestSchedule,
    TestOrder,
)
from stepdown.drug_testing.schemas import ResultEntry
from stepdown.kit.clock import today
from stepdown.security import repository as security_repository
from stepdown.security import service as security_service
from stepdown.security.actor import Actor

_P, _N, _X = ResultValue.POSITIVE, ResultValue.NEGATIVE, ResultValue.INVALID
DEMO_NOTE = " (demo)"
MIN_DAYS_IN_CARE = 25


def demo_testing_clients(session: Session, *, clients: list[Client]) -> list[Client]:
    """The first four demo clients in care for long enough to have weeks of tests."""
    long_enough = set(
        session.scalars(
            select(Episode.client_id).where(
                Episode.status == EpisodeStatus.ACTIVE,
                Episode.admitted_on <= today() - timedelta(days=MIN_DAYS_IN_CARE),
            )
        )
    )
    return [c for c in clients if c.id in long_enough and c.primary_clinician_id][:4]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 30), tzinfo=UTC)


def _panel(positives: Mapping[Analyte, ResultValue]) -> list[ResultEntry]:
    return [
        ResultEntry(analyte=a, method=Method.PRESUMPTIVE, result=positives.get(a, _N))
        for a in Analyte
    ]


def _test(
    session: Session,
    actor: Actor,
    client: Client,
    *,
    days_ago: int,
    reason: OrderReason,
    note: str = "",
    specimen: SpecimenType = SpecimenType.URINE,
    results: list[ResultEntry] | None = None,
    outcome: OrderStatus | None = None,
) -> None:
    day = today() - timedelta(days=days_ago)
    order = service.order_test(
        session, actor=actor, client_id=client.id, reason=reason, on=day, note=note
    )
    if outcome is not None:
        service.mark_outcome(
            session, actor=actor, order_id=order.id, status=outcome, note="synthetic demo"
        )
        return
    collection = service.record_collection(
        session,
        actor=actor,
        order_id=order.id,
        specimen_type=specimen,
        observed=reason is OrderReason.FOR_CAUSE,
        collected_at=_at(day),
        chain_of_custody_id=f"DEMO-COC-{str(order.id)[:8]}",
    )
    service.record_results(
        session, actor=actor, collection_id=collection.id, entries=results or _panel({})
    )


def _buprenorphine_mat(session: Session, actor: Actor, client: Client) -> None:
    _test(
        session,
        actor,
        client,
        days_ago=21,
        reason=OrderReason.ADMISSION,
        results=_panel({Analyte.BUPRENORPHINE: _P}),
    )
    _test(
        session,
        actor,
        client,
        days_ago=14,
        reason=OrderReason.FOR_CAUSE,
        note="appeared sedated in group" + DEMO_NOTE,
        outcome=OrderStatus.REFUSED,
    )
    _test(
        session,
        actor,
        client,
        days_ago=7,
        reason=OrderReason.FOR_CAUSE,
        note="reported a lapse at the weekend" + DEMO_NOTE,
        results=_panel({Analyte.BUPRENORPHINE: _P, Analyte.COCAINE: _P}),
    )
    # The laboratory's definitive result for the cocaine confirmation, on the same specimen.
    confirmation = session.scalar(
        select(TestOrder).where(
            TestOrder.client_id == client.id,
            TestOrder.reason == OrderReason.CONFIRMATION,
            TestOrder.status == OrderStatus.ORDERED,
        )
    )
    if confirmation is not None and confirmation.confirms_order_id is not None:
        [(collection, _)] = [
            (c, r)
            for c, r in service.client_collections(session, actor=actor, client_id=client.id)
            if c.order_id == confirmation.confirms_order_id
        ]
        service.record_results(
            session,
            actor=actor,
            collection_id=collection.id,
            entries=[
                ResultEntry(
                    analyte=Analyte.COCAINE,
                    method=Method.DEFINITIVE,
                    result=_P,
                    value=412.0,
                    cutoff=100.0,
                    unit="ng/mL",
                )
            ],
        )
    service.set_standing_schedule(
        session, actor=actor, client_id=client.id, weekday=today().weekday(), starts_on=today()
    )
    service.create_due_standing_orders(session, actor=actor, day=today())


def _buprenorphine_missing(session: Session, actor: Actor, client: Client) -> None:
    _test(session, actor, client, days_ago=20, reason=OrderReason.ADMISSION, results=_panel({}))
    _test(
        session,
        actor,
        client,
        days_ago=6,
        reason=OrderReason.FOR_CAUSE,
        note="buprenorphine negative at admission" + DEMO_NOTE,
        outcome=OrderStatus.MISSED,
    )


def _unexpected_fentanyl(session: Session, actor: Actor, client: Client) -> None:
    _test(
        session,
        actor,
        client,
        days_ago=10,
        reason=OrderReason.ADMISSION,
        results=_panel({Analyte.FENTANYL: _P}),
    )
    _test(
        session,
        actor,
        client,
        days_ago=3,
        reason=OrderReason.FOR_CAUSE,
        note="smelled of alcohol" + DEMO_NOTE,
        specimen=SpecimenType.BREATH,
        results=[ResultEntry(analyte=Analyte.ALCOHOL, method=Method.PRESUMPTIVE, result=_N)],
    )


def _stimulant(session: Session, actor: Actor, client: Client) -> None:
    _test(
        session,
        actor,
        client,
        days_ago=12,
        reason=OrderReason.ADMISSION,
        results=_panel({Analyte.AMPHETAMINES: _P}),
    )
    _test(
        session,
        actor,
        client,
        days_ago=2,
        reason=OrderReason.FOR_CAUSE,
        note="specimen temperature out of range" + DEMO_NOTE,
        results=_panel({Analyte.CANNABINOIDS: _X}),
    )


PLANS = (_buprenorphine_mat, _buprenorphine_missing, _unexpected_fentanyl, _stimulant)


def seed_demo_drug_tests(session: Session, *, clients: list[Client]) -> None:
    """Tests for the clients ``demo_testing_clients`` picked, recorded by each client's own
    clinician, so the audit trail reads as it would in use."""
    tested = set(
        session.scalars(
            select(TestOrder.client_id).where(
                TestOrder.status.in_((OrderStatus.COLLECTED, OrderStatus.REFUSED))
            )
        )
    )
    for client, plan in zip(clients, PLANS, strict=False):
        if client.id in tested or client.primary_clinician_id is None:
            continue
        clinician = security_repository.user_by_id(session, client.primary_clinician_id)
        if clinician is None:
            continue
        plan(session, security_service.actor_for(clinician), client)


def routine_weekly_screens(
    session: Session, *, actor: Actor, clients: list[Client], today: date, weeks: int = 2
) -> None:
    """Weekly testing as a program runs it, brought into the demo as imported history: a
    standing schedule for each client that began four weeks before the demo's day, the
    orders the nightly job would have made for its last ``weeks`` test days, and their
    specimens, collected and all negative. Staff cannot start a schedule in the past
    (``service.set_standing_schedule``); an import of earlier records can, so the schedule is
    written directly and audited as imported; orders, collections and results go through
    the service like any other."""
    last = today - timedelta(days=5)
    for client in clients:
        schedule = StandingTestSchedule(
            client_id=client.id,
            weekday=last.weekday(),
            starts_on=today - timedelta(days=28),
            created_by=actor.user_id,
        )
        session.add(schedule)
        session.flush()
        _imported(session, actor, client, "standing_test_schedule", schedule.id)
    for week in reversed(range(weeks)):
        day = last - timedelta(weeks=week)
        for order in service.create_due_standing_orders(session, actor=actor, day=day):
            collection = service.record_collection(
                session,
                actor=actor,
                order_id=order.id,
                specimen_type=SpecimenType.URINE,
                observed=False,
                collected_at=_at(day),
                chain_of_custody_id=f"DEMO-COC-{str(order.id)[:8]}",
            )
            service.record_results(
                session, actor=actor, collection_id=collection.id, entries=_panel({})
            )


def _imported(
    session: Session, actor: Actor, client: Client, entity: str, entity_id: uuid.UUID
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=entity,
        entity_id=entity_id,
        client_id=client.id,
        detail={"imported": "synthetic demo history"},
    )
