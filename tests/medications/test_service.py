"""Recording and stopping prescriptions on a real database, with their audit rows."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.drug_testing.models import Analyte
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.medications import service
from stepdown.medications.schemas import MedicationCreate
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_site, make_user


@pytest.fixture
def site(session: Session) -> Site:
    return make_site(session)


@pytest.fixture
def person(session: Session, site: Site) -> Client:
    return make_client(session, site=site)


def create(name: str = "Methadone 60 mg", days: int = 10, **extra: object) -> MedicationCreate:
    return MedicationCreate.model_validate(
        {"name": name, "prescriber": "Dr. Test", "starts_on": today() - timedelta(days=days)}
        | extra
    )


def test_add_reads_the_table_and_is_audited(session: Session, person: Client) -> None:
    medication = service.add_medication(session, actor=SYSTEM, client_id=person.id, data=create())
    assert (medication.analytes, medication.is_mat) == (["methadone"], True)
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_type == "medication", AuditEntry.client_id == person.id
        )
    ).one()
    assert entry.action.value == "create"
    assert service.client_medications(session, actor=SYSTEM, client_id=person.id) == [medication]


def test_active_on_a_day_follows_the_first_and_last_days(session: Session, person: Client) -> None:
    medication = service.add_medication(session, actor=SYSTEM, client_id=person.id, data=create())
    service.stop_medication(
        session,
        actor=SYSTEM,
        medication_id=medication.id,
        ends_on=today() - timedelta(days=2),
        reason="tapered",
    )

    def active(days_ago: int) -> list[str]:
        day = today() - timedelta(days=days_ago)
        return [m.name for m in service.active_on(session, client_id=person.id, day=day)]

    assert active(11) == []
    assert active(10) == active(2) == ["Methadone 60 mg"]
    assert active(1) == []
    with pytest.raises(Conflict) as refused:
        service.stop_medication(
            session, actor=SYSTEM, medication_id=medication.id, ends_on=today(), reason=""
        )
    assert refused.value.rule == "medication.already_stopped"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (create(prescriber=" "), "prescriber"),
        (create(ends_on=today() - timedelta(days=30)), "ends_on"),
        (create(name="Tincture", analytes=[Analyte.ALCOHOL]), "analytes"),
    ],
)
def test_refusals_name_the_field(
    session: Session, person: Client, data: MedicationCreate, field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        service.add_medication(session, actor=SYSTEM, client_id=person.id, data=data)
    assert refused.value.field == field


def test_roles_and_caseloads(session: Session, site: Site, person: Client) -> None:
    reviewer = security_service.actor_for(
        make_user(session, role=Role.UTILIZATION_REVIEW, site=site)
    )
    with pytest.raises(Forbidden):
        service.add_medication(session, actor=reviewer, client_id=person.id, data=create())
    assert service.client_medications(session, actor=reviewer, client_id=person.id) == []
    stranger = security_service.actor_for(make_user(session, role=Role.CLINICIAN, site=site))
    with pytest.raises(NotFound):
        service.add_medication(session, actor=stranger, client_id=person.id, data=create())


def test_the_tab_flags_unrecognised_names_that_explain_nothing(
    session: Session, person: Client
) -> None:
    """Only a name the table does not know, with no analytes recorded, is flagged: it would
    make every positive it should explain read as unexpected."""

    def add(name: str, days: int = 10, **extra: object) -> uuid.UUID:
        data = create(name, days, **extra)
        return service.add_medication(session, actor=SYSTEM, client_id=person.id, data=data).id

    unknown = add("Foozamine 10 mg")
    past_unknown = add("Barbamol", days=30, ends_on=today() - timedelta(days=20))
    add("Methadose 40 mg dispersible")
    add("Foozamine 20 mg", analytes=[Analyte.OPIATES])  # the prescriber's analytes were given
    add("Naltrexone 50 mg")  # known, and explains nothing by design
    tab = service.chart_tab(session, actor=SYSTEM, client=person)
    assert tab.unrecognised == {unknown, past_unknown}
    assert {m.id for m in tab.past} == {past_unknown}
