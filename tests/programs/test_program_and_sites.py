"""The program's one row and its sites: created once, edited with the old value audited,
closed without losing history."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.kit.errors import Conflict, Invalid
from stepdown.programs import rules, service
from tests.factories import SYSTEM, make_site


def _last_update(session: Session, entity_type: str) -> AuditEntry:
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.action == AuditAction.UPDATE)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    assert entry is not None
    return entry


def test_a_program_is_created_once(session: Session) -> None:
    service.create_program(session, actor=SYSTEM, name="Harbor", time_zone="America/Chicago")
    with pytest.raises(Conflict):
        service.create_program(session, actor=SYSTEM, name="Other", time_zone="UTC")
    program = service.program(session)
    assert program is not None
    assert (program.name, program.time_zone) == ("Harbor", "America/Chicago")


def test_editing_the_details_audits_old_and_new_values(session: Session) -> None:
    service.create_program(session, actor=SYSTEM, name="Harbor", time_zone="America/Chicago")
    service.update_program(
        session,
        actor=SYSTEM,
        name="Harbor Recovery",
        phone="(555) 010-2000",
        address="  12 Harbor Road \n\n Portland, ME  04101 ",
    )
    program = service.program(session)
    assert program is not None
    assert program.address == "12 Harbor Road\nPortland, ME 04101"
    changes = _last_update(session, "program").detail["changes"]
    assert changes["name"] == {"old": "Harbor", "new": "Harbor Recovery"}
    assert changes["phone"] == {"old": "", "new": "(555) 010-2000"}


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin", "UTC"])
def test_time_zone_names_are_accepted(zone: str) -> None:
    assert rules.check_time_zone(f" {zone} ") == zone


@pytest.mark.parametrize("zone", ["", "Etc/GMT+5", "Mars/Olympus", "UTC-5", "../etc", "America"])
def test_fixed_offsets_and_unknown_zones_are_refused(zone: str) -> None:
    with pytest.raises(Invalid) as refused:
        rules.check_time_zone(zone)
    assert refused.value.field == "time_zone"


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=40))
def test_an_accepted_phone_has_seven_digits_and_only_phone_characters(text: str) -> None:
    try:
        phone = rules.check_phone(text)
    except Invalid:
        return
    assert phone == "" or sum(c.isdigit() for c in phone) >= 7
    assert set(phone.lower()) <= set("0123456789+()./ -ext")


@pytest.mark.parametrize("phone", ["555-0100", "+1 (555) 010-0100 ext. 12", "555.010.0100 x4"])
def test_phones_as_people_write_them(phone: str) -> None:
    assert rules.check_phone(phone) == phone


@pytest.mark.parametrize("phone", ["call me", "12345", "555-0100; DROP"])
def test_what_is_not_a_phone_is_refused(phone: str) -> None:
    with pytest.raises(Invalid):
        rules.check_phone(phone)


def test_an_address_has_at_most_four_lines() -> None:
    with pytest.raises(Invalid):
        rules.check_address("a\nb\nc\nd\ne")


def test_site_codes_are_unique_and_edits_are_audited(session: Session) -> None:
    site = service.create_site(session, actor=SYSTEM, code="n1", name="North", phone="555-0101")
    assert site.code == "N1"
    with pytest.raises(Conflict) as taken:
        service.create_site(session, actor=SYSTEM, code="N1", name="Again")
    assert taken.value.field == "code"
    service.update_site(
        session,
        actor=SYSTEM,
        site_id=site.id,
        code="N1",
        name="North Clinic",
        address="1 North Way",
        phone="555-0101",
    )
    changes = _last_update(session, "site").detail["changes"]
    assert changes == {
        "name": {"old": "North", "new": "North Clinic"},
        "address": {"old": "", "new": "1 North Way"},
    }


def test_a_closed_site_is_not_offered_for_new_things(session: Session) -> None:
    open_site = make_site(session)
    closing = make_site(session)
    service.set_site_closing(session, actor=SYSTEM, site_id=closing.id, closed_on=date(2027, 3, 1))
    before = {s.id for s in service.open_sites(session, date(2027, 2, 28))}
    after = {s.id for s in service.open_sites(session, date(2027, 3, 1))}
    assert {open_site.id, closing.id} <= before
    assert open_site.id in after
    assert closing.id not in after
    assert closing.id in {s.id for s in service.list_sites(session)}  # history keeps it
    changes = _last_update(session, "site").detail["changes"]
    assert changes == {"closed_on": {"old": None, "new": "2027-03-01"}}


@pytest.mark.parametrize("npi", ["1234567893", ""])
def test_the_program_keeps_a_valid_npi_or_none(session: Session, npi: str) -> None:
    service.create_program(session, actor=SYSTEM, name="Harbor", time_zone="UTC")
    record = service.update_program(
        session, actor=SYSTEM, name="Harbor", phone="", address="", npi=npi
    )
    assert record.npi == npi


@pytest.mark.parametrize("npi", ["1234567890", "3234567893", "12345", "abcdefghij"])
def test_an_npi_with_a_bad_check_digit_or_form_is_refused(session: Session, npi: str) -> None:
    service.create_program(session, actor=SYSTEM, name="Harbor", time_zone="UTC")
    with pytest.raises(Invalid) as refused:
        service.update_program(session, actor=SYSTEM, name="Harbor", phone="", address="", npi=npi)
    assert refused.value.field == "npi"
