"""The audit trail: same-transaction writes, append-only, and a chain that exposes edits."""

from __future__ import annotations

import itertools
import uuid

import pytest
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from stepdown.audit import service
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.audit.schemas import AuditFilter
from stepdown.kit.errors import Forbidden
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_site, make_user


def _write_some(session: Session, count: int = 5) -> list[AuditEntry]:
    return [
        service.record(
            session,
            actor=SYSTEM,
            action=AuditAction.READ,
            entity_type="client",
            entity_id=f"id-{i}",
            detail={"i": i},
        )
        for i in range(count)
    ]


def test_entries_chain_and_verify(session: Session) -> None:
    entries = _write_some(session)
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    result = service.verify_chain(session)
    assert result.ok
    assert result.checked >= 5


def test_a_long_list_of_reads_chains_in_seq_order(session: Session) -> None:
    """The reads of one list page are flushed as one batch; seq must follow the chain."""
    ids = [uuid.uuid4() for _ in range(500)]
    service.record_reads(session, actor=SYSTEM, entity_type="client", client_ids=ids)
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(500)).all()
    assert [row.client_id for row in reversed(rows)] == ids
    assert service.verify_chain(session).ok


def _disable_append_only(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
    else:
        connection.execute(text("DROP TRIGGER audit_entry_no_update"))
        connection.execute(text("DROP TRIGGER audit_entry_no_delete"))


def test_editing_an_old_entry_breaks_the_chain_at_that_entry(session: Session) -> None:
    entries = _write_some(session, 6)
    target = entries[2]
    connection = session.connection()
    _disable_append_only(connection)  # what someone with direct database access could do
    connection.execute(
        text("UPDATE audit_entry SET actor_label = 'someone-else' WHERE seq = :seq"),
        {"seq": target.seq},
    )
    session.expire_all()
    result = service.verify_chain(session)
    assert not result.ok
    assert result.first_broken_seq == target.seq
    assert "no longer matches" in result.problem


def test_deleting_an_entry_breaks_the_chain_after_the_gap(session: Session) -> None:
    entries = _write_some(session, 4)
    connection = session.connection()
    _disable_append_only(connection)
    connection.execute(text("DELETE FROM audit_entry WHERE seq = :seq"), {"seq": entries[1].seq})
    session.expire_all()
    result = service.verify_chain(session)
    assert result.first_broken_seq == entries[2].seq
    assert "does not chain" in result.problem


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_entry SET ip = 'x'", "DELETE FROM audit_entry"]
)
def test_database_refuses_updates_and_deletes(session: Session, statement: str) -> None:
    _write_some(session, 1)
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))


def test_change_and_audit_roll_back_together(session: Session) -> None:
    site = make_site(session)
    session.commit()
    before = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    nested = session.begin_nested()
    make_client(session, site=site)
    nested.rollback()
    after = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    assert after == before


def test_search_filters_and_records_its_own_read(session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    client = make_client(session, site=site, clinician=clinician)
    director = Actor(user_id=None, role=Role.DIRECTOR, username="dir")
    found = service.search(
        session,
        actor=director,
        criteria=AuditFilter(client_id=client.id, action=AuditAction.CREATE),
    )
    assert [e.entity_id for e in found] == [str(client.id)]
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert last.entity_type == "audit_log"
    assert last.actor_label == "dir"


def test_only_directors_and_admins_search(session: Session) -> None:
    clinician = Actor(user_id=None, role=Role.CLINICIAN, username="c")
    with pytest.raises(Forbidden):
        service.search(session, actor=clinician, criteria=AuditFilter())
