"""The demo database survives a backup and a restore on each database: every table keeps
its rows, the audit chain and its checkpoints hold, and a chart still opens."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from stepdown.audit import checkpoints, keys
from stepdown.chart import service as chart_service
from stepdown.cli.backup import check_restored
from stepdown.clients.models import Client
from stepdown.demo.seed import seed
from stepdown.documents.storage import LocalDirectoryStorage
from stepdown.kit import backup, migrate
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from tests import databases
from tests.factories import SYSTEM
from tests.ops.conftest import fresh_database

DIRECTOR = Actor(user_id=None, role=Role.DIRECTOR, username="restore.check")


def test_the_demo_database_round_trips(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "demo.backup"
    checkpoint_file = tmp_path / "var" / "audit_checkpoints"
    with (
        fresh_database(kind, tmp_path, "source") as source_url,
        fresh_database(kind, tmp_path, "target") as target_url,
    ):
        databases.migrated(source_url)
        source = make_engine(source_url)
        with session_scope(make_sessionmaker(source)) as session:
            seed(
                session,
                actor=SYSTEM,
                secret_key="round-trip",
                documents=LocalDirectoryStorage(tmp_path / "documents"),
                history=False,
            )
        with session_scope(make_sessionmaker(source)) as session:
            checkpoints.write(session, keyring=keys.active(), path=checkpoint_file)
        before = backup.row_counts(source)
        source.dispose()
        backup.backup(source_url, path)

        target = make_engine(target_url)
        info = backup.inspect_backup(path)
        assert (info.kind, info.revision) == (kind, migrate.head_revision(target))
        backup.restore(target, path, info)
        summary = check_restored(target, checkpoint_path=checkpoint_file)
        assert summary.ok, summary.lines
        assert "audit: ok:" in "\n".join(summary.lines)
        assert "1 checkpoint(s) hold" in "\n".join(summary.lines)
        assert backup.row_counts(target) == before
        assert before["audit_entry"] > 1000

        with session_scope(make_sessionmaker(target)) as session:
            client = session.scalars(
                select(Client).where(Client.record_number == "DEMO-0001")
            ).one()
            chart = chart_service.build(session, actor=DIRECTOR, client_id=client.id, tab="care")
            assert chart.client.id == client.id
            assert chart.episodes
        target.dispose()
