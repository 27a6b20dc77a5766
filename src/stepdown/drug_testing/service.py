"""Use cases of drug testing: the random draw (commit, draw, verify); orders for admission,
for cause and on a standing schedule; collections, refusals and missed collections; results
per analyte, interpreted against the client's medications, with a confirmation order raised
for an unexpected presumptive positive and an alert for a prescribed MOUD the specimen does
not show; and the chart tab, the day's list and the summary.

The services never commit; the CLI command or request that calls them owns the transaction,
so a draw, its orders and their audit rows are written together or not at all.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alerts import service as alerts_service
from stepdown.alerts.models import Alert, AlertKind, Severity
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.drug_testing import access, rules
from stepdown.drug_testing.models import (
    Analyte,
    AnalyteResult,
    Interpretation,
    Method,
    OrderReason,
    OrderStatus,
    RandomTestDraw,
    SpecimenType,
    StandingTestSchedule,
    TestCollection,
    TestOrder,
)
from stepdown.drug_testing.schemas import ResultEntry
from stepdown.kit.clock import local, today, utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.medications import service as medications_service
from stepdown.programs import service as programs_service
from stepdown.security import repository as security_repository
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role


def get_draw(session: Session, *, site_id: uuid.UUID, day: date) -> RandomTestDraw | None:
    return session.scalar(
        select(RandomTestDraw).where(RandomTestDraw.site_id == site_id, RandomTestDraw.day == day)
    )


def commit_day(
    session: Session,
    *,
    actor: Actor,
    site_id: uuid.UUID,
    day: date,
    rate_per_week: float = rules.DEFAULT_RATE_PER_WEEK,
    program_days: int = rules.DEFAULT_PROGRAM_DAYS,
    sealing_key: bytes,
) -> RandomTestDraw:
    """Fix a fresh seed for the site's day by publishing its hash; idempotent.

    An existing commitment is returned as it is, never replaced: replacing it would let
    someone keep committing until they liked the outcome.
    """
    rules.probability(rate_per_week, program_days)
    existing = get_draw(session, site_id=site_id, day=day)
    if existing is not None:
        return existing
    if day < today():
        raise rules.refuse(
            "draw.commit_in_past", "a commitment must be made before or on its day, not after"
        )
    seed = rules.new_seed()
    draw = RandomTestDraw(
        site_id=site_id,
        day=day,
        rate_per_week=float(rate_per_week),
        program_days=program_days,
        commitment=rules.commitment(seed),
        committed_at=utc_now(),
        sealed_seed=rules.seal(seed, key=sealing_key, site=str(site_id), day=day),
    )
    session.add(draw)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="random_test_draw",
        entity_id=draw.id,
        detail={"day": day.isoformat(), "commitment": draw.commitment},
    )
    return draw


def facts(draw: RandomTestDraw) -> rules.DrawFacts:
    """The stored draw as the rules see it; only meaningful once revealed."""
    return rules.DrawFacts(
        site=str(draw.site_id),
        day=draw.day,
        rate_per_week=draw.rate_per_week,
        program_days=draw.program_days,
        commitment=draw.commitment,
        committed_at=draw.committed_at,
        seed=draw.seed or "",
        probability=draw.probability if draw.probability is not None else -1.0,
        eligible=tuple(draw.eligible or ()),
        selected=tuple(draw.selected or ()),
    )


def run_draw(
    session: Session, *, actor: Actor, site_id: uuid.UUID, day: date, sealing_key: bytes
) -> RandomTestDraw:
    """Reveal the day's seed, select from who is in care that day, and order their tests.

    Running it again for a revealed day changes nothing: the draw happened once.
    """
    draw = get_draw(session, site_id=site_id, day=day)
    if draw is None:
        raise rules.refuse(
            "draw.not_committed", "no commitment for this site and day: run the commit step first"
        )
    if draw.seed is not None:
        return draw
    if day > today():
        raise rules.refuse("draw.before_day", "a day's draw runs on that day, not before")
    seed = rules.unseal(draw.sealed_seed, key=sealing_key, site=str(site_id), day=day)
    if rules.commitment(seed) != draw.commitment:
        raise rules.refuse(
            "draw.seed_unsealable",
            "the sealed seed does not match its commitment (was the secret key changed?)",
        )
    p = rules.probability(draw.rate_per_week, draw.program_days)
    eligible = [str(c) for c in continuum_service.active_client_ids(session, site_id, day)]
    selected = rules.select(seed, day=day, site=str(site_id), eligible=eligible, p=p)
    draw.seed = seed.hex()
    draw.revealed_at = utc_now()
    draw.probability = float(p)
    draw.eligible = eligible
    draw.selected = selected
    draw.draw_hash = rules.draw_hash(facts(draw))
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="random_test_draw",
        entity_id=draw.id,
        detail={
            "day": day.isoformat(),
            "eligible": len(eligible),
            "selected": len(selected),
            "draw_hash": draw.draw_hash,
        },
    )
    for client_id in selected:
        order = TestOrder(
            client_id=uuid.UUID(client_id),
            reason=OrderReason.RANDOM,
            ordered_on=day,
            draw_id=draw.id,
            ordered_by=actor.user_id,
            status=OrderStatus.ORDERED,
        )
        session.add(order)
        session.flush()
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.CREATE,
            entity_type="test_order",
            entity_id=order.id,
            client_id=order.client_id,
            detail={"reason": OrderReason.RANDOM.value, "draw_id": str(draw.id)},
        )
    return draw


def verify_draw(session: Session, *, site_code: str, day: date) -> rules.VerifyResult:
    """Re-check a revealed draw from what is stored; the result names what failed."""
    site = programs_service.require_site(session, site_code)
    draw = get_draw(session, site_id=site.id, day=day)
    if draw is None:
        raise NotFound(f"no draw for site {site.code} on {day.isoformat()}")
    if draw.seed is None or draw.draw_hash is None:
        raise rules.refuse("draw.not_revealed", "this day's draw has not been run yet")
    return rules.verify(facts(draw), draw.draw_hash)


def list_draws(
    session: Session, *, site_id: uuid.UUID | None = None, day: date | None = None
) -> list[RandomTestDraw]:
    stmt = select(RandomTestDraw).order_by(RandomTestDraw.day.desc())
    if site_id is not None:
        stmt = stmt.where(RandomTestDraw.site_id == site_id)
    if day is not None:
        stmt = stmt.where(RandomTestDraw.day == day)
    return list(session.scalars(stmt))


def client_orders(session: Session, *, actor: Actor, client_id: uuid.UUID) -> list[TestOrder]:
    """A client's test orders, newest first: a read of the chart, so it is audited."""
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    orders = list(
        session.scalars(
            select(TestOrder)
            .where(TestOrder.client_id == client.id)
            .order_by(TestOrder.ordered_on.desc())
        )
    )
    audit_service.record_reads(
        session, actor=actor, entity_type="test_orders", client_ids=[client.id]
    )
    return orders


