"""`stepdown backup PATH` and `stepdown restore PATH`: a backup is only as good as its
restore, so every restore is checked (migrations, schema, SQLite's integrity check, the
audit chain and its checkpoints) and summarized before the command says it is done.

``-`` writes the backup to standard output and reads a restore from standard input, so a
backup can go straight through age or gpg and never rest on disk unencrypted (but for a
temporary file in a private directory, removed at once).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from stepdown.audit import service as audit_service
from stepdown.cli import audit as audit_cli
from stepdown.cli import context
from stepdown.kit import backup as backups
from stepdown.kit import migrate
from stepdown.kit.backup import BackupError, BackupInfo
from stepdown.kit.db import make_sessionmaker, session_scope
from stepdown.models import Base

STDIO = "-"


@contextmanager
def _private_file() -> Iterator[Path]:
    """A file name in a fresh directory only we may enter (0700), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="stepdown-backup-") as directory:
        yield Path(directory) / "backup"


def backup(
    path: str = typer.Argument(
        ..., help="New file to write (mode 0600), or - for standard output."
    ),
) -> None:
    """Back up the database: SQLite online (the server may keep running), PostgreSQL with
    pg_dump's custom format."""
    url = context.settings().effective_database_url
    try:
        if path != STDIO:
            backups.backup(url, Path(path))
            typer.echo(f"backup written to {path} ({Path(path).stat().st_size} bytes)")
            return
        with _private_file() as file:
            backups.backup(url, file)
            with file.open("rb") as handle:
                shutil.copyfileobj(handle, sys.stdout.buffer)
            sys.stdout.buffer.flush()
    except BackupError as exc:
        context.fail(str(exc))


@contextmanager
def _source(path: str) -> Iterator[Path]:
    if path != STDIO:
        yield Path(path)
        return
    with _private_file() as file:
        with file.open("wb") as handle:
            shutil.copyfileobj(sys.stdin.buffer, handle)
        yield file


def _known(engine: Engine, revision: str) -> bool:
    try:
        return (
            ScriptDirectory.from_config(migrate.alembic_config(engine)).get_revision(revision)
            is not None
        )
    except CommandError:
        return False


def _refusal(engine: Engine, path: str, info: BackupInfo, *, force: bool) -> str:
    """Why the restore must not start, or "": checked before the database is touched."""
    if info.revision is None:
        return f"{path}: holds no Stepdown database (no migration revision in it)"
    if not _known(engine, info.revision):
        return (
            f"{path}: made by a newer Stepdown (migration {info.revision}); "
            "restore it with that version"
        )
    if info.kind != backups.kind_of(engine.url):
        return f"{path}: a {info.kind} backup; the database here is {engine.url.get_backend_name()}"
    if not force and not backups.is_empty(engine):
        return (
            "the database already has tables: pass --force to replace it "
            "(stop the server and workers first)"
        )
    return ""


@dataclass(frozen=True)
class Summary:
    lines: list[str]
    ok: bool


def _schema_gaps(engine: Engine) -> list[str]:
    """Tables and columns the models expect that the restored database lacks."""
    inspector = inspect(engine)
    present = set(inspector.get_table_names())
    gaps = []
    for name, model_table in Base.metadata.tables.items():
        if name not in present:
            gaps.append(name)
            continue
        columns = {c["name"] for c in inspector.get_columns(name)}
        gaps += [f"{name}.{c.name}" for c in model_table.columns if c.name not in columns]
    return gaps


def check_restored(engine: Engine, *, checkpoint_path: Path) -> Summary:
    """Bring the restored database to the newest migration, then check it: schema, SQLite's
    integrity, the audit chain against the checkpoints; with row counts for the record."""
    lines = []
    revision = migrate.current_revision(engine)
    head = migrate.head_revision(engine)
    if revision != head:
        migrate.upgrade(engine)
        lines.append(f"schema: upgraded from migration {revision} to {head}")
    gaps = _schema_gaps(engine)
    lines.append(
        f"schema: missing {', '.join(gaps[:5])}"
        if gaps
        else f"schema: at the newest migration ({head}), every table and column present"
    )
    integrity = "ok"  # pg_restore ran in one transaction that stopped at any error
    if engine.url.get_backend_name() == "sqlite":
        integrity = backups.sqlite_integrity(engine.url)
        lines.append(f"integrity: {integrity}")
    counts = backups.row_counts(engine)
    lines.append(
        f"rows: {sum(counts.values())} in {len(counts)} tables "
        f"(audit_entry {counts.get('audit_entry', 0)})"
    )
    with session_scope(make_sessionmaker(engine)) as session:
        checked = audit_service.verify_restored(session, checkpoint_path=checkpoint_path)
    lines.append(f"audit: {audit_cli.describe(checked.result)}")
    if checked.marker is not None:
        lines.append(
            f"audit: {len(checked.discarded)} checkpoint(s) name entries after "
            f"{checked.marker.seq}, which the restore discarded; recorded the restore in "
            f"{checkpoint_path}"
        )
    elif checked.discarded:
        lines.append(
            f"audit: {len(checked.discarded)} checkpoint(s) name entries beyond the restored "
            "trail; the restore is not recorded until the chain holds"
        )
    return Summary(lines, not gaps and integrity == "ok" and checked.result.ok)


def restore(
    path: str = typer.Argument(..., help="Backup file, or - for standard input."),
    force: bool = typer.Option(
        False, "--force", help="Replace a database that already has tables."
    ),
) -> None:
    """Restore a backup into the configured database, then check and summarize it; exit 1
    if a check fails. Stop the server and workers first."""
    engine = context.engine()
    audit_cli.keyring()  # a missing key stops us before the database is touched
    with _source(path) as source:
        try:
            info = backups.inspect_backup(source)
            refusal = _refusal(engine, path, info, force=force)
            if refusal:
                context.fail(refusal)
            backups.restore(engine, source, info)
        except BackupError as exc:
            context.fail(str(exc))
        except SQLAlchemyError as exc:  # the database is not there, or refuses us
            context.fail(f"database: {str(getattr(exc, 'orig', None) or exc).splitlines()[0]}")
    typer.echo(f"restored {path} ({info.kind}, migration {info.revision})")
    summary = check_restored(
        engine, checkpoint_path=context.settings().effective_audit_checkpoint_file
    )
    for line in summary.lines:
        typer.echo(line)
    if not summary.ok:
        typer.echo("restore check FAILED: see above", err=True)
        raise typer.Exit(1)
