"""Backups that restore: SQLite through its online backup API, PostgreSQL through
``pg_dump --format=custom`` and ``pg_restore``.

A backup is written under a temporary name, checked (SQLite's integrity check; pg_restore
reads the archive's table of contents) and only then given its name, mode 0600: it holds
every client's record. A backup is read before anything is restored, so a file that is not
a backup, a backup of the other database kind or one from a newer Stepdown is refused
while the target is untouched. Checking the restored database against the audit trail and
the migrations is the caller's (``stepdown restore``): this module only moves bytes.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

Kind = Literal["sqlite", "postgresql"]
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# In `pg_restore --data-only --table=alembic_version --file=-` output: the COPY block's row.
_PG_REVISION = re.compile(r"^COPY public\.alembic_version .*?;\n([0-9a-z_]+)\n\\\.", re.M)


class BackupError(Exception):
    """Bad input or a tool that failed; the message is one line for the operator."""


@dataclass(frozen=True)
class BackupInfo:
    kind: Kind
    revision: str | None  # the migration the backed-up database was at; None: not Stepdown's


def kind_of(url: str | URL) -> Kind:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {backend} database")
    return "sqlite" if backend == "sqlite" else "postgresql"


def _sqlite_path(url: str | URL) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(database)


def _libpq(url: str | URL) -> tuple[str, dict[str, str]]:
    """The URL for libpq's tools, and their environment with the password: never on the
    command line, where any local user can read it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install PostgreSQL's client tools (Debian: postgresql-client)"
        )
    return found


def _run(args: list[str], env: dict[str, str] | None = None) -> str:
    """Run a PostgreSQL tool; its first error line on failure."""
    done = subprocess.run(  # noqa: S603 - fixed tool path, arguments are not a shell line
        args, capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(lines[0] if lines else f"{Path(args[0]).name} failed")
    return done.stdout


def _private_temp(dest: Path) -> Path:
    """A temporary name beside ``dest`` (same file system, so linking it is atomic)."""
    return dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.partial")


def _check_dest(dest: Path) -> None:
    if dest.exists():
        raise BackupError(f"{dest}: already exists; choose a new name")
    if not dest.parent.is_dir():
        raise BackupError(f"{dest.parent}: no such directory")


def _sqlite_integrity(path: Path) -> str:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    finally:
        connection.close()
    return "; ".join(str(row[0]) for row in rows[:3])


def sqlite_integrity(url: str | URL) -> str:
    """SQLite's own check of every page and index: "ok", or its first findings."""
    return _sqlite_integrity(_sqlite_path(url))


def _backup_sqlite(url: str | URL, partial: Path) -> None:
    source_path = _sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"{source_path}: no database there")
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(partial)
    try:
        # One step: a single read transaction, so the copy is one consistent moment even
        # while the server keeps writing (WAL lets it).
        source.backup(target)
        # The copy is a single file: no -wal or -shm beside it to lose.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    found = _sqlite_integrity(partial)
    if found != "ok":
        raise BackupError(f"the copy failed SQLite's integrity check: {found}")


def _backup_postgresql(url: str | URL, partial: Path) -> None:
    dsn, env = _libpq(url)
    _run([_tool("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={dsn}"], env)
    _run([_tool("pg_restore"), "--list", str(partial)])  # the archive reads back


def backup(url: str | URL, dest: Path) -> None:
    """Write a backup of the database at ``url`` to the new file ``dest`` (mode 0600)."""
    _check_dest(dest)
    partial = _private_temp(dest)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if kind_of(url) == "sqlite":
            _backup_sqlite(url, partial)
        else:
            _backup_postgresql(url, partial)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.link(partial, dest)  # never over a file that appeared meanwhile
    except FileExistsError:
        raise BackupError(f"{dest}: already exists; choose a new name") from None
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)


def _sqlite_revision(path: Path) -> str | None:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        connection.close()
    return str(row[0]) if row else None


def inspect_backup(path: Path) -> BackupInfo:
    """What ``path`` holds, read without restoring it; BackupError if it is no backup."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"{path}: {exc.strerror or 'cannot be read'}") from None
    if head.startswith(SQLITE_MAGIC):
        try:
            found = _sqlite_integrity(path)
        except sqlite3.Error as exc:
            raise BackupError(f"{path}: {exc}") from None
        if found != "ok":
            raise BackupError(f"{path}: fails SQLite's integrity check: {found}")
        return BackupInfo("sqlite", _sqlite_revision(path))
    if head.startswith(PG_DUMP_MAGIC):
        listing = [_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-"]
        match = _PG_REVISION.search(_run([*listing, str(path)]))
        return BackupInfo("postgresql", match.group(1) if match else None)
    raise BackupError(f"{path}: not a Stepdown backup (neither SQLite nor pg_dump's format)")


def is_empty(engine: Engine) -> bool:
    """No tables at all: nothing a restore could overwrite."""
    return not inspect(engine).get_table_names()


def restore(engine: Engine, source: Path, info: BackupInfo) -> None:
    """Replace the database behind ``engine`` with the backup ``source`` (described by
    ``inspect_backup``). Stop the server and workers first: they would write into it."""
    url = engine.url
    if info.kind != kind_of(url):
        raise BackupError(
            f"{source}: a {info.kind} backup cannot be restored into a {kind_of(url)} database"
        )
    engine.dispose()  # no pooled connection may keep a page of the old database
    if info.kind == "sqlite":
        target_path = _sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        backup_file = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        target = sqlite3.connect(target_path, timeout=30)
        try:
            backup_file.backup(target)  # replaces every page of the target
        except sqlite3.Error as exc:
            raise BackupError(f"{target_path}: {exc}") from None
        finally:
            target.close()
            backup_file.close()
        return
    if not is_empty(engine):
        try:
            with engine.begin() as connection:
                # Everything Stepdown makes lives in the public schema; starting it afresh
                # also drops tables of a newer migration, which pg_restore --clean keeps.
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise BackupError(f"cannot empty the database first: {reason}") from None
    dsn, env = _libpq(url)
    _run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={dsn}",
            str(source),
        ],
        env,
    )


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, for the summary after a restore and to compare with the source."""
    with engine.connect() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(table(name))) or 0
            for name in sorted(inspect(connection).get_table_names())
        }