# --- Orders, collections and results ---------------------------------------------------

STAFF_ORDERABLE = (OrderReason.ADMISSION, OrderReason.FOR_CAUSE)
# A collection time may run a little ahead of the server clock (a collector's watch).
_CLOCK_SLACK = timedelta(minutes=5)


def _require(policy: Policy, actor: Actor) -> None:
    """Routes check the policy too; this holds the CLI and jobs to the same rule."""
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {policy.description}")


def _visible(session: Session, actor: Actor, client_id: uuid.UUID) -> bool:
    return client_id in clients_service.clients_by_id(session, actor=actor, client_ids=[client_id])


def _order(session: Session, actor: Actor, order_id: uuid.UUID) -> TestOrder:
    """An order of a client the actor may see, row-locked for the change that follows."""
    order = session.scalar(select(TestOrder).where(TestOrder.id == order_id).with_for_update())
    if order is None or not _visible(session, actor, order.client_id):
        raise NotFound("no such test order, or not one you may see")
    return order


def _audit_order(session: Session, actor: Actor, order: TestOrder, **detail: str) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="test_order",
        entity_id=order.id,
        client_id=order.client_id,
        detail={"reason": order.reason.value, "ordered_on": order.ordered_on.isoformat(), **detail},
    )


def order_test(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    reason: OrderReason,
    on: date | None = None,
    note: str = "",
) -> TestOrder:
    """Order an admission or for-cause test; random, standing and confirmation orders are
    made by the program. A past day is allowed, to document a test ordered in person and
    collected before it was entered. Ordering the same kind twice for a day while the first
    is still open is refused, so a double submit makes one order."""
    _require(access.ORDER, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    if reason not in STAFF_ORDERABLE:
        raise Invalid("staff order admission or for-cause tests only", field="reason")
    note = " ".join(note.split())
    if reason is OrderReason.FOR_CAUSE and not note:
        raise Invalid("say what the cause is", field="note")
    day = on or today()
    duplicate = session.scalar(
        select(TestOrder.id).where(
            TestOrder.client_id == client.id,
            TestOrder.reason == reason,
            TestOrder.ordered_on == day,
            TestOrder.status == OrderStatus.ORDERED,
        )
    )
    if duplicate is not None:
        raise Conflict(
            f"an open {reason.value.replace('_', '-')} order for that day exists already",
            rule="order.duplicate",
        )
    order = TestOrder(
        client_id=client.id,
        reason=reason,
        ordered_on=day,
        ordered_by=actor.user_id,
        status=OrderStatus.ORDERED,
        note=note[:500],
    )
    session.add(order)
    session.flush()
    _audit_order(session, actor, order)
    return order


def record_collection(
    session: Session,
    *,
    actor: Actor,
    order_id: uuid.UUID,
    specimen_type: SpecimenType,
    observed: bool,
    collected_at: datetime,
    chain_of_custody_id: str = "",
    collector_id: uuid.UUID | None = None,
) -> TestCollection:
    """Record the specimen given for an open order, which becomes collected."""
    _require(access.COLLECT, actor)
    order = _order(session, actor, order_id)
    if order.reason is OrderReason.CONFIRMATION:
        raise Conflict(
            "a confirmation is run on the specimen already collected; enter its result there",
            rule="collection.confirmation_order",
        )
    if order.status is not OrderStatus.ORDERED:
        raise Conflict(f"this order is {order.status.value}", rule="collection.order_not_open")
    if collected_at > utc_now() + _CLOCK_SLACK:
        raise Invalid("the collection time is in the future", field="collected_at")
    # Both are the program's calendar days (``ordered_on`` is ``today()``).
    if local(collected_at).date() < order.ordered_on:
        raise Invalid("the collection cannot come before the order's day", field="collected_at")
    collector = collector_id or actor.user_id
    if collector is not None:
        user = security_repository.user_by_id(session, collector)
        if user is None or not user.is_active or user.role is Role.CLIENT:
            raise Invalid("choose a staff member as the collector", field="collector_id")
    custody = chain_of_custody_id.strip()
    if len(custody) > 60:
        raise Invalid("at most 60 characters", field="chain_of_custody_id")
    collection = TestCollection(
        order_id=order.id,
        client_id=order.client_id,
        specimen_type=specimen_type,
        observed=observed,
        collector_id=collector,
        chain_of_custody_id=custody,
        collected_at=collected_at,
        recorded_by=actor.user_id,
    )
    order.status = OrderStatus.COLLECTED
    order.status_changed_at = utc_now()
    order.status_changed_by = actor.user_id
    session.add(collection)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="test_collection",
        entity_id=collection.id,
        client_id=order.client_id,
        detail={
            "order_id": str(order.id),
            "specimen_type": specimen_type.value,
            "observed": observed,
        },
    )
    return collection


