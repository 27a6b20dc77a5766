"""The care team: who assigns whom, the clients waiting for a clinician, and the audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.clients import care_team
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType
from stepdown.kit.clock import today
from stepdown.kit.errors import Forbidden, Invalid, NotFound
from stepdown.security.roles import Role
from stepdown.security.service import actor_for
from tests.factories import SYSTEM, make_client, make_episode, make_site, make_user


def _care_team_changes(session: Session, client: Client) -> list[dict[str, object]]:
    return [
        e.detail["changes"]
        for e in session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "care_team", AuditEntry.client_id == client.id)
            .order_by(AuditEntry.seq)
        )
    ]


def test_the_director_assigns_and_changes_the_team_with_the_old_member_audited(
    session: Session,
) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR)
    first, second = (make_user(session, role=Role.CLINICIAN, site=site) for _ in range(2))
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site)
    care_team.assign(
        session,
        actor=actor_for(director),
        client_id=person.id,
        primary_clinician_id=first.id,
        case_manager_id=manager.id,
    )
    care_team.assign(
        session,
        actor=actor_for(director),
        client_id=person.id,
        primary_clinician_id=second.id,
        case_manager_id=manager.id,
    )
    team = care_team.care_team(session, person)
    assert team.primary_clinician == second
    assert team.case_manager == manager
    changes = _care_team_changes(session, person)
    assert changes[0] == {
        "primary_clinician": {"old": None, "new": str(first.id)},
        "case_manager": {"old": None, "new": str(manager.id)},
    }
    assert changes[1] == {"primary_clinician": {"old": str(first.id), "new": str(second.id)}}


def test_members_must_be_active_staff_of_the_right_role(session: Session) -> None:
    site = make_site(session)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site)
    with pytest.raises(Invalid) as wrong_role:
        care_team.assign(
            session,
            actor=SYSTEM,
            client_id=person.id,
            primary_clinician_id=manager.id,
            case_manager_id=None,
        )
    assert wrong_role.value.field == "primary_clinician"
    manager.is_active = False
    with pytest.raises(Invalid) as inactive:
        care_team.assign(
            session,
            actor=SYSTEM,
            client_id=person.id,
            primary_clinician_id=None,
            case_manager_id=manager.id,
        )
    assert inactive.value.field == "case_manager"


def test_a_clinician_sets_the_case_manager_but_never_hands_the_client_away(
    session: Session,
) -> None:
    site = make_site(session)
    mine, other = (make_user(session, role=Role.CLINICIAN, site=site) for _ in range(2))
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site, clinician=mine)
    care_team.assign(
        session,
        actor=actor_for(mine),
        client_id=person.id,
        primary_clinician_id=mine.id,
        case_manager_id=manager.id,
    )
    with pytest.raises(Forbidden) as refused:
        care_team.assign(
            session,
            actor=actor_for(mine),
            client_id=person.id,
            primary_clinician_id=other.id,
            case_manager_id=manager.id,
        )
    assert refused.value.field == "primary_clinician"
    with pytest.raises(NotFound):  # not on the other clinician's caseload
        care_team.assign(
            session,
            actor=actor_for(other),
            client_id=person.id,
            primary_clinician_id=other.id,
            case_manager_id=None,
        )


def test_a_converted_client_waits_for_a_clinician_until_one_takes_them(
    session: Session,
) -> None:
    site, elsewhere = make_site(session), make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    away = make_user(session, role=Role.CLINICIAN, site=elsewhere)
    new = make_client(session, site=site)  # no episode yet, as after an inquiry
    admitted = make_client(session, site=site)
    make_episode(session, client=admitted)
    gone = make_client(session, site=site)
    episode = make_episode(session, client=gone)
    continuum_service.discharge(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        on=today(),
        discharge_type=DischargeType.COMPLETED,
        summary="completed the program",
    )
    waiting = {c.id for c in care_team.unassigned(session, actor=actor_for(clinician))}
    assert {new.id, admitted.id} <= waiting
    assert gone.id not in waiting
    assert new.id not in {c.id for c in care_team.unassigned(session, actor=actor_for(away))}
    with pytest.raises(NotFound):
        care_team.take(session, actor=actor_for(away), client_id=new.id)
    care_team.take(session, actor=actor_for(clinician), client_id=new.id)
    assert new.primary_clinician_id == clinician.id
    assert new.id not in {c.id for c in care_team.unassigned(session, actor=actor_for(clinician))}
    with pytest.raises(NotFound):  # taken already
        care_team.take(session, actor=actor_for(clinician), client_id=new.id)


def test_only_clinicians_take_clients(session: Session) -> None:
    site = make_site(session)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site)
    with pytest.raises(Forbidden):
        care_team.take(session, actor=actor_for(manager), client_id=person.id)


def _born_years_ago(years: int) -> object:
    day = today()
    return day.replace(year=day.year - years, day=min(day.day, 28))


def test_an_adolescent_gets_a_family_contact_and_an_adult_does_not(session: Session) -> None:
    site = make_site(session)
    director = actor_for(make_user(session, role=Role.DIRECTOR))
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    teen = make_client(session, site=site, date_of_birth=_born_years_ago(15))
    adult = make_client(session, site=site, date_of_birth=_born_years_ago(40))
    care_team.assign(
        session,
        actor=director,
        client_id=teen.id,
        primary_clinician_id=None,
        case_manager_id=None,
        family_contact_id=manager.id,
    )
    team = care_team.care_team(session, teen)
    assert team.adolescent
    assert team.family_contact == manager
    assert _care_team_changes(session, teen)[-1] == {
        "family_contact": {"old": None, "new": str(manager.id)}
    }
    # A form that does not show the family contact leaves it as it is.
    care_team.assign(
        session, actor=director, client_id=teen.id, primary_clinician_id=None, case_manager_id=None
    )
    assert care_team.care_team(session, teen).family_contact == manager
    with pytest.raises(Invalid, match="adolescents"):
        care_team.assign(
            session,
            actor=director,
            client_id=adult.id,
            primary_clinician_id=None,
            case_manager_id=None,
            family_contact_id=manager.id,
        )
    admissions = make_user(session, role=Role.ADMISSIONS, site=site)
    with pytest.raises(Invalid, match="case manager or clinician"):
        care_team.assign(
            session,
            actor=director,
            client_id=teen.id,
            primary_clinician_id=None,
            case_manager_id=None,
            family_contact_id=admissions.id,
        )
