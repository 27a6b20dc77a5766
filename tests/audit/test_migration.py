"""The audit key migration: old entries keep verifying by the old rule, nothing is
rewritten, and the append-only triggers survive (SQLite must not copy the table)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import DBAPIError

from stepdown.audit import service
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.audit.rules import GENESIS_HASH, entry_hash
from stepdown.kit import migrate
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from tests import databases
from tests.factories import SYSTEM

REVISION = "276902505b1b"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(databases.sqlite_url(tmp_path / "m.db"))
        yield engine
        engine.dispose()
        return
    base = databases.pg_base_url()
    if base is None:
        pytest.skip(databases.PG_SKIP_REASON)
    with databases.fresh_pg_database(base) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def _before(engine: Engine) -> str:
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    down = script.get_revision(REVISION).down_revision
    assert isinstance(down, str)
    return down


def _old_entries(engine: Engine, count: int) -> list[str]:
    """Entries as the code before the key wrote them (no key_id column yet)."""
    hashes = []
    prev = GENESIS_HASH
    with engine.begin() as connection:
        for i in range(count):
            fields = {
                "occurred_at": datetime(2026, 12, 1, 9, i, tzinfo=UTC),
                "actor_id": None,
                "actor_role": "system",
                "actor_label": f"old-{i}",
                "action": AuditAction.READ.value,
                "entity_type": "client",
                "entity_id": "",
                "client_id": None,
                "ip": "",
                "request_id": "",
                "detail": {"i": i},
            }
            digest = entry_hash(prev, fields)
            values = {
                **fields,
                "action": AuditAction.READ,
                "prev_hash": prev,
                "hash": digest,
            }
            # Only the old columns: the table has no key_id yet.
            connection.execute(insert(AuditEntry.__table__).values(values))
            hashes.append(digest)
            prev = digest
    return hashes


def _updates_refused(engine: Engine) -> bool:
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE audit_entry SET ip = 'x'"))
    except DBAPIError as exc:
        return "append-only" in str(exc)
    return False


def test_old_entries_verify_after_the_upgrade_and_new_ones_chain_onto_them(
    engine: Engine,
) -> None:
    migrate.upgrade(engine, _before(engine))
    old = _old_entries(engine, 3)
    migrate.upgrade(engine, REVISION)
    assert _updates_refused(engine)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        assert session.scalars(select(AuditEntry.hash).order_by(AuditEntry.seq)).all() == old
        result = service.verify_chain(session)
        assert (result.ok, result.checked, result.unkeyed) == (True, 3, 3)
        service.record(session, actor=SYSTEM, action=AuditAction.READ, entity_type="client")
        service.write_pending(session)
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        assert entry.prev_hash == old[-1]
        assert entry.key_id is not None
    with session_scope(factory) as session:
        result = service.verify_chain(session)
        assert (result.ok, result.checked, result.unkeyed) == (True, 4, 3)


def test_downgrade_keeps_the_append_only_triggers(engine: Engine) -> None:
    migrate.upgrade(engine, REVISION)
    _old_entries(engine, 1)
    migrate.downgrade(engine, _before(engine))
    assert _updates_refused(engine)
    migrate.upgrade(engine, REVISION)
    assert _updates_refused(engine)