def mark_outcome(
    session: Session, *, actor: Actor, order_id: uuid.UUID, status: OrderStatus, note: str = ""
) -> TestOrder:
    """Record that the client refused, or did not come to, a collection. Both are kept as
    their own outcome and counted as such, never as a negative result."""
    _require(access.COLLECT, actor)
    if status not in (OrderStatus.REFUSED, OrderStatus.MISSED):
        raise Invalid("choose refused or missed", field="status")
    order = _order(session, actor, order_id)
    if order.reason is OrderReason.CONFIRMATION:
        raise Conflict(
            "a confirmation order has no collection to refuse or miss",
            rule="outcome.confirmation_order",
        )
    if order.status is not OrderStatus.ORDERED:
        raise Conflict(f"this order is {order.status.value}", rule="outcome.order_not_open")
    if order.ordered_on > today():
        raise Conflict("the order's day has not come yet", rule="outcome.not_yet_due")
    order.status = status
    order.status_note = " ".join(note.split())[:500]
    order.status_changed_at = utc_now()
    order.status_changed_by = actor.user_id
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="test_order",
        entity_id=order.id,
        client_id=order.client_id,
        detail={"status": {"before": OrderStatus.ORDERED.value, "after": status.value}},
    )
    return order


def _active_medications(
    session: Session, client_id: uuid.UUID, day: date
) -> list[rules.ActiveMedication]:
    return [
        rules.ActiveMedication(m.name, frozenset(Analyte(a) for a in m.analytes), m.is_mat)
        for m in medications_service.active_on(session, client_id=client_id, day=day)
    ]


