"""The engine's SQLite settings and UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stepdown.kit.db import make_engine
from stepdown.kit.orm import UTCDateTime
from stepdown.programs.models import Room
from tests.factories import make_site


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_foreign_keys_are_enforced(session: Session) -> None:
    import uuid

    session.add(Room(site_id=uuid.uuid4(), code="R1", name="Orphan", capacity=5))
    with pytest.raises(IntegrityError):
        session.flush()


def test_timestamps_come_back_in_utc(session: Session, engine: Engine) -> None:
    site = make_site(session)
    session.expire(site)
    assert site.created_at.tzinfo is not None
    assert site.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), dialect=None)  # type: ignore[arg-type]  # noqa: DTZ001
    aware = datetime(2026, 1, 1, tzinfo=UTC)
    assert UTCDateTime().process_bind_param(aware, dialect=None) == aware  # type: ignore[arg-type]
