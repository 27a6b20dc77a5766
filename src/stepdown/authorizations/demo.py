"""Synthetic authorizations for the demo program, so the chart and the UR desk show every state.

For the demo clients in care with an insurance coverage, in record-number order, one
authorization each through the service (as UR would record them): approved with a review
due today, approved with a review overdue, approved and nearly used up, partly approved,
pending, denied with an appeal deadline, in appeal, cancelled, then approved ones with a
review later. The level and unit follow the client's current level (days for PHP and IOP,
visits below). Attendance already seeded uses the units. Idempotent: an episode with an
authorization is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.authorizations import service
from stepdown.authorizations.models import Authorization
from stepdown.authorizations.rules import AuthStatus, UnitType
from stepdown.authorizations.schemas import AuthorizationRequest, Decision
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, EpisodeStatus, LevelOfCare, Segment
from stepdown.coverage.models import Coverage, PayerPlan, PlanKind
from stepdown.security.actor import Actor

CODES = {"PHP": ["S0201", "0913"], "IOP": ["S9480", "0905"], "OP": ["H0004"]}
# Medicaid plans authorize the H-codes they pay (H0035 PHP, H0015 IOP; the billing demo's
# Medicaid contract bills those).
MEDICAID_CODES = {"PHP": ["H0035"], "IOP": ["H0015"], "OP": ["H0004", "H0005"]}
MEDICAID_KINDS = frozenset({PlanKind.MEDICAID, PlanKind.MEDICAID_MANAGED})
REQUESTED = {UnitType.DAY: 20, UnitType.VISIT: 12}


def _decisions(today: date) -> list[Callable[[int], Decision | None]]:
    """The states, in the order clients are given them; ``None`` leaves it pending."""

    def approved(review_in: int) -> Callable[[int], Decision]:
        return lambda n: Decision(
            status=AuthStatus.APPROVED,
            approved_units=n,
            auth_number=f"DEMO-{review_in + 100}",
            next_review_on=today + timedelta(days=review_in),
            reviewer_name="Pat Reviewer (synthetic)",
            reviewer_contact="555-0160",
        )

    return [
        approved(0),
        approved(-3),
        lambda n: Decision(status=AuthStatus.PARTIAL, approved_units=n, auth_number="DEMO-LOW"),
        lambda n: Decision(
            status=AuthStatus.PARTIAL, approved_units=max(n // 2, 1), auth_number="DEMO-HALF"
        ),
        lambda n: None,
        lambda n: Decision(status=AuthStatus.DENIED, appeal_deadline=today + timedelta(days=45)),
        lambda n: Decision(status=AuthStatus.DENIED, appeal_deadline=today + timedelta(days=20)),
        lambda n: Decision(status=AuthStatus.CANCELLED, note="Client chose to self-pay."),
        approved(5),
        approved(12),
    ]


def _codes(session: Session, coverage: Coverage, level: str) -> list[str]:
    """The codes the payer pays for the level: a Medicaid plan's H-codes, else the others.
    The demo's coverages name the payer, not the plan; each demo payer has one plan."""
    kinds = set(
        session.scalars(select(PayerPlan.kind).where(PayerPlan.payer_id == coverage.payer_id))
    )
    return (MEDICAID_CODES if kinds & MEDICAID_KINDS else CODES)[level]


def seed_demo_authorizations(
    session: Session, *, actor: Actor, clients: Sequence[Client], today: date
) -> int:
    have = set(session.scalars(select(Authorization.episode_id)))
    decisions = _decisions(today)
    written = 0
    ids = {c.id for c in clients}
    rows = session.execute(
        select(Episode, Coverage, LevelOfCare.code, Segment.starts_on)
        .join(Coverage, Coverage.client_id == Episode.client_id)
        .join(Segment, Segment.episode_id == Episode.id)
        .join(LevelOfCare, LevelOfCare.id == Segment.level_id)
        .join(Client, Client.id == Episode.client_id)
        .where(
            Episode.status == EpisodeStatus.ACTIVE,
            Segment.ends_on.is_(None),
            Coverage.self_pay.is_(False),
            Coverage.rank == 1,
        )
        .order_by(Client.record_number)
    ).all()
    for index, (episode, coverage, level, since) in enumerate(
        r for r in rows if r[0].client_id in ids
    ):
        if episode.id in have or level not in CODES:
            continue
        unit = UnitType.DAY if level in ("PHP", "IOP") else UnitType.VISIT
        starts = max(since, today - timedelta(days=14))
        found = service.request_authorization(
            session,
            actor=actor,
            episode_id=episode.id,
            data=AuthorizationRequest(
                coverage_id=coverage.id,
                level_code=level,
                unit_type=unit,
                codes=_codes(session, coverage, level),
                requested_units=REQUESTED[unit],
                starts_on=starts,
                ends_on=starts + timedelta(days=27),
            ),
        )
        decision = decisions[index % len(decisions)](REQUESTED[unit])
        if decision is not None and decision.auth_number == "DEMO-LOW":
            # Nearly used up: approved for what attendance has used and two more.
            decision = decision.model_copy(
                update={"approved_units": service.view_of(session, found).balance.used + 2}
            )
        if decision is not None:
            if decision.status is AuthStatus.DENIED and index % len(decisions) == 6:
                service.record_decision(
                    session, actor=actor, authorization_id=found.id, data=decision
                )
                decision = Decision(status=AuthStatus.IN_APPEAL, note="Appeal sent with notes.")
            service.record_decision(session, actor=actor, authorization_id=found.id, data=decision)
        written += 1
    return written