def _order_confirmation(
    session: Session, actor: Actor, order: TestOrder, analyte: Analyte
) -> TestOrder:
    """The definitive test of one analyte on an order's specimen; one per order and analyte."""
    existing = session.scalar(
        select(TestOrder).where(
            TestOrder.confirms_order_id == order.id, TestOrder.confirms_analyte == analyte
        )
    )
    if existing is not None:
        return existing
    confirmation = TestOrder(
        client_id=order.client_id,
        reason=OrderReason.CONFIRMATION,
        ordered_on=today(),
        ordered_by=actor.user_id,
        status=OrderStatus.ORDERED,
        confirms_order_id=order.id,
        confirms_analyte=analyte,
    )
    session.add(confirmation)
    session.flush()
    _audit_order(
        session, actor, confirmation, confirms_order_id=str(order.id), analyte=analyte.value
    )
    return confirmation


def _close_confirmation(session: Session, actor: Actor, order: TestOrder, analyte: Analyte) -> None:
    confirmation = session.scalar(
        select(TestOrder).where(
            TestOrder.confirms_order_id == order.id,
            TestOrder.confirms_analyte == analyte,
            TestOrder.status == OrderStatus.ORDERED,
        )
    )
    if confirmation is None:
        return
    confirmation.status = OrderStatus.RESULTED
    confirmation.status_changed_at = utc_now()
    confirmation.status_changed_by = actor.user_id
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="test_order",
        entity_id=confirmation.id,
        client_id=confirmation.client_id,
        detail={"status": {"before": OrderStatus.ORDERED.value, "after": "resulted"}},
    )


def record_results(
    session: Session, *, actor: Actor, collection_id: uuid.UUID, entries: Sequence[ResultEntry]
) -> list[AnalyteResult]:
    """Enter results for a specimen, each interpreted against the medications active on the
    collection day. An unexpected presumptive positive raises its confirmation order; a
    definitive result closes the open confirmation of its analyte; a prescribed MOUD the
    specimen does not show raises one alert for the specimen. A result already entered for
    an analyte and method is refused, not overwritten."""
    _require(access.COLLECT, actor)
    collection = session.get(TestCollection, collection_id)
    if collection is None or not _visible(session, actor, collection.client_id):
        raise NotFound("no such specimen, or not one you may see")
    if not entries:
        raise Invalid("enter at least one result", field="results")
    order = _order(session, actor, collection.order_id)
    seen: set[tuple[Analyte, Method]] = set()
    for entry in entries:
        rules.check_analyte(collection.specimen_type, entry.analyte)
        key = (entry.analyte, entry.method)
        if key in seen:
            raise Invalid(f"{entry.analyte.label} is entered twice", field="analyte")
        seen.add(key)
    recorded = {
        (analyte, method)
        for analyte, method in session.execute(
            select(AnalyteResult.analyte, AnalyteResult.method).where(
                AnalyteResult.collection_id == collection.id
            )
        )
    }
    if clash := sorted(seen & recorded):
        analyte, method = clash[0]
        raise Conflict(
            f"a {method.value} {analyte.label} result is already recorded for this specimen",
            rule="result.already_recorded",
            field="analyte",
        )
    medications = _active_medications(
        session, collection.client_id, local(collection.collected_at).date()
    )
    results = []
    missing: list[tuple[Analyte, tuple[str, ...]]] = []  # a prescribed MOUD not found
    unexpected: list[tuple[Analyte, Method]] = []  # positives no medication explains
    for entry in entries:
        reading = rules.interpret(entry.analyte, entry.result, medications)
        result = AnalyteResult(
            collection_id=collection.id,
            analyte=entry.analyte,
            method=entry.method,
            result=entry.result,
            value=entry.value,
            cutoff=entry.cutoff,
            unit=entry.unit.strip(),
            interpretation=reading.interpretation,
            explained_by=", ".join(reading.explained_by),
            recorded_by=actor.user_id,
        )
        session.add(result)
        session.flush()
        results.append(result)
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.CREATE,
            entity_type="test_result",
            entity_id=result.id,
            client_id=collection.client_id,
            detail={
                "collection_id": str(collection.id),
                "analyte": entry.analyte.value,
                "method": entry.method.value,
            },
        )
        if rules.needs_confirmation(entry.method, reading):
            _order_confirmation(session, actor, order, entry.analyte)
        if entry.method is Method.DEFINITIVE:
            _close_confirmation(session, actor, order, entry.analyte)
        if reading.interpretation is Interpretation.EXPECTED_POSITIVE_MISSING:
            missing.append((entry.analyte, reading.explained_by))
        if reading.interpretation is Interpretation.UNEXPECTED_POSITIVE:
            unexpected.append((entry.analyte, entry.method))
    if missing:
        _alert_moud_missing(session, actor, collection, missing)
    if unexpected:
        _alert_unexpected_positive(session, actor, collection, unexpected)
    return results


