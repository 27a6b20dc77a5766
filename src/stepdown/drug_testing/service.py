"""Use cases of the random drug-test draw: commit a day, run the draw, verify it, read orders.

The services never commit; the CLI command or request that calls them owns the transaction,
so a draw, its orders and their audit rows are written together or not at all.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.continuum import service as continuum_service
from stepdown.drug_testing import rules
from stepdown.drug_testing.models import OrderReason, OrderStatus, RandomTestDraw, TestOrder
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import NotFound
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor


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
