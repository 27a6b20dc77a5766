"""`stepdown init`: a new program on an empty database."""

from __future__ import annotations

import sys

import typer

from stepdown.cli import context
from stepdown.kit import migrate
from stepdown.security import passwords
from stepdown.setup import service


def _ask(value: str | None, option: str, question: str) -> str:
    """The option's value, or the answer to ``question`` where a person is at a terminal;
    a script that left it out gets one line naming the option."""
    if value is not None and value.strip():
        return value
    if not sys.stdin.isatty():
        context.fail(f"{option}: required (or run in a terminal to be asked)")
    answer: str = typer.prompt(question)
    return answer


def init(
    program_name: str | None = typer.Option(
        None, "--program-name", help="The program's name, as printouts show it."
    ),
    time_zone: str | None = typer.Option(
        None, "--time-zone", help="Its wall clock, an IANA name such as America/Chicago."
    ),
    admin_username: str | None = typer.Option(
        None, "--admin-username", help="The first administrator's username."
    ),
    admin_name: str | None = typer.Option(
        None, "--admin-name", help="Their display name (default: Administrator)."
    ),
    password_stdin: bool = typer.Option(
        False,
        help="Read the administrator's password from standard input instead of generating one.",
    ),
) -> None:
    """Start a program on an empty database: migrate it, record the program, and create
    the first administrator. Asks for what is missing when run in a terminal; refuses a
    database that already holds a program. Prints the administrator's sign-in."""
    migrate.upgrade(context.engine(), "head")
    with context.unit_of_work() as session:
        if service.holds_program(session):
            context.fail("this database already holds a program")
    name = _ask(program_name, "--program-name", "Program name")
    zone = _ask(time_zone, "--time-zone", "Time zone (e.g. America/New_York)")
    username = _ask(admin_username, "--admin-username", "First administrator's username")
    display = admin_name if admin_name and admin_name.strip() else "Administrator"
    password = (
        context.read_password(True) if password_stdin else passwords.generate_password(username)
    )
    with context.unit_of_work() as session:
        first = service.initialize(
            session,
            actor=context.system_actor(),
            program_name=name,
            time_zone=zone,
            admin_username=username,
            admin_name=display,
            password=password,
        )
        program, admin = first.program, first.admin
        summary = (program.name, program.time_zone, admin.username)
    base_url = context.settings().base_url.rstrip("/")
    typer.echo(f"Program {summary[0]!r} created; its clock is {summary[1]}.")
    typer.echo(f"Sign in at {base_url}/sign-in as {summary[2]}")
    if not password_stdin:
        typer.echo(f"Password (shown once): {password}")
    typer.echo("Then follow the set-up checklist at /setup.")
