"""Synthetic payers, coverages and eligibility checks for the demo program.

Five made-up payers (a commercial plan, a Medicaid managed-care plan, a commercial plan whose
behavioral-health benefits are carved out, the behavioral-health company that manages them,
and Medicare for the clients of 65 and over and one in thirteen by disability), each with a
plan; the program's organization NPI (CMS's published worked example
of the check digit, 1234567893, not a real provider's); a coverage for every demo client in
care, most checked against the local clearinghouse simulator so the charts show every kind
of answer: active with copays, authorization required, a deductible partly met, a carve-out,
an inactive plan, a payer that could not find the member; a few self-pay clients, a few with
a secondary coverage; and the inquiries that named an insurer get their coverage recorded,
unchecked, for admissions to verify.

The member ids choose the simulator's answer (``clearinghouse.simulator``): ACT, AUTH, DED,
CRV, INA, A72. Idempotent: a client or inquiry with a coverage is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.coverage import eligibility, service
from stepdown.coverage.clearinghouse.simulator import SimulatorGateway
from stepdown.coverage.models import CheckMethod, Coverage, Payer, PlanKind
from stepdown.coverage.schemas import CoverageWrite, PayerWrite, PlanWrite
from stepdown.inquiries.models import Inquiry
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor

DEMO_NPI = "1234567893"
# name, electronic payer id, phone, plan, kind, carved out to (by name)
PAYERS = (
    (
        "Summit Behavioral Health (demo)",
        "SBH01",
        "555-0150",
        "Summit EAP and BH",
        PlanKind.OTHER,
        None,
    ),
    ("Example Health Plan (demo)", "EHP01", "555-0151", "Example PPO", PlanKind.COMMERCIAL, None),
    (
        "Lakeside Medicaid (demo)",
        "LKM01",
        "555-0152",
        "Lakeside Community Care",
        PlanKind.MEDICAID_MANAGED,
        None,
    ),
    (
        "Sample Mutual (demo)",
        "SMU01",
        "555-0153",
        "Sample Mutual HMO",
        PlanKind.COMMERCIAL,
        "Summit Behavioral Health (demo)",
    ),
    ("Medicare (demo)", "MCR01", "555-0154", "Original Medicare", PlanKind.MEDICARE, None),
)
MEDICARE = "Medicare (demo)"
# Medicare by age (65 and over) or, as for one client in thirteen, by disability (SSDI).
MEDICARE_AGE = 65
MEDICARE_EVERY = 13
# The simulator's answers, in the order the demo's clients are given them.
SCENARIOS = ("ACT", "AUTH", "ACT", "DED", "ACT", "AUTH", "CRV", "ACT", "INA", "A72")
SELF_PAY_EVERY = 11  # one client in eleven pays for themselves
SECONDARY_EVERY = 9  # one in nine has a second coverage behind the first


def _no_wait(_: float) -> None:
    """The simulator answers at once; nothing to wait for between retries."""


def _payers(session: Session, actor: Actor) -> dict[str, Payer]:
    found = {p.name: p for p in service.list_payers(session, include_inactive=True)}
    for name, code, phone, plan, kind, carve_out in PAYERS:
        if name in found:
            continue
        payer = service.create_payer(
            session,
            actor=actor,
            data=PayerWrite(
                name=name,
                payer_code=code,
                phone=phone,
                carve_out_payer_id=found[carve_out].id if carve_out else None,
            ),
        )
        payer.is_synthetic = True
        service.add_plan(
            session, actor=actor, payer_id=payer.id, data=PlanWrite(name=plan, kind=kind)
        )
        found[name] = payer
    return found


def _in_care(session: Session, clients: Sequence[Client]) -> list[Client]:
    active = set(
        session.scalars(select(Episode.client_id).where(Episode.status == EpisodeStatus.ACTIVE))
    )
    return [c for c in clients if c.id in active]


def seed_demo_coverage(
    session: Session, *, actor: Actor, clients: Sequence[Client], today: date
) -> int:
    """Payers, coverages and checks as the module docstring says; returns how many
    coverages were recorded."""
    program = programs_service.program(session)
    if program is not None and not program.npi:
        programs_service.update_program(
            session,
            actor=actor,
            name=program.name,
            phone=program.phone,
            address=program.address,
            npi=DEMO_NPI,
        )
    payers = _payers(session, actor)
    commercial = [
        payers[p[0]] for p in PAYERS if p[0] not in ("Summit Behavioral Health (demo)", MEDICARE)
    ]
    covered = set(
        session.scalars(select(Coverage.client_id).where(Coverage.client_id.is_not(None)))
    )
    route = eligibility.Route(
        gateway=SimulatorGateway(timeout=5.0, sleep=_no_wait),
        method=CheckMethod.SIMULATOR,
        sender_id="STEPDOWN",
        receiver_id="SIMULATOR",
        sleep=_no_wait,
    )
    recorded = 0
    for index, client in enumerate(
        sorted(_in_care(session, clients), key=lambda c: c.record_number)
    ):
        if client.id in covered:
            continue
        owner = service.Owner(client_id=client.id)
        if index % SELF_PAY_EVERY == SELF_PAY_EVERY - 1:
            service.add_coverage(
                session, actor=actor, owner=owner, data=CoverageWrite(rank=1, self_pay=True)
            )
            recorded += 1
            continue
        scenario = SCENARIOS[index % len(SCENARIOS)]
        payer = payers["Sample Mutual (demo)"] if scenario == "CRV" else commercial[index % 3]
        age = (today - client.date_of_birth).days // 365
        if age >= MEDICARE_AGE or index % MEDICARE_EVERY == MEDICARE_EVERY - 7:
            scenario, payer = "ACT", payers[MEDICARE]
        coverage = service.add_coverage(
            session,
            actor=actor,
            owner=owner,
            data=CoverageWrite(
                rank=1,
                payer_id=payer.id,
                member_id=f"{scenario}{index + 1:06d}",
                group_number=f"G{100 + index % 7}",
                starts_on=today - timedelta(days=200 + index),
            ),
        )
        eligibility.check(session, actor=actor, coverage_id=coverage.id, route=route, on=today)
        recorded += 1
        if index % SECONDARY_EVERY == 0:
            second = commercial[(index + 1) % 3]
            service.add_coverage(
                session,
                actor=actor,
                owner=owner,
                data=CoverageWrite(rank=2, payer_id=second.id, member_id=f"ACT{index + 1:06d}S"),
            )
            recorded += 1
    return recorded + _inquiries(session, actor, payers)


def _inquiries(session: Session, actor: Actor, payers: dict[str, Payer]) -> int:
    """The open inquiries that named a payer in the directory: their coverage recorded from
    what the caller said, not yet verified (admissions' next step)."""
    recorded = 0
    inquiries = session.scalars(
        select(Inquiry).where(Inquiry.client_id.is_(None), Inquiry.payer_name != "")
    )
    have = set(session.scalars(select(Coverage.inquiry_id).where(Coverage.inquiry_id.is_not(None))))
    for number, inquiry in enumerate(inquiries, start=1):
        payer = payers.get(inquiry.payer_name)
        if payer is None or inquiry.id in have:
            continue
        service.add_coverage(
            session,
            actor=actor,
            owner=service.Owner(inquiry_id=inquiry.id),
            data=CoverageWrite(
                rank=1,
                payer_id=payer.id,
                member_id=inquiry.member_id or f"AUTH9{number:05d}",
            ),
        )
        recorded += 1
    return recorded
