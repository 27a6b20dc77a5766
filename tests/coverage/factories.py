"""Payers, plans and coverages made through the service, for tests."""

from __future__ import annotations

from itertools import count

from sqlalchemy.orm import Session

from stepdown.coverage import service
from stepdown.coverage.models import Coverage, Payer, PayerPlan, PlanKind
from stepdown.coverage.schemas import CoverageWrite, PayerWrite, PlanWrite
from stepdown.security.actor import Actor
from tests.factories import SYSTEM

_counter = count(1)


def make_payer(session: Session, **overrides: object) -> Payer:
    n = next(_counter)
    fields: dict[str, object] = {"name": f"Test Health Plan {n}", "payer_code": f"TP{n:04d}"}
    fields.update(overrides)
    return service.create_payer(session, actor=SYSTEM, data=PayerWrite.model_validate(fields))


def make_plan(session: Session, payer: Payer, kind: PlanKind = PlanKind.COMMERCIAL) -> PayerPlan:
    return service.add_plan(
        session,
        actor=SYSTEM,
        payer_id=payer.id,
        data=PlanWrite(name=f"{payer.name} PPO", kind=kind),
    )


def coverage_input(payer: Payer | None, **overrides: object) -> CoverageWrite:
    fields: dict[str, object] = {
        "rank": 1,
        "payer_id": payer.id if payer else None,
        "member_id": f"MEM{next(_counter):06d}",
        "self_pay": payer is None,
    }
    fields.update(overrides)
    return CoverageWrite.model_validate(fields)


def make_coverage(
    session: Session,
    owner: service.Owner,
    payer: Payer | None,
    *,
    actor: Actor = SYSTEM,
    **overrides: object,
) -> Coverage:
    return service.add_coverage(
        session, actor=actor, owner=owner, data=coverage_input(payer, **overrides)
    )
