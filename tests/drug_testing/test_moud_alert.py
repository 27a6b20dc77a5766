"""A prescribed MOUD missing from a specimen raises one alert for that specimen (issue 11):
high severity, naming the analyte and asking for a conversation, not a sanction; in the
transaction that records the result, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alerts.models import Alert, AlertKind, Severity
from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.drug_testing import service
from stepdown.drug_testing.models import (
    Analyte,
    Interpretation,
    Method,
    OrderReason,
    ResultValue,
    SpecimenType,
    TestCollection,
)
from stepdown.drug_testing.schemas import ResultEntry
from stepdown.kit.clock import local, today, utc_now
from stepdown.medications import service as medications_service
from stepdown.medications.schemas import MedicationCreate
from stepdown.programs.models import Site
from tests.drug_testing.test_service import admitted
from tests.factories import SYSTEM, make_site

N = ResultValue.NEGATIVE


@pytest.fixture
def person(session: Session) -> Client:
    site: Site = make_site(session)
    return admitted(session, site, days_ago=30)


def prescribe(session: Session, person: Client, name: str, **marked: object) -> None:
    medications_service.add_medication(
        session,
        actor=SYSTEM,
        client_id=person.id,
        data=MedicationCreate.model_validate(
            {
                "name": name,
                "prescriber": "Dr. Test",
                "starts_on": today() - timedelta(days=20),
                **marked,
            }
        ),
    )


def specimen(session: Session, person: Client) -> TestCollection:
    order = service.order_test(
        session, actor=SYSTEM, client_id=person.id, reason=OrderReason.ADMISSION
    )
    return service.record_collection(
        session,
        actor=SYSTEM,
        order_id=order.id,
        specimen_type=SpecimenType.URINE,
        observed=True,
        collected_at=min(datetime.combine(today(), time(9), tzinfo=UTC), utc_now()),
    )


def results(
    session: Session, collection: TestCollection, *entries: tuple[Analyte, ResultValue, Method]
) -> None:
    service.record_results(
        session,
        actor=SYSTEM,
        collection_id=collection.id,
        entries=[ResultEntry(analyte=a, result=r, method=m) for a, r, m in entries],
    )


def moud_alerts(session: Session, person: Client) -> list[Alert]:
    return list(
        session.scalars(
            select(Alert).where(Alert.client_id == person.id, Alert.kind == AlertKind.MOUD_MISSING)
        )
    )


def test_a_missing_buprenorphine_raises_one_high_alert_asking_for_a_conversation(
    session: Session, person: Client
) -> None:
    prescribe(session, person, "Suboxone 8 mg/2 mg")
    collection = specimen(session, person)
    results(
        session,
        collection,
        (Analyte.BUPRENORPHINE, N, Method.PRESUMPTIVE),
        (Analyte.OPIATES, N, Method.PRESUMPTIVE),
    )
    (alert,) = moud_alerts(session, person)
    assert alert.severity is Severity.HIGH
    assert (alert.source_type, alert.source_id) == ("test_collection", collection.id)
    collected_on = local(collection.collected_at).date()
    assert alert.summary.startswith(
        f"Buprenorphine not found in the specimen of {collected_on} although "
        "Suboxone 8 mg/2 mg is prescribed"
    )
    assert "diversion" in alert.summary
    assert "rapid metaboliser" in alert.summary
    assert alert.summary.endswith("A conversation, not a sanction.")
    audited = session.scalar(
        select(AuditEntry).where(
            AuditEntry.entity_type == "alert", AuditEntry.entity_id == str(alert.id)
        )
    )
    assert audited is not None


def test_a_second_result_on_the_same_specimen_raises_no_second_alert(
    session: Session, person: Client
) -> None:
    prescribe(session, person, "Methadone 60 mg")
    collection = specimen(session, person)
    results(session, collection, (Analyte.METHADONE, N, Method.PRESUMPTIVE))
    results(session, collection, (Analyte.METHADONE, N, Method.DEFINITIVE))
    assert len(moud_alerts(session, person)) == 1
    other = specimen(session, person)
    results(session, other, (Analyte.METHADONE, N, Method.PRESUMPTIVE))
    assert len(moud_alerts(session, person)) == 2


def test_a_medication_for_pain_is_not_a_missing_moud(session: Session, person: Client) -> None:
    prescribe(
        session, person, "Butrans 10 mcg/hour patch", analytes=["buprenorphine"], is_mat=False
    )
    collection = specimen(session, person)
    results(session, collection, (Analyte.BUPRENORPHINE, N, Method.PRESUMPTIVE))
    (row,) = service.client_collections(session, actor=SYSTEM, client_id=person.id)[0][1]
    assert row.interpretation is Interpretation.NEGATIVE
    assert moud_alerts(session, person) == []


def test_a_present_moud_raises_nothing(session: Session, person: Client) -> None:
    prescribe(session, person, "Suboxone 8 mg/2 mg")
    collection = specimen(session, person)
    results(session, collection, (Analyte.BUPRENORPHINE, ResultValue.POSITIVE, Method.PRESUMPTIVE))
    assert moud_alerts(session, person) == []


def test_the_summary_fits_the_alert_whatever_the_names() -> None:
    names = ["Buprenorphine-naloxone 8 mg/2 mg sublingual film, " + "x" * 100] * 3
    summary = service.moud_missing_summary(
        [Analyte.BUPRENORPHINE, Analyte.METHADONE], names, date(2026, 11, 30)
    )
    assert len(summary) <= 300
    assert summary.startswith("Buprenorphine and Methadone not found in the specimen of 2026-11-30")
    assert summary.endswith("A conversation, not a sanction.")
