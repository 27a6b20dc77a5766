"""`stepdown users` and `stepdown tokens`: accounts and API tokens."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from stepdown.cli import context
from stepdown.kit.clock import local
from stepdown.programs import service as programs_service
from stepdown.security import service
from stepdown.security.roles import USER_ROLES, Role

users_app = typer.Typer(help="Manage staff and client accounts.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage bearer tokens for the JSON API.", no_args_is_help=True)
ROLE_CHOICES = ", ".join(r.value for r in USER_ROLES)


def _role(value: str) -> Role:
    try:
        role = Role(value)
    except ValueError:
        context.fail(f"role: {value!r} is not one of {ROLE_CHOICES}")
    if role is Role.SYSTEM:
        context.fail(f"role: choose one of {ROLE_CHOICES}")
    return role


@users_app.command("create")
def create(
    username: str,
    role: str = typer.Option(..., help=f"One of: {ROLE_CHOICES}."),
    name: str = typer.Option(..., help="Display name."),
    email: str = typer.Option("", help="Email address."),
    site: str = typer.Option("", help="Home site code, e.g. S1."),
    password_stdin: bool = typer.Option(False, help="Read the password from standard input."),
) -> None:
    """Create an account (the password is asked for, never taken as an argument)."""
    chosen = _role(role)
    password = context.read_password(password_stdin)
    with context.unit_of_work() as session:
        site_id = None
        if site:
            found = programs_service.site_by_code(session, site)
            if found is None:
                context.fail(f"site: no site with code {site!r}")
            site_id = found.id
        user = service.create_user(
            session,
            actor=context.system_actor(),
            username=username,
            display_name=name,
            role=chosen,
            password=password,
            email=email,
            site_id=site_id,
        )
        typer.echo(f"created {user.username} ({user.role.value}) id={user.id}")


@users_app.command("list")
def list_users() -> None:
    """List accounts with their role and status."""
    with context.unit_of_work() as session:
        users = service.list_users(session, actor=context.system_actor())
        table = Table("username", "name", "role", "active", "last sign-in")
        for user in users:
            table.add_row(
                user.username,
                user.display_name,
                user.role.value,
                "yes" if user.is_active else "no",
                f"{local(user.last_sign_in_at):%Y-%m-%d %H:%M %Z}" if user.last_sign_in_at else "",
            )
        Console().print(table)


@users_app.command("disable")
def disable(username: str) -> None:
    """Disable an account and end its sessions."""
    with context.unit_of_work() as session:
        user = service.disable_user(session, actor=context.system_actor(), username=username)
        typer.echo(f"disabled {user.username}")


@users_app.command("reset-password")
def reset_password(
    username: str,
    password_stdin: bool = typer.Option(False, help="Read the password from standard input."),
) -> None:
    """Set a new password, clear any lockout and end the account's sessions."""
    password = context.read_password(password_stdin, prompt="New password")
    with context.unit_of_work() as session:
        user = service.reset_password(
            session, actor=context.system_actor(), username=username, new_password=password
        )
        typer.echo(f"password reset for {user.username}")


@tokens_app.command("create")
def create_token(
    username: str,
    name: str = typer.Option(..., help="What the token is for."),
    expires_days: int | None = typer.Option(None, help="Days until it expires (default never)."),
) -> None:
    """Create an API token for USERNAME; it is printed once and never again."""
    with context.unit_of_work() as session:
        secret, token = service.create_api_token(
            session,
            actor=context.system_actor(),
            username=username,
            name=name,
            expires_in_days=expires_days,
        )
        typer.echo(f"token id={token.id}")
        typer.echo(secret)


@tokens_app.command("list")
def list_tokens() -> None:
    """List API tokens (never their secrets)."""
    with context.unit_of_work() as session:
        table = Table("id", "user", "name", "prefix", "created", "state")
        for token in service.list_api_tokens(session, actor=context.system_actor()):
            state = "revoked" if token.revoked_at else "active"
            table.add_row(
                str(token.id),
                str(token.user_id),
                token.name,
                token.prefix,
                token.created_at.strftime("%Y-%m-%d"),
                state,
            )
        Console().print(table)


@tokens_app.command("revoke")
def revoke(token_id: str) -> None:
    """Revoke a token by its id; calls with it fail from now on."""
    with context.unit_of_work() as session:
        token = service.revoke_api_token(session, actor=context.system_actor(), token_id=token_id)
        typer.echo(f"revoked {token.id}")
