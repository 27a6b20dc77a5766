"""The demo program's plans: most open episodes have one, DEMO-0001 waits to sign, the first
clinician has overdue reviews, some objectives are met, and a second seed adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.demo.seed import seed
from stepdown.documents.storage import LocalDirectoryStorage
from stepdown.security import service as security_service
from stepdown.treatment_plans import service
from stepdown.treatment_plans.models import Objective, ObjectiveStatus, PlanStatus, TreatmentPlan
from tests.factories import SYSTEM

KEY = "demo-test-key"  # the key the demo_session fixture seeded with


def test_demo_plans(demo_session: Session, demo_documents: LocalDirectoryStorage) -> None:
    session = demo_session
    plans = list(session.scalars(select(TreatmentPlan)))
    assert sum(p.status is PlanStatus.ACTIVE for p in plans) >= 20
    portal = session.scalar(select(Client).where(Client.record_number == "DEMO-0001"))
    assert portal is not None
    assert portal.portal_user_id is not None
    me = security_service.actor_for(security_service.get_user(session, username="client"))
    waiting = service.awaiting_client_signature(session, actor=me, client_id=portal.id)
    assert waiting is not None
    assert waiting.gaps == []
    clinician = security_service.actor_for(security_service.get_user(session, username="clinician"))
    assert len(service.overdue_reviews(session, actor=clinician)) == 2
    met = session.scalar(
        select(func.count()).select_from(Objective).where(Objective.status == ObjectiveStatus.MET)
    )
    assert met
    seed(session, actor=SYSTEM, secret_key=KEY, documents=demo_documents, history=False)
    assert session.scalar(select(func.count()).select_from(TreatmentPlan)) == len(plans)
