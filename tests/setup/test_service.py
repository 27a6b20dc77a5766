"""Initialising a program, the checklist's facts, and closing a site nobody needs."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from stepdown.kit.errors import Conflict, Forbidden
from stepdown.programs import service as programs_service
from stepdown.security import passwords
from stepdown.security.roles import Role
from stepdown.security.service import actor_for
from stepdown.setup import service
from tests.factories import SYSTEM, make_client, make_episode, make_room, make_site, make_user


def test_initialize_creates_the_program_and_its_first_administrator(session: Session) -> None:
    password = passwords.generate_password()
    first = service.initialize(
        session,
        actor=SYSTEM,
        program_name="Harbor Street Recovery",
        time_zone="America/Chicago",
        admin_username="Ada",
        admin_name="Ada Admin",
        password=password,
    )
    assert first.admin.role is Role.ADMIN
    assert first.admin.username == "ada"
    assert passwords.verify_password(first.admin.password_hash, password)
    assert first.program.time_zone == "America/Chicago"
    assert service.holds_program(session)


def test_initialize_refuses_a_database_that_already_has_accounts(session: Session) -> None:
    make_user(session, role=Role.ADMIN)
    with pytest.raises(Conflict) as refused:
        service.initialize(
            session,
            actor=SYSTEM,
            program_name="Second",
            time_zone="UTC",
            admin_username="eve",
            admin_name="Eve",
            password=passwords.generate_password(),
        )
    assert refused.value.rule == service.PROGRAM_EXISTS
    assert programs_service.program(session) is None


def test_only_the_command_line_initialises(session: Session) -> None:
    admin = make_user(session, role=Role.ADMIN)
    with pytest.raises(Forbidden):
        service.initialize(
            session,
            actor=actor_for(admin),
            program_name="Mine",
            time_zone="UTC",
            admin_username="mallory",
            admin_name="Mallory",
            password=passwords.generate_password(),
        )


def test_generated_passwords_pass_the_policy_and_differ() -> None:
    made = {passwords.generate_password("ada") for _ in range(50)}
    assert len(made) == 50
    for password in made:
        passwords.check_policy(password, username="ada")


def test_a_draw_that_holds_the_username_is_drawn_again() -> None:
    """With a one-letter username nearly every draw holds it: the generator must keep
    drawing until the policy takes one, never hand out a refused password."""
    for _ in range(20):
        password = passwords.generate_password("z")
        assert "z" not in password
        passwords.check_policy(password, username="z")


def test_facts_follow_the_data(session: Session) -> None:
    site = make_site(session)
    make_room(session, site)
    bare = make_site(session)
    make_user(session, role=Role.CLINICIAN, site=site)
    facts = service.setup_facts(session, actor=SYSTEM, on=date(2027, 1, 4))
    assert facts.open_sites >= 2
    assert bare.code in facts.open_sites_without_rooms
    assert site.code not in facts.open_sites_without_rooms
    assert facts.clinical_staff >= 1
    assert "Test Clinician" in facts.staff_without_profile
    assert facts.in_house_levels > 0  # the catalog the migrations seed


def test_a_clinician_does_not_see_the_checklist(session: Session) -> None:
    clinician = make_user(session, role=Role.CLINICIAN)
    with pytest.raises(Forbidden):
        service.setup_facts(session, actor=actor_for(clinician), on=date(2027, 1, 4))


def test_a_site_with_clients_in_care_or_staff_does_not_close(session: Session) -> None:
    site = make_site(session)
    make_episode(session, client=make_client(session, site=site))
    make_user(session, role=Role.CLINICIAN, site=site)
    with pytest.raises(Conflict) as refused:
        service.close_site(session, actor=SYSTEM, site_id=site.id, on=date(2027, 1, 4))
    assert refused.value.rule == service.SITE_IN_USE
    assert "1 client(s) in care and 1 active staff account(s)" in refused.value.message
    assert site.closed_on is None


def test_an_unused_site_closes_and_reopens(session: Session) -> None:
    site = make_site(session)
    service.close_site(session, actor=SYSTEM, site_id=site.id, on=date(2027, 1, 4))
    assert site.closed_on == date(2027, 1, 4)
    service.reopen_site(session, actor=SYSTEM, site_id=site.id)
    assert site.closed_on is None
