"""The audit trail: same-transaction writes, append-only, and a keyed chain that exposes
edits, even by someone who recomputes every later hash."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Select, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from stepdown.audit import keys, service
from stepdown.audit.keys import Keyring
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.audit.rules import GENESIS_HASH, entry_hash, entry_mac
from stepdown.audit.schemas import AuditFilter
from stepdown.clients.models import Client
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Forbidden
from stepdown.programs.models import Site
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from tests.audit.conftest import new_key
from tests.audit.forgery import disable_append_only, rewrite_from, tamper
from tests.factories import SYSTEM, make_client, make_site, make_user


def _newest(session: Session, count: int) -> list[AuditEntry]:
    """The ``count`` newest entries, oldest first."""
    newest = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(count))
    return list(reversed(newest.all()))


def _write_some(session: Session, count: int = 5) -> list[AuditEntry]:
    """Entries chained at once (``record`` only stages them until the transaction
    commits), read back."""
    for i in range(count):
        service.record(
            session,
            actor=SYSTEM,
            action=AuditAction.READ,
            entity_type="client",
            entity_id=f"id-{i}",
            detail={"i": i},
        )
    service.write_pending(session)
    return _newest(session, count)


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


def test_editing_an_old_entry_breaks_the_chain_at_that_entry(session: Session) -> None:
    entries = _write_some(session, 6)
    target = entries[2]
    connection = session.connection()
    disable_append_only(connection)  # what someone with direct database access could do
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
    disable_append_only(connection)
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


def test_entries_are_signed_with_the_current_key(session: Session, keyring: Keyring) -> None:
    entry = _write_some(session, 1)[0]
    fields = service.hashed_fields(entry)
    assert entry.key_id == keyring.current.id
    assert fields["key_id"] == keyring.current.id
    assert entry.hash == entry_mac(keyring.current.secret, entry.prev_hash, fields)
    assert entry.hash != entry_hash(entry.prev_hash, fields)


def test_an_edit_rehashed_with_the_public_rule_fails_at_that_entry(session: Session) -> None:
    """The attack the key stops: edit, then recompute every later hash with SHA-256."""
    entries = _write_some(session, 6)
    disable_append_only(session.connection())
    tamper(session, entries[2].seq)
    rewrite_from(session, entries[2].seq, entry_hash)
    result = service.verify_chain(session)
    assert result.first_broken_seq == entries[2].seq
    assert "no longer matches" in result.problem
    assert result.checked == 2


def test_dropping_the_key_ids_to_pass_as_old_entries_fails(session: Session) -> None:
    entries = _write_some(session, 6)
    disable_append_only(session.connection())
    tamper(session, entries[2].seq)
    rewrite_from(session, entries[2].seq, entry_hash, key_id=None)
    result = service.verify_chain(session)
    assert result.first_broken_seq == entries[2].seq
    assert "no key id though the entries before it were keyed" in result.problem


@pytest.mark.parametrize("claim_real_id", [True, False])
def test_without_the_key_a_forger_cannot_sign(
    session: Session, keyring: Keyring, claim_real_id: bool
) -> None:
    entries = _write_some(session, 4)
    forger = new_key()
    disable_append_only(session.connection())
    tamper(session, entries[1].seq)
    rewrite_from(
        session,
        entries[1].seq,
        lambda prev, fields: entry_mac(forger.secret, prev, fields),
        key_id=keyring.current.id if claim_real_id else forger.id,
    )
    result = service.verify_chain(session)
    assert result.first_broken_seq == entries[1].seq
    expected = "no longer matches" if claim_real_id else f"audit key {forger.id}, which is not"
    assert expected in result.problem


def test_a_rotated_key_keeps_old_entries_verifying(session: Session, keyring: Keyring) -> None:
    old_entries = _write_some(session, 3)
    new = new_key()
    rotated = Keyring(current=new, retired=(keyring.current,))
    keys.install(rotated)
    new_entries = _write_some(session, 3)
    assert {e.key_id for e in old_entries} == {keyring.current.id}
    assert {e.key_id for e in new_entries} == {new.id}
    assert new_entries[0].prev_hash == old_entries[-1].hash
    assert service.verify_chain(session).ok
    without_old = service.verify_chain(session, keyring=Keyring(current=new))
    assert without_old.first_broken_seq == old_entries[0].seq
    assert "not in the keyring" in without_old.problem


def _unkeyed(session: Session, prev: str, label: str) -> AuditEntry:
    """An entry as written before the chain was keyed: no key id, plain SHA-256."""
    entry = AuditEntry(
        occurred_at=utc_now(),
        actor_id=None,
        actor_role="system",
        actor_label=label,
        action=AuditAction.READ,
        entity_type="client",
        entity_id="",
        client_id=None,
        ip="",
        request_id="",
        detail={},
        prev_hash=prev,
        key_id=None,
    )
    entry.hash = entry_hash(prev, service.hashed_fields(entry))
    session.add(entry)
    session.flush()
    return entry


def test_old_unkeyed_entries_verify_and_the_first_keyed_one_chains_onto_them(
    session: Session,
) -> None:
    first = _unkeyed(session, GENESIS_HASH, "before-1")
    second = _unkeyed(session, first.hash, "before-2")
    keyed = _write_some(session, 2)
    assert keyed[0].prev_hash == second.hash
    result = service.verify_chain(session)
    assert result.ok, result.problem
    assert (result.checked, result.unkeyed) == (4, 2)
    # The rule for old entries stays the public one: an edit there is still caught.
    disable_append_only(session.connection())
    tamper(session, first.seq)
    session.expire_all()
    assert service.verify_chain(session).first_broken_seq == first.seq


def _entity_ids(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(AuditEntry.entity_id)
            .where(AuditEntry.entity_type == "staged")
            .order_by(AuditEntry.seq)
        )
    )


def _stage(session: Session, name: str) -> None:
    service.record(
        session, actor=SYSTEM, action=AuditAction.READ, entity_type="staged", entity_id=name
    )


def test_staged_entries_follow_savepoints(session: Session) -> None:
    """Entries join the chain at commit; one staged inside a savepoint that rolls back goes
    with it, and ones staged before or after it stay."""
    _stage(session, "before")
    nested = session.begin_nested()
    _stage(session, "inside")
    nested.rollback()
    _stage(session, "after")
    kept = session.begin_nested()
    _stage(session, "inside-kept")
    kept.commit()
    session.commit()
    assert _entity_ids(session) == ["before", "after", "inside-kept"]
    assert service.verify_chain(session).ok


def test_a_session_reads_what_it_staged(session: Session) -> None:
    _stage(session, "mine")
    assert _entity_ids(session) == ["mine"]


_OWN_READS = {
    "its entries": lambda: select(func.count(AuditEntry.seq)).where(
        AuditEntry.entity_type == "staged"
    ),
    "a count selected from it": lambda: (
        select(func.count()).select_from(AuditEntry).where(AuditEntry.entity_type == "staged")
    ),
    "a join onto it": lambda: (
        select(func.count(Client.id))
        .join(AuditEntry, AuditEntry.client_id == Client.id)
        .where(AuditEntry.entity_type == "staged")
    ),
    "a join onto an alias of it": lambda: _via_alias(aliased(AuditEntry)),
    "a count from a join with its table": lambda: (
        select(func.count())
        .select_from(
            Client.__table__.join(
                AuditEntry.__table__, AuditEntry.__table__.c.client_id == Client.__table__.c.id
            )
        )
        .where(AuditEntry.__table__.c.entity_type == "staged")
    ),
}


def _via_alias(alias: type[AuditEntry]) -> Select[tuple[int]]:
    return (
        select(func.count(Client.id))
        .join(alias, alias.client_id == Client.id)
        .where(alias.entity_type == "staged")
    )


@pytest.mark.parametrize("query", list(_OWN_READS))
def test_every_shape_of_trail_query_reads_what_was_staged(session: Session, query: str) -> None:
    """However a query reaches the trail (its columns, select_from, a join), what the
    session staged is chained first; a query of other tables leaves it staged."""
    person = make_client(session, site=make_site(session))
    service.record(
        session,
        actor=SYSTEM,
        action=AuditAction.READ,
        entity_type="staged",
        entity_id=person.id,
        client_id=person.id,
    )
    session.scalars(select(Client.id).where(Client.id == person.id)).all()
    session.scalars(select(Client.id).join(Site, Site.id == Client.site_id)).all()
    assert session.info.get(service._PENDING)
    assert session.scalar(_OWN_READS[query]()) == 1
    assert not session.info.get(service._PENDING)


def test_a_rolled_back_transaction_leaves_no_entries(session: Session) -> None:
    _stage(session, "gone")
    session.rollback()
    _stage(session, "kept")
    session.commit()
    assert _entity_ids(session) == ["kept"]


def test_entries_of_a_released_savepoint_go_when_its_parent_rolls_back(session: Session) -> None:
    outer = session.begin_nested()
    inner = session.begin_nested()
    _stage(session, "inner")
    inner.commit()
    _stage(session, "outer")
    outer.rollback()
    _stage(session, "kept")
    session.commit()
    assert _entity_ids(session) == ["kept"]


def test_an_entry_keeps_every_value_as_given(session: Session) -> None:
    """PostgreSQL gets a batch as array literals and SQLite row by row; either way each
    value reads back as given (quotes, backslashes, braces, commas, NULL-looking text,
    non-Latin text, nested detail, an instant given in another zone) and the chain
    verifies."""
    director = make_user(session, role=Role.DIRECTOR)
    person = make_client(session, site=make_site(session))
    actor = Actor(user_id=director.id, username='o"brien\\{x,y}', role=Role.DIRECTOR)
    detail = {"reason": 'said "NULL", {a,b} \\ done', "ids": [1, 2], "nested": {"ü": "日本"}}
    given_at = datetime(2026, 3, 8, 1, 59, 59, 123456, tzinfo=ZoneInfo("America/New_York"))
    kinds = ("NULL", "", "a,b", "{x}", 'q"q')
    for kind in kinds:
        service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type="kept",
            entity_id=kind,
            client_id=person.id,
            detail=detail,
            occurred_at=given_at,
        )
    service.record(session, actor=SYSTEM, action=AuditAction.READ, entity_type="kept")
    session.commit()
    kept = list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "kept").order_by(AuditEntry.seq)
        )
    )
    assert [e.entity_id for e in kept] == [*kinds, ""]
    for entry in kept[:-1]:
        assert entry.actor_id == director.id
        assert entry.actor_label == 'o"brien\\{x,y}'
        assert entry.action is AuditAction.UPDATE
        assert entry.client_id == person.id
        assert entry.detail == detail
        assert entry.occurred_at == given_at
    assert kept[-1].actor_id is None
    assert kept[-1].client_id is None
    assert kept[-1].detail == {}
    assert service.verify_chain(session).ok
