"""An unexpected positive raises one urgent alert for its specimen (issue 13): what was
found, whether a confirmation is pending, a same-day conversation about overdose risk; a
positive a prescription explains raises none."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alerts.models import Alert, AlertKind, Severity
from stepdown.clients.models import Client
from stepdown.drug_testing import service
from stepdown.drug_testing.models import Analyte, Method, ResultValue
from stepdown.kit.clock import local
from tests.drug_testing.test_moud_alert import person, prescribe, results, specimen

__all__ = ["person"]  # the fixture, used by name below

P, N = ResultValue.POSITIVE, ResultValue.NEGATIVE


def unexpected_alerts(session: Session, client: Client) -> list[Alert]:
    return list(
        session.scalars(
            select(Alert).where(
                Alert.client_id == client.id, Alert.kind == AlertKind.UNEXPECTED_POSITIVE
            )
        )
    )


def test_a_presumptive_fentanyl_positive_raises_one_urgent_alert(
    session: Session, person: Client
) -> None:
    collection = specimen(session, person)
    results(
        session,
        collection,
        (Analyte.FENTANYL, P, Method.PRESUMPTIVE),
        (Analyte.OPIATES, N, Method.PRESUMPTIVE),
    )
    (alert,) = unexpected_alerts(session, person)
    assert alert.severity is Severity.URGENT
    assert alert.source_id == collection.id
    assert alert.summary.startswith(
        f"Fentanyl found in the specimen of {local(collection.collected_at).date()}, presumptive "
        "(a definitive test is ordered)"
    )
    assert "overdose" in alert.summary
    results(session, collection, (Analyte.FENTANYL, P, Method.DEFINITIVE))
    assert len(unexpected_alerts(session, person)) == 1  # the confirmation adds none


def test_a_positive_a_prescription_explains_raises_none(session: Session, person: Client) -> None:
    prescribe(session, person, "Suboxone 8 mg/2 mg")
    collection = specimen(session, person)
    results(session, collection, (Analyte.BUPRENORPHINE, P, Method.PRESUMPTIVE))
    assert unexpected_alerts(session, person) == []


def test_negatives_raise_none(session: Session, person: Client) -> None:
    collection = specimen(session, person)
    results(session, collection, (Analyte.COCAINE, N, Method.PRESUMPTIVE))
    assert unexpected_alerts(session, person) == []


def test_the_summary_fits_its_column_whatever_was_found() -> None:
    found = [(analyte, Method.DEFINITIVE) for analyte in Analyte]
    summary = service.unexpected_positive_summary(found, date(2027, 1, 4))
    assert len(summary) <= 300
    assert "2027-01-04" in summary
