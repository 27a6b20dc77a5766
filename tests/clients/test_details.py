"""Correcting a client's details (old values audited) and finding a client however staff
remember them: name, preferred name, record number, phone, date of birth."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.clients import service
from stepdown.clients.schemas import ClientDetails
from stepdown.kit.errors import Forbidden
from stepdown.security.roles import Role
from stepdown.security.service import actor_for
from tests.factories import SYSTEM, csrf_from, make_client, make_site, make_user, sign_in


def _details(**overrides: object) -> ClientDetails:
    fields: dict[str, object] = {
        "legal_first_name": "Robin",
        "legal_last_name": "Okafor",
        "date_of_birth": date(1990, 5, 6),
        "phone": "(555) 010-7788",
    }
    fields.update(overrides)
    return ClientDetails.model_validate(fields)


def test_an_edit_keeps_each_old_value_in_the_audit(session: Session) -> None:
    person = make_client(
        session, site=make_site(session), legal_first_name="Robin", legal_last_name="Okafor"
    )
    service.update_details(
        session,
        actor=SYSTEM,
        client_id=person.id,
        data=_details(
            date_of_birth=date(1990, 5, 6),
            pronouns="they/them",
            safe_contact_instructions="Text only; never call the home number",
        ),
    )
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.client_id == person.id, AuditEntry.action == AuditAction.UPDATE)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    assert entry is not None
    changes = entry.detail["changes"]
    assert changes["date_of_birth"] == {"old": "1990-01-01", "new": "1990-05-06"}
    assert changes["pronouns"] == {"old": "", "new": "they/them"}
    assert "legal_last_name" not in changes  # unchanged fields are not listed
    assert person.safe_contact_instructions == "Text only; never call the home number"


def test_roles_without_client_work_do_not_edit(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    review = make_user(session, role=Role.UTILIZATION_REVIEW)
    with pytest.raises(Forbidden):
        service.update_details(
            session, actor=actor_for(review), client_id=person.id, data=_details()
        )


@pytest.mark.parametrize(
    "query", ["okafor", "Robbie Okafor", "T-", "5550107788", "010-7788", "1990-05-06", "5/6/1990"]
)
def test_a_client_is_found_however_staff_remember_them(session: Session, query: str) -> None:
    person = make_client(
        session,
        site=make_site(session),
        legal_first_name="Robin",
        legal_last_name="Okafor",
        preferred_name="Robbie",
        phone="(555) 010-7788",
        date_of_birth=date(1990, 5, 6),
    )
    found = service.search_clients(session, actor=SYSTEM, query=query)
    assert person.id in {c.id for c in found}


@pytest.mark.parametrize("query", ["1990-05-07", "7789", "Robin Smith"])
def test_near_misses_do_not_match(session: Session, query: str) -> None:
    person = make_client(
        session,
        site=make_site(session),
        legal_first_name="Robin",
        legal_last_name="Okafor",
        phone="(555) 010-7788",
        date_of_birth=date(1990, 5, 6),
    )
    found = service.search_clients(session, actor=SYSTEM, query=query)
    assert person.id not in {c.id for c in found}


def test_the_edit_page_names_the_bad_field_and_saves_a_good_one(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    session.commit()
    sign_in(client, clinician.username)
    chart = client.get(f"/clients/{person.id}")
    assert f'href="/clients/{person.id}/edit"' in chart.text
    page = client.get(f"/clients/{person.id}/edit")
    form = {
        "csrf_token": csrf_from(page.text),
        "legal_first_name": person.legal_first_name,
        "legal_last_name": person.legal_last_name,
        "date_of_birth": "2999-01-01",
        "pronouns": "she/her",
    }
    refused = client.post(f"/clients/{person.id}/edit", data=form)
    assert refused.status_code == 422
    assert "Date of birth:" in refused.text
    assert 'value="she/her"' in refused.text
    form["date_of_birth"] = "1991-02-03"
    saved = client.post(f"/clients/{person.id}/edit", data=form)
    assert saved.status_code == 200
    assert "Details saved." in saved.text
    session.expire_all()
    assert person.pronouns == "she/her"
    assert person.date_of_birth == date(1991, 2, 3)
