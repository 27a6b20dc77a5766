"""The Drug tests chart tab and the site's tests of the day, driven through their forms."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.drug_testing.models import OrderReason, OrderStatus, TestCollection, TestOrder
from stepdown.kit.clock import today
from stepdown.security.roles import Role
from tests.drug_testing.test_service import admitted
from tests.factories import csrf_from, make_site, make_user, sign_in


def test_order_collect_and_enter_results_on_the_chart(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = admitted(session, site)
    person.primary_clinician_id = clinician.id
    session.commit()
    sign_in(client, clinician.username)
    chart = f"/clients/{person.id}?tab=drug_tests"
    page = client.get(chart)
    assert page.status_code == 200
    assert "Order a test" in page.text
    token = csrf_from(page.text)

    ordered = client.post(
        f"/clients/{person.id}/testing/orders",
        data={"csrf_token": token, "reason": "admission", "on": str(today()), "note": ""},
        follow_redirects=False,
    )
    assert ordered.status_code == 303
    order = session.scalars(select(TestOrder).where(TestOrder.client_id == person.id)).one()

    collected = client.post(
        f"/testing/orders/{order.id}/collection",
        data={
            "csrf_token": token,
            "client_id": str(person.id),
            "specimen_type": "urine",
            "observed": "yes",
            "collected_at": "",
            "chain_of_custody_id": "COC-9",
            "collector_id": str(clinician.id),
        },
        follow_redirects=False,
    )
    assert collected.status_code == 303, collected.text
    collection = session.scalars(
        select(TestCollection).where(TestCollection.order_id == order.id)
    ).one()

    grid = {
        "csrf_token": token,
        "client_id": str(person.id),
        "method_cocaine": "presumptive",
        "result_cocaine": "positive",
        "method_opiates": "presumptive",
        "result_opiates": "negative",
        "method_fentanyl": "presumptive",
        "result_fentanyl": "",  # skipped
    }
    saved = client.post(
        f"/testing/collections/{collection.id}/results", data=grid, follow_redirects=False
    )
    assert saved.status_code == 303
    shown = client.get(chart).text
    assert "unexpected positive" in shown
    assert "Confirmation (Cocaine, definitive)" in shown
    assert "COC-9" in shown

    again = client.post(f"/testing/collections/{collection.id}/results", data=grid)
    assert again.status_code == 409
    assert "already recorded" in again.text
    bad = client.post(
        f"/testing/collections/{collection.id}/results",
        data=grid
        | {
            "result_cocaine": "",
            "result_benzodiazepines": "positive",
            "method_benzodiazepines": "presumptive",
            "value_benzodiazepines": "lots",
        },
    )
    assert bad.status_code == 422
    assert re.search(r"Value benzodiazepines:</strong>\s*enter a number", bad.text)
    assert 'value="lots"' in bad.text  # the grid keeps what was typed


def test_for_cause_without_a_cause_is_refused_naming_the_field(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    person = admitted(session, site)
    session.commit()
    sign_in(client, director.username)
    token = csrf_from(client.get(f"/clients/{person.id}?tab=drug_tests").text)
    refused = client.post(
        f"/clients/{person.id}/testing/orders",
        data={"csrf_token": token, "reason": "for_cause", "on": "", "note": " "},
    )
    assert refused.status_code == 422
    assert "<strong>Note:</strong>" in refused.text
    assert session.scalars(select(TestOrder)).all() == []


def test_the_days_list_collects_and_records_a_refusal(client: TestClient, session: Session) -> None:
    site = make_site(session)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    first, second = admitted(session, site), admitted(session, site)
    orders = [
        TestOrder(
            client_id=p.id,
            reason=OrderReason.RANDOM,
            ordered_on=today(),
            status=OrderStatus.ORDERED,
        )
        for p in (first, second)
    ]
    session.add_all(orders)
    session.commit()
    sign_in(client, manager.username)
    page = client.get("/testing", params={"site": site.code, "day": str(today())})
    assert page.status_code == 200
    assert first.display_name in page.text
    assert second.display_name in page.text
    token = csrf_from(page.text)
    common = {"csrf_token": token, "back": "today", "site": site.code}
    collected = client.post(
        f"/testing/orders/{orders[0].id}/collection",
        data=common | {"client_id": str(first.id), "specimen_type": "oral_fluid", "observed": "no"},
        follow_redirects=False,
    )
    assert collected.status_code == 303
    assert collected.headers["location"].startswith(f"/testing?site={site.code}")
    refused = client.post(
        f"/testing/orders/{orders[1].id}/outcome",
        data=common | {"client_id": str(second.id), "status": "refused"},
        follow_redirects=False,
    )
    assert refused.status_code == 303
    session.expire_all()
    assert [session.get(TestOrder, o.id).status.value for o in orders] == [  # type: ignore[union-attr]
        "collected",
        "refused",
    ]