# Sources as for ``rules.interpret``: a prescribed MOUD absent from the specimen asks for a
# conversation (a missed or irregular dose, diversion, or a rapid metaboliser, dilution or
# a cutoff above the urine level), never a sanction; the clinician acknowledges the alert
# once they have talked it through, and until then a level-of-care review holds any step
# down (``transitions.rule_table`` HOLD-MOUD-MISSING).
MOUD_ALERT_SOURCE = "test_collection"  # the specimen: both result alerts point at it
_SUMMARY_MAX = 300  # alert.summary's column


def moud_missing_summary(
    analytes: Sequence[Analyte], medications: Sequence[str], collected_on: date
) -> str:
    """The alert's sentence: what was missing, which prescription expects it, and that it
    asks for a conversation."""
    what = " and ".join(a.label for a in analytes)
    tail = (
        ": talk it through with the client (missed or irregular doses, diversion, or a rapid "
        "metaboliser, a dilute specimen or the assay's cutoff). A conversation, not a sanction."
    )
    named = f"{what} not found in the specimen of {collected_on.isoformat()} although "
    verb = "is" if len(medications) == 1 else "are"
    summary = f"{named}{', '.join(medications)} {verb} prescribed{tail}"
    if len(summary) > _SUMMARY_MAX:
        summary = f"{named}a medication for opioid use disorder is prescribed{tail}"
    return summary[:_SUMMARY_MAX]


def _alert_moud_missing(
    session: Session,
    actor: Actor,
    collection: TestCollection,
    missing: Sequence[tuple[Analyte, tuple[str, ...]]],
) -> None:
    """One MOUD-missing alert per specimen, raised with the result that shows it: the
    analytes not found and the MAT prescriptions that expect them."""
    already = session.scalar(
        select(Alert.id).where(
            Alert.kind == AlertKind.MOUD_MISSING,
            Alert.source_type == MOUD_ALERT_SOURCE,
            Alert.source_id == collection.id,
        )
    )
    if already is not None:
        return
    analytes = list(dict.fromkeys(analyte for analyte, _ in missing))
    medications = list(dict.fromkeys(name for _, names in missing for name in names))
    alerts_service.raise_alert(
        session,
        actor=actor,
        client_id=collection.client_id,
        kind=AlertKind.MOUD_MISSING,
        severity=Severity.HIGH,
        summary=moud_missing_summary(analytes, medications, local(collection.collected_at).date()),
        source_type=MOUD_ALERT_SOURCE,
        source_id=collection.id,
    )


def unexpected_positive_summary(found: Sequence[tuple[Analyte, Method]], collected_on: date) -> str:
    """The alert's sentence: what was found, whether a confirmation is still to come, and
    that it asks for a same-day conversation (use puts a client at risk of overdose,
    above all after a period of not using)."""
    what = " and ".join(dict.fromkeys(a.label for a, _ in found))
    presumptive = all(m is Method.PRESUMPTIVE for _, m in found)
    status = "presumptive (a definitive test is ordered)" if presumptive else "definitive"
    summary = (
        f"{what} found in the specimen of {collected_on.isoformat()}, {status}, and no "
        "prescription explains it: talk with the client today about use and overdose "
        "risk (naloxone, not using alone); review the level of care."
    )
    if len(summary) > _SUMMARY_MAX:
        summary = (
            f"Unexpected positive results in the specimen of {collected_on.isoformat()}: "
            "talk with the client today about use and overdose risk; review the level of care."
        )
    return summary[:_SUMMARY_MAX]


