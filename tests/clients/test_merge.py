"""Merging two records of one person, and undoing it: on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.alerts.models import Alert
from stepdown.audit.models import AuditEntry
from stepdown.clients import care_team, merge, repository, service
from stepdown.clients.models import CareTeamMember, CareTeamRole, Client
from stepdown.continuum.models import Episode
from stepdown.kit.errors import Conflict, Forbidden
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_alert, make_client, make_episode, make_site, make_user

MERGED_AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _director(session: Session) -> Actor:
    user = make_user(session, role=Role.DIRECTOR)
    return Actor(user_id=user.id, role=Role.DIRECTOR, username=user.username)


def _pair(session: Session) -> tuple[Client, Client]:
    site = make_site(session)
    survivor = make_client(
        session, site=site, legal_first_name="Dana", legal_last_name="Reyes", phone=""
    )
    duplicate = make_client(
        session,
        site=site,
        legal_first_name="Danna",
        legal_last_name="Reyes",
        phone="555-010-7788",
        pronouns="she/her",
    )
    return survivor, duplicate


def _count(session: Session, model: type[Episode] | type[Alert], client: Client) -> int:
    return (
        session.scalar(select(func.count()).select_from(model).where(model.client_id == client.id))
        or 0
    )


def test_merge_moves_every_row_and_hides_the_duplicate(session: Session) -> None:
    director = _director(session)
    survivor, duplicate = _pair(session)
    make_episode(session, client=duplicate, on=date(2026, 1, 5))
    make_alert(session, client=duplicate)
    record = merge.merge(
        session,
        actor=director,
        source_id=duplicate.id,
        target_id=survivor.id,
        reason="same person, registered twice",
        now=MERGED_AT,
    )
    assert _count(session, Episode, survivor) == 1
    assert _count(session, Alert, survivor) == 1
    assert _count(session, Episode, duplicate) == 0
    assert record.moved["episode.client_id"]
    # The survivor's empty fields took the duplicate's; its identity did not change.
    assert (survivor.phone, survivor.pronouns) == ("555-010-7788", "she/her")
    assert survivor.legal_first_name == "Dana"
    found = service.search_clients(session, actor=director, query="Reyes")
    assert [c.id for c in found] == [survivor.id]
    assert merge.merges_of(session, client_id=survivor.id)[0][1] == duplicate.record_number
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "client_merge")
    ).all()
    assert {e.client_id for e in entries if e.action.value == "update"} == {
        survivor.id,
        duplicate.id,
    }


def test_undo_puts_back_exactly_what_moved(session: Session) -> None:
    director = _director(session)
    survivor, duplicate = _pair(session)
    make_episode(session, client=duplicate, on=date(2026, 1, 5))
    record = merge.merge(
        session,
        actor=director,
        source_id=duplicate.id,
        target_id=survivor.id,
        reason="same person",
        now=MERGED_AT,
    )
    # Recorded on the survivor after the merge: stays with it.
    later = make_alert(session, client=survivor)
    survivor_after = session.get(Client, survivor.id)
    assert survivor_after is not None
    merge.undo(session, actor=director, merge_id=record.id, now=MERGED_AT + timedelta(days=29))
    assert _count(session, Episode, duplicate) == 1
    assert _count(session, Episode, survivor) == 0
    assert session.get(Alert, later.id).client_id == survivor.id  # type: ignore[union-attr]
    assert survivor.phone == ""
    assert survivor.pronouns == ""
    assert duplicate.phone == "555-010-7788"
    visible = session.scalars(repository.readable(director)).all()
    assert {survivor.id, duplicate.id} <= {c.id for c in visible}
    with pytest.raises(Conflict, match="already been undone"):
        merge.undo(session, actor=director, merge_id=record.id, now=MERGED_AT)


def test_undo_is_refused_after_thirty_days(session: Session) -> None:
    director = _director(session)
    survivor, duplicate = _pair(session)
    record = merge.merge(
        session,
        actor=director,
        source_id=duplicate.id,
        target_id=survivor.id,
        reason="same person",
        now=MERGED_AT,
    )
    with pytest.raises(Conflict, match="30 days"):
        merge.undo(session, actor=director, merge_id=record.id, now=MERGED_AT + timedelta(days=31))


def test_two_open_episodes_clash(session: Session) -> None:
    director = _director(session)
    survivor, duplicate = _pair(session)
    make_episode(session, client=survivor, on=date(2026, 1, 5))
    make_episode(session, client=duplicate, on=date(2026, 1, 6))
    found = merge.preview(session, actor=director, source_id=duplicate.id, target_id=survivor.id)
    assert any("open episode" in c for c in found.clashes)
    with pytest.raises(Conflict, match="open episode"):
        merge.merge(
            session, actor=director, source_id=duplicate.id, target_id=survivor.id, reason="x"
        )
    assert _count(session, Episode, duplicate) == 1


def test_survivors_care_team_stands_and_undo_restores_the_duplicates(session: Session) -> None:
    director = _director(session)
    survivor, duplicate = _pair(session)
    first, second = (
        make_user(session, role=Role.CASE_MANAGER),
        make_user(session, role=Role.CASE_MANAGER),
    )
    for client, manager in ((survivor, first), (duplicate, second)):
        care_team.assign(
            session,
            actor=SYSTEM,
            client_id=client.id,
            primary_clinician_id=None,
            case_manager_id=manager.id,
        )
    record = merge.merge(
        session,
        actor=director,
        source_id=duplicate.id,
        target_id=survivor.id,
        reason="same person",
        now=MERGED_AT,
    )
    members = session.scalars(select(CareTeamMember)).all()
    assert [(m.client_id, m.user_id) for m in members if m.role is CareTeamRole.CASE_MANAGER] == [
        (survivor.id, first.id)
    ]
    merge.undo(session, actor=director, merge_id=record.id, now=MERGED_AT)
    restored = {
        m.client_id: m.user_id
        for m in session.scalars(select(CareTeamMember))
        if m.role is CareTeamRole.CASE_MANAGER
    }
    assert restored == {survivor.id: first.id, duplicate.id: second.id}


def test_only_a_director_merges(session: Session) -> None:
    survivor, duplicate = _pair(session)
    clinician = make_user(session, role=Role.CLINICIAN)
    actor = Actor(user_id=clinician.id, role=Role.CLINICIAN, username=clinician.username)
    with pytest.raises(Forbidden):
        merge.merge(session, actor=actor, source_id=duplicate.id, target_id=survivor.id, reason="x")


def test_a_merged_record_cannot_be_merged_again(session: Session) -> None:
    director = _director(session)
    survivor, duplicate = _pair(session)
    merge.merge(session, actor=director, source_id=duplicate.id, target_id=survivor.id, reason="x")
    third = make_client(session, site=make_site(session))
    with pytest.raises(Conflict, match="merged into another"):
        merge.preview(session, actor=director, source_id=duplicate.id, target_id=third.id)
