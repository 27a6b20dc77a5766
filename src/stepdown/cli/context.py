"""What every CLI command shares: settings, a unit of work, the system actor, one-line errors."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.kit.errors import StepdownError
from stepdown.programs.card import ProgramCard, ProgramCards, with_program_clock
from stepdown.security.actor import Actor
from stepdown.settings import Settings


@cache
def settings() -> Settings:
    return Settings()


@cache
def engine() -> Engine:
    return make_engine(settings().effective_database_url)


def program_card() -> ProgramCard:
    """The program's card, read now; reading it puts the process on the program's clock
    (``kit.clock``), so a command's "today" and the times it prints are the program's."""
    return ProgramCards(make_sessionmaker(engine()), settings()).reload()


def program_settings() -> Settings:
    """The settings on the program's own clock, for commands that schedule or run jobs:
    the time zone ``stepdown init`` recorded, not the environment's default."""
    return with_program_clock(settings(), program_card())


def system_actor() -> Actor:
    """Commands run as the system, labelled with the operating-system user for the audit."""
    return Actor.system(f"cli:{getpass.getuser()}")


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


Model = TypeVar("Model", bound=BaseModel)

# A facts or evidence file is a few kilobytes; anything far larger is not one.
MAX_JSON_BYTES = 1_000_000


def read_json_model(path: Path, model: type[Model]) -> Model:
    """A JSON file parsed into ``model``, or one line naming the file, the field and the
    problem (exit 2): never a traceback."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        fail(f"{path}: {exc.strerror or 'cannot be read'}")
    if len(raw) > MAX_JSON_BYTES:
        fail(f"{path}: larger than {MAX_JSON_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")
    except json.JSONDecodeError as exc:
        fail(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "the file"
        fail(f"{path}: {where}: {error['msg']}")


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction for the command, on the program's clock; a refusal prints one line
    and exits 2."""
    program_card()
    try:
        with session_scope(make_sessionmaker(engine())) as session:
            yield session
    except StepdownError as exc:
        fail(f"{exc.field}: {exc.message}" if exc.field else exc.message)
    except (OperationalError, ProgrammingError) as exc:
        first_line = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        fail(f"database: {first_line} (has `stepdown db upgrade` been run?)")


def read_password(from_stdin: bool, *, prompt: str = "Password") -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        fail("no terminal to ask for the password: pass --password-stdin")
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return value
