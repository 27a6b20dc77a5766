"""Coverages through the service on SQLite and PostgreSQL: recorded on an inquiry and
carried to the client at admission, ranked, ended, read by role, every read and change
audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.coverage import service
from stepdown.coverage.models import Coverage, Relationship
from stepdown.coverage.schemas import CoverageEnd, PayerWrite
from stepdown.inquiries import service as inquiries_service
from stepdown.inquiries.rules import InquiryStatus
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.coverage.factories import coverage_input, make_coverage, make_payer, make_plan
from tests.factories import SYSTEM, make_client, make_inquiry, make_site, make_user


def test_admissions_records_coverage_on_an_inquiry_and_admission_carries_it(
    session: Session,
) -> None:
    site = make_site(session)
    admissions = security_service.actor_for(make_user(session, role=Role.ADMISSIONS, site=site))
    inquiry = make_inquiry(session, site=site, date_of_birth=date(1990, 4, 2))
    payer = make_payer(session)
    owner = service.Owner(inquiry_id=inquiry.id)
    primary = make_coverage(session, owner, payer, actor=admissions, group_number="GRP-77")
    make_coverage(session, owner, None, actor=admissions, rank=2)  # self-pay behind it
    views = service.coverages(session, actor=admissions, owner=owner)
    assert [v.label for v in views] == [f"Primary: {payer.name}", "Self-pay"]

    inquiries_service.move_status(
        session,
        actor=SYSTEM,
        inquiry_id=inquiry.id,
        change=inquiries_service.StatusChangeCreate(to_status=InquiryStatus.CONTACTED),
    )
    client = inquiries_service.convert_to_client(session, actor=SYSTEM, inquiry_id=inquiry.id)
    session.refresh(primary)
    assert primary.client_id == client.id
    carried = service.coverages(session, actor=SYSTEM, owner=service.Owner(client_id=client.id))
    assert [v.coverage.id for v in carried] == [primary.id, carried[1].coverage.id]
    assert service.coverages(session, actor=SYSTEM, owner=owner) == []  # the inquiry's no more


def test_one_coverage_per_order_and_an_ended_one_frees_it(session: Session) -> None:
    site = make_site(session)
    client = make_client(session, site=site)
    owner = service.Owner(client_id=client.id)
    first, second = make_payer(session), make_payer(session)
    old = make_coverage(session, owner, first, starts_on=today() - timedelta(days=400))
    with pytest.raises(Conflict) as refused:
        make_coverage(session, owner, second)
    assert refused.value.field == "rank"
    service.end_coverage(
        session,
        actor=SYSTEM,
        coverage_id=old.id,
        data=CoverageEnd(ends_on=today() - timedelta(days=1), reason="Changed jobs"),
    )
    new = make_coverage(session, owner, second)
    views = service.coverages(session, actor=SYSTEM, owner=owner)
    assert [(v.coverage.id, v.in_force) for v in views] == [(new.id, True), (old.id, False)]


def test_a_dependent_coverage_keeps_the_subscriber_and_a_plan_must_be_the_payers(
    session: Session,
) -> None:
    client = make_client(session, site=make_site(session), date_of_birth=date(2009, 3, 3))
    owner = service.Owner(client_id=client.id)
    payer, other = make_payer(session), make_payer(session)
    with pytest.raises(Invalid) as refused:
        make_coverage(session, owner, payer, relationship=Relationship.CHILD)
    assert refused.value.field == "subscriber_last_name"
    coverage = make_coverage(
        session,
        owner,
        payer,
        relationship=Relationship.CHILD,
        subscriber_first_name="Pat",
        subscriber_last_name="Example",
        subscriber_date_of_birth=date(1975, 5, 5),
        plan_id=make_plan(session, payer).id,
    )
    assert coverage.subscriber_last_name == "Example"
    with pytest.raises(Invalid) as refused:
        service.update_coverage(
            session,
            actor=SYSTEM,
            coverage_id=coverage.id,
            data=coverage_input(payer, plan_id=make_plan(session, other).id),
        )
    assert refused.value.field == "plan_id"


def test_who_may_read_and_change_coverage(session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    client = make_client(session, site=site, clinician=clinician)
    owner = service.Owner(client_id=client.id)
    payer = make_payer(session)
    as_clinician = security_service.actor_for(clinician)
    with pytest.raises(Forbidden):
        make_coverage(session, owner, payer, actor=as_clinician)
    make_coverage(session, owner, payer)
    assert len(service.coverages(session, actor=as_clinician, owner=owner)) == 1
    admin = security_service.actor_for(make_user(session, role=Role.ADMIN))
    with pytest.raises(Forbidden):
        service.coverages(session, actor=admin, owner=owner)
    stranger = security_service.actor_for(
        make_user(session, role=Role.CLINICIAN, site=make_site(session))
    )
    with pytest.raises(NotFound):
        service.coverages(session, actor=stranger, owner=owner)
    # The payer directory holds no PHI: the administrator keeps it.
    service.create_payer(session, actor=admin, data=PayerWrite(name="Admin-kept Payer"))


def test_every_read_and_change_is_audited_without_values(session: Session) -> None:
    client = make_client(session, site=make_site(session))
    owner = service.Owner(client_id=client.id)
    coverage = make_coverage(session, owner, make_payer(session), member_id="SECRET123")
    service.coverages(session, actor=SYSTEM, owner=owner)
    entries = list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.client_id == client.id).order_by(AuditEntry.seq)
        )
    )
    created = [e for e in entries if e.entity_type == "coverage" and e.action == AuditAction.CREATE]
    assert [e.entity_id for e in created] == [str(coverage.id)]
    assert any(e.action == AuditAction.READ and e.entity_type == "client" for e in entries)
    assert all("SECRET123" not in str(e.detail) for e in entries)


def test_payer_names_are_unique_and_a_payer_cannot_carve_out_to_itself(session: Session) -> None:
    payer = make_payer(session, name="Harbor Health (test)")
    with pytest.raises(Conflict):
        make_payer(session, name="Harbor Health (test)")
    with pytest.raises(Invalid) as refused:
        service.update_payer(
            session,
            actor=SYSTEM,
            payer_id=payer.id,
            data=PayerWrite(name=payer.name, carve_out_payer_id=payer.id),
        )
    assert refused.value.field == "carve_out_payer_id"
    assert session.scalar(select(Coverage.id)) is None
