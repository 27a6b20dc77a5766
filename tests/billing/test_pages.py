"""Billing's pages as billing staff use them: compute a week, release, export, download the
file, post the payer's answer, work the denial; refusals name the field; clinicians may not
open billing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.billing import demo
from stepdown.billing.models import ClaimBatch, ClaimPayment
from stepdown.kit.clock import today
from tests.billing.factories import appointment_with_note, make_world
from tests.factories import csrf_from, sign_in


def test_a_week_from_charges_to_a_worked_denial(client: TestClient, session: Session) -> None:
    world = make_world(session)
    appointment_with_note(session, world, minutes=50)
    appointment_with_note(session, world, minutes=20, offset=1, sign=False)
    session.commit()
    sign_in(client, world.billing.username)
    week = f"/billing?week={world.monday.isoformat()}"
    page = client.get(week)
    assert page.status_code == 200
    assert "No charges computed for this week yet." in page.text
    token = csrf_from(page.text)
    monday = world.monday.isoformat()

    computed = client.post(
        "/billing/charges", data={"csrf_token": token, "week": monday}, follow_redirects=True
    )
    assert "Charges computed: 2 lines." in computed.text
    assert "Ready to release" in computed.text
    assert "no note, no claim: progress note of" in computed.text  # the unsigned 20 minutes

    released = client.post(
        "/billing/release", data={"csrf_token": token, "week": monday}, follow_redirects=True
    )
    assert "Released 1 lines for claims." in released.text
    exported = client.post(
        "/billing/export", data={"csrf_token": token, "week": monday}, follow_redirects=True
    )
    assert "Exported 1 claims in 1 files." in exported.text
    batch = session.scalars(select(ClaimBatch)).one()
    assert batch.filename in exported.text

    download = client.get(f"/billing/files/{batch.id}")
    assert download.status_code == 200
    assert download.text == batch.content
    assert batch.filename in download.headers["content-disposition"]
    exports = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_type == "claim_batch", AuditEntry.action == AuditAction.EXPORT
        )
    ).all()
    assert [e.client_id for e in exports] == [world.client.id]

    answer = demo.remittance_for(session, batch, paid_on=today(), deny_first=True)
    posted = client.post(
        "/billing/remittances",
        data={"csrf_token": token},
        files={"file": ("payer.835", answer.encode("ascii"), "text/plain")},
        follow_redirects=True,
    )
    assert posted.url.path == "/billing/denials"
    assert "Posted 1 claims from 1 remittance(s); 1 denied." in posted.text
    assert "CO 197" in posted.text
    payment = session.scalars(select(ClaimPayment)).one()
    worked = client.post(
        f"/billing/denials/{payment.id}/worked",
        data={"csrf_token": token, "note": "Appeal sent with the authorization letter."},
        follow_redirects=True,
    )
    assert "Denial taken off the worklist." in worked.text
    assert "No denials to work." in worked.text
    balances = client.get("/billing/balances")
    assert world.payer.name in balances.text


def test_refusals_come_back_naming_the_field(client: TestClient, session: Session) -> None:
    world = make_world(session)
    session.commit()
    sign_in(client, world.billing.username)
    bad_week = client.get("/billing?week=2026-03-03")
    assert bad_week.status_code == 422
    assert "week: a billing week starts on a Monday" in bad_week.text
    token = csrf_from(bad_week.text)
    not_a_file = client.post(
        "/billing/remittances",
        data={"csrf_token": token},
        files={"file": ("x.835", b"hello", "text/plain")},
    )
    assert not_a_file.status_code == 422
    assert "file: not a remittance we can post" in not_a_file.text
    no_file = client.post("/billing/remittances", data={"csrf_token": token})
    assert no_file.status_code == 422
    assert "file: choose the 835 file to post" in no_file.text


def test_clinicians_may_not_open_billing(client: TestClient, session: Session) -> None:
    world = make_world(session)
    session.commit()
    sign_in(client, world.clinician.username)
    assert client.get("/billing").status_code == 403
    assert client.get("/billing/denials").status_code == 403
