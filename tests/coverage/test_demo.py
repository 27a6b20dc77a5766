"""The demo program has payers (one carving out behavioral health), coverages in order with
self-pay and secondary ones, checks with every kind of answer, and inquiries whose coverage
admissions has yet to verify."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.coverage.models import CheckOutcome, Coverage, EligibilityCheck, Payer
from stepdown.programs import service as programs_service


def test_the_demo_shows_coverage_of_every_kind(demo_session: Session) -> None:
    session = demo_session
    payers = list(session.scalars(select(Payer)))
    assert len(payers) >= 4
    assert all(p.is_synthetic for p in payers)
    assert any(p.carve_out_payer_id for p in payers)
    program = programs_service.program(session)
    assert program is not None
    assert program.npi
    coverages = list(session.scalars(select(Coverage)))
    assert any(c.self_pay for c in coverages)
    assert any(c.rank == 2 for c in coverages)
    waiting = [c for c in coverages if c.inquiry_id is not None and c.client_id is None]
    assert waiting  # for admissions to verify
    outcomes = Counter(session.scalars(select(EligibilityCheck.outcome)))
    for outcome in (CheckOutcome.ACTIVE, CheckOutcome.INACTIVE, CheckOutcome.REJECTED):
        assert outcomes[outcome] >= 1
    checked = set(session.scalars(select(EligibilityCheck.inquiry_id)))
    assert not {c.inquiry_id for c in waiting} & checked
