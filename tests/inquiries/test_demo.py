"""The demo inquiries: every status shown, synthetic, and a second run adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.inquiries import service
from stepdown.inquiries.demo import seed_demo_inquiries
from stepdown.inquiries.models import Inquiry
from stepdown.inquiries.rules import InquiryStatus
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_site, make_user


def _demo_inquiries(session: Session) -> list[Inquiry]:
    return list(session.scalars(select(Inquiry).where(Inquiry.external_ref.like("DEMO-INQ-%"))))


def test_seed_covers_every_status_once_only(session: Session) -> None:
    sites = {"S1": make_site(session), "S2": make_site(session)}
    worker = make_user(session, role=Role.ADMISSIONS, site=sites["S1"])
    seed_demo_inquiries(session, actor=SYSTEM, sites=sites)
    inquiries = _demo_inquiries(session)
    assert len(inquiries) == 12
    assert {i.status for i in inquiries} == set(InquiryStatus)
    assert all(i.is_synthetic for i in inquiries)
    assert any(i.assigned_to_id == worker.id for i in inquiries)
    for inquiry in inquiries:
        assert service.status_history(session, inquiry=inquiry)[-1].to_status is inquiry.status
    [admitted] = [i for i in inquiries if i.client_id]
    client = session.get(Client, admitted.client_id)
    assert client is not None
    assert client.is_synthetic
    clients = session.scalar(select(func.count()).select_from(Client))
    seed_demo_inquiries(session, actor=SYSTEM, sites=sites)
    assert len(_demo_inquiries(session)) == 12
    assert session.scalar(select(func.count()).select_from(Client)) == clients