def _alert_unexpected_positive(
    session: Session,
    actor: Actor,
    collection: TestCollection,
    found: Sequence[tuple[Analyte, Method]],
) -> None:
    """One urgent alert per specimen, raised with its first unexpected positive: the
    definitive result that confirms a presumptive one adds nothing the clinician does not
    already know from the open alert."""
    already = session.scalar(
        select(Alert.id).where(
            Alert.kind == AlertKind.UNEXPECTED_POSITIVE,
            Alert.source_type == MOUD_ALERT_SOURCE,
            Alert.source_id == collection.id,
        )
    )
    if already is not None:
        return
    alerts_service.raise_alert(
        session,
        actor=actor,
        client_id=collection.client_id,
        kind=AlertKind.UNEXPECTED_POSITIVE,
        severity=Severity.URGENT,
        summary=unexpected_positive_summary(found, local(collection.collected_at).date()),
        source_type=MOUD_ALERT_SOURCE,
        source_id=collection.id,
    )


# --- Standing schedules ----------------------------------------------------------------


def _schedules(session: Session, client_id: uuid.UUID) -> list[StandingTestSchedule]:
    return list(
        session.scalars(
            select(StandingTestSchedule)
            .where(StandingTestSchedule.client_id == client_id)
            .order_by(StandingTestSchedule.starts_on.desc(), StandingTestSchedule.created_at.desc())
        )
    )


def set_standing_schedule(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    weekday: int | None,
    starts_on: date,
) -> StandingTestSchedule | None:
    """Test the client weekly on ``weekday`` from ``starts_on`` (None stops the schedule).

    Whatever schedule covers ``starts_on`` or later ends there, so periods never overlap and
    the earlier weeks keep the day they had.
    """
    _require(access.ORDER, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    if weekday is not None:
        rules.check_weekday(weekday)
    if starts_on < today():
        raise Invalid("a schedule starts today or later", field="starts_on")
    for old in _schedules(session, client.id):
        if old.ends_on is None or old.ends_on > starts_on:
            before = old.ends_on
            old.ends_on = max(old.starts_on, starts_on)
            audit_service.record(
                session,
                actor=actor,
                action=AuditAction.UPDATE,
                entity_type="standing_test_schedule",
                entity_id=old.id,
                client_id=client.id,
                detail={
                    "ends_on": {
                        "before": before.isoformat() if before else None,
                        "after": old.ends_on.isoformat(),
                    }
                },
            )
    if weekday is None:
        session.flush()
        return None
    schedule = StandingTestSchedule(
        client_id=client.id, weekday=weekday, starts_on=starts_on, created_by=actor.user_id
    )
    session.add(schedule)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="standing_test_schedule",
        entity_id=schedule.id,
        client_id=client.id,
        detail={"weekday": weekday, "starts_on": starts_on.isoformat()},
    )
    return schedule


def create_due_standing_orders(session: Session, *, actor: Actor, day: date) -> list[TestOrder]:
    """Order the day's standing tests for clients in care at an in-house level that day.

    Idempotent per client and day: a client with any order for the day already (a standing,
    random, admission or for-cause one) gets no second specimen to give; the unique
    (schedule, day) constraint backs this on concurrent runs.
    """
    _require(access.ORDER, actor)
    schedules = [
        s
        for s in session.scalars(
            select(StandingTestSchedule).where(
                StandingTestSchedule.weekday == day.weekday(),
                StandingTestSchedule.starts_on <= day,
            )
        )
        if rules.due_on(s.weekday, s.starts_on, s.ends_on, day)
    ]
    clients = clients_service.clients_by_id(
        session, actor=actor, client_ids=sorted({s.client_id for s in schedules})
    )
    in_care: set[uuid.UUID] = set()
    for site_id in {c.site_id for c in clients.values()}:
        in_care.update(continuum_service.active_client_ids(session, site_id, day))
    already = set(
        session.scalars(
            select(TestOrder.client_id).where(
                TestOrder.ordered_on == day, TestOrder.reason != OrderReason.CONFIRMATION
            )
        )
    )
    created = []
    for schedule in sorted(schedules, key=lambda s: str(s.client_id)):
        if schedule.client_id not in clients or schedule.client_id not in in_care:
            continue
        if schedule.client_id in already:
            continue
        order = TestOrder(
            client_id=schedule.client_id,
            reason=OrderReason.SCHEDULED,
            ordered_on=day,
            ordered_by=actor.user_id,
            status=OrderStatus.ORDERED,
            schedule_id=schedule.id,
        )
        session.add(order)
        session.flush()
        already.add(schedule.client_id)
        _audit_order(session, actor, order, schedule_id=str(schedule.id))
        created.append(order)
    return created


