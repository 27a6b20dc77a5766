"""Alembic environment: the engine comes from the caller (CLI, tests) or from settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from stepdown.kit.db import make_engine
from stepdown.models import Base
from stepdown.settings import Settings

config = context.config
engine: Engine | None = config.attributes.get("engine")
if engine is None:
    engine = make_engine(Settings().effective_database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