# --- Reading ---------------------------------------------------------------------------


def _collections(
    session: Session, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, TestCollection]:
    if not order_ids:
        return {}
    stmt = select(TestCollection).where(TestCollection.order_id.in_(order_ids))
    return {c.order_id: c for c in session.scalars(stmt)}


def _results(
    session: Session, collection_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[AnalyteResult]]:
    grouped: dict[uuid.UUID, list[AnalyteResult]] = defaultdict(list)
    if collection_ids:
        stmt = select(AnalyteResult).where(AnalyteResult.collection_id.in_(collection_ids))
        for r in session.scalars(stmt):
            grouped[r.collection_id].append(r)
    order = {a: i for i, a in enumerate(Analyte)}
    for rows in grouped.values():
        rows.sort(key=lambda r: (order[r.analyte], r.method.value))
    return grouped


def _facts(result: AnalyteResult) -> rules.ResultFacts:
    return rules.ResultFacts(
        str(result.collection_id), result.analyte, result.method, result.interpretation
    )


def client_collections(
    session: Session, *, actor: Actor, client_id: uuid.UUID
) -> list[tuple[TestCollection, list[AnalyteResult]]]:
    """A client's specimens with their results, newest first; an audited read."""
    _require(access.ORDERS_READ, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    collections = list(
        session.scalars(
            select(TestCollection)
            .where(TestCollection.client_id == client.id)
            .order_by(TestCollection.collected_at.desc())
        )
    )
    results = _results(session, [c.id for c in collections])
    audit_service.record_reads(
        session, actor=actor, entity_type="test_results", client_ids=[client.id]
    )
    return [(c, results.get(c.id, [])) for c in collections]


def results_summary(
    session: Session, *, actor: Actor, client_id: uuid.UUID, start: date, end: date
) -> rules.Summary:
    """Orders made from ``start`` to ``end`` (inclusive) by outcome, and the positives of
    their specimens by analyte, a definitive result counting over its presumptive one. For
    the accountability summary and the review engine; an audited read."""
    return period_testing(session, actor=actor, client_id=client_id, start=start, end=end).summary


@dataclass(frozen=True)
class PeriodTesting:
    """A period's testing counted both ways: by order and analyte, and by specimen."""

    summary: rules.Summary
    specimens: rules.SpecimenCounts


def period_testing(
    session: Session, *, actor: Actor, client_id: uuid.UUID, start: date, end: date
) -> PeriodTesting:
    """``results_summary`` and the same specimens counted once each (``rules.count_specimens``),
    from one audited read: what the accountability summary and the review engine read."""
    _require(access.ORDERS_READ, actor)
    if end < start:
        raise Invalid("the end comes before the start", field="end")
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    orders = list(
        session.scalars(
            select(TestOrder).where(
                TestOrder.client_id == client.id,
                TestOrder.ordered_on >= start,
                TestOrder.ordered_on <= end,
            )
        )
    )
    collections = _collections(session, [o.id for o in orders])
    results = _results(session, [c.id for c in collections.values()])
    audit_service.record_reads(
        session, actor=actor, entity_type="test_results", client_ids=[client.id]
    )
    facts = [_facts(r) for rows in results.values() for r in rows]
    return PeriodTesting(
        summary=rules.summarize((rules.OrderFacts(o.reason, o.status) for o in orders), facts),
        specimens=rules.count_specimens(facts),
    )


@dataclass(frozen=True)
class OrderView:
    order: TestOrder
    collection: TestCollection | None
    results: list[AnalyteResult]
    confirmations: list[TestOrder]

    @property
    def is_open(self) -> bool:
        return self.order.status is OrderStatus.ORDERED


@dataclass(frozen=True)
class TestingTab:
    """What the chart's Drug tests tab shows and offers."""

    __test__ = False

    orders: list[OrderView]
    schedule: StandingTestSchedule | None
    summary: rules.Summary
    summary_start: date
    staff: dict[uuid.UUID, str]
    can_order: bool
    can_collect: bool
    collectors: list[tuple[uuid.UUID, str]]
    analytes: tuple[Analyte, ...] = tuple(Analyte)
    specimen_types: tuple[SpecimenType, ...] = tuple(SpecimenType)


SUMMARY_DAYS = 30


def chart_tab(session: Session, *, actor: Actor, client: Client) -> TestingTab:
    """The Drug tests tab: orders newest first, each with its specimen, results and
    confirmations; the standing schedule; the last 30 days' counts. One audited read."""
    _require(access.ORDERS_READ, actor)
    orders = list(
        session.scalars(
            select(TestOrder)
            .where(TestOrder.client_id == client.id)
            .order_by(TestOrder.ordered_on.desc(), TestOrder.created_at.desc())
        )
    )
    confirmations: dict[uuid.UUID, list[TestOrder]] = defaultdict(list)
    for o in orders:
        if o.confirms_order_id is not None:
            confirmations[o.confirms_order_id].append(o)
    collections = _collections(session, [o.id for o in orders])
    results = _results(session, [c.id for c in collections.values()])
    views = []
    for o in orders:
        if o.reason is OrderReason.CONFIRMATION:
            continue
        collection = collections.get(o.id)
        views.append(
            OrderView(
                o,
                collection,
                results.get(collection.id, []) if collection else [],
                confirmations.get(o.id, []),
            )
        )
    start = today() - timedelta(days=SUMMARY_DAYS - 1)
    in_period = [o for o in orders if o.ordered_on >= start]
    period_collections = {collections[o.id].id for o in in_period if o.id in collections}
    summary = rules.summarize(
        (rules.OrderFacts(o.reason, o.status) for o in in_period),
        (_facts(r) for cid in period_collections for r in results.get(cid, [])),
    )
    staff_ids = {o.ordered_by for o in orders if o.ordered_by} | {
        c.collector_id for c in collections.values() if c.collector_id
    }
    schedule = next(
        (s for s in _schedules(session, client.id) if s.ends_on is None or s.ends_on > today()),
        None,
    )
    audit_service.record_reads(
        session, actor=actor, entity_type="test_results", client_ids=[client.id]
    )
    return TestingTab(
        orders=views,
        schedule=schedule,
        summary=summary,
        summary_start=start,
        staff=security_service.display_names(session, staff_ids),
        can_order=access.ORDER.allows(actor.role),
        can_collect=access.COLLECT.allows(actor.role),
        collectors=[(u.id, u.display_name) for u in security_service.staff_directory(session)],
    )


@dataclass(frozen=True)
class TodayRow:
    order: TestOrder
    client: Client
    collection: TestCollection | None


def todays_tests(
    session: Session, *, actor: Actor, site_id: uuid.UUID, day: date
) -> list[TodayRow]:
    """The site's orders for a day (random selections included, confirmations left out,
    since the lab runs those), open ones first; each client listed is an audited read."""
    _require(access.TODAY, actor)
    orders = list(
        session.scalars(
            select(TestOrder)
            .join(Client, Client.id == TestOrder.client_id)
            .where(
                Client.site_id == site_id,
                TestOrder.ordered_on == day,
                TestOrder.reason != OrderReason.CONFIRMATION,
            )
        )
    )
    clients = clients_service.clients_by_id(
        session, actor=actor, client_ids=sorted({o.client_id for o in orders})
    )
    collections = _collections(session, [o.id for o in orders])
    rows = [
        TodayRow(o, clients[o.client_id], collections.get(o.id))
        for o in orders
        if o.client_id in clients
    ]
    rows.sort(
        key=lambda r: (
            r.order.status is not OrderStatus.ORDERED,
            r.client.legal_last_name,
            r.client.legal_first_name,
        )
    )
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type="test_order",
        client_ids=list(dict.fromkeys(r.client.id for r in rows)),
    )
    return rows
