"""Staff accounts in the browser: create, edit, disable and enable, unlock, reset.

Administrators change accounts; directors read the list. A password the program makes is
shown once, on a page that is not cached, and never sent through a redirect or a cookie.
Client accounts are not made here: a client gets a portal invitation.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stepdown.kit import bounds
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.programs import service as programs_service
from stepdown.security import access, accounts, passwords, service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.models import User
from stepdown.security.roles import STAFF_ROLES, Role
from stepdown.web import flash
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Manager = Annotated[Actor, allow(access.USERS_MANAGE)]
Form = dict[str, str]
STAFF_CHOICES = [r for r in Role if r in STAFF_ROLES]
# /users/new is the form, so an account named "new" could never be opened.
RESERVED_USERNAMES = frozenset({"new"})


async def _form(request: Request) -> Form:
    data = await request.form()
    return {
        key: bounds.parse_text(value, field=key, max_length=300).strip()
        for key, value in data.items()
        if isinstance(value, str)
    }


def _role(form: Form, choices: list[Role]) -> Role:
    try:
        role = Role(form.get("role", ""))
    except ValueError:
        raise Invalid("choose a role", field="role") from None
    if role not in choices:
        raise Invalid("choose a role from the list", field="role")
    return role


def _uuid(form: Form, field: str) -> uuid.UUID | None:
    value = form.get(field, "")
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        raise Invalid("choose from the list", field=field) from None


def _cosign(form: Form) -> bool:
    """The co-signature checkbox: sent as "yes" when ticked, absent when not."""
    return form.get("cosign_notes") == "yes"


def _options(session: Session, user: User | None = None) -> dict[str, Any]:
    """The form's choices; an account is never offered as its own supervisor."""
    return {
        "role_choices": [(r.value, r.label) for r in STAFF_CHOICES],
        "site_choices": [
            (str(s.id), f"{s.code} {s.name}") for s in programs_service.open_sites(session, today())
        ],
        "supervisor_choices": [
            (str(u.id), f"{u.display_name} ({u.role.label})")
            for u in service.staff_directory(session)
            if user is None or u.id != user.id
        ],
    }


def _shown_once(request: Request, user: User, password: str, message: str) -> Response:
    response = render(
        request,
        "security/password_once.html",
        {"user": user, "password": password, "message": message},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/users/new", response_class=HTMLResponse)
def new_account_page(request: Request, session: DbSession, actor: Manager) -> Response:
    return render(
        request,
        "security/account_form.html",
        {"user": None, "values": {"role": Role.CLINICIAN.value}, "errors": {}, **_options(session)},
    )


@router.post("/users/new", response_class=HTMLResponse)
async def create_account(request: Request, session: DbSession, actor: Manager) -> Response:
    form: Form = {}
    try:
        form = await _form(request)
        password = passwords.generate_password(form.get("username", "").strip())
        if form.get("username", "").strip().lower() in RESERVED_USERNAMES:
            raise Invalid(
                "this name is used by the accounts pages; choose another", field="username"
            )
        site_id = _uuid(form, "site")
        accounts.check_home_site(session, site_id)
        accounts.check_email(form.get("email", ""))
        supervisor = _uuid(form, "supervisor")
        if supervisor is None and _cosign(form):
            raise Invalid(
                "notes can wait for a co-signature only once a supervisor is chosen",
                field="cosign_notes",
            )
        user = service.create_user(
            session,
            actor=actor,
            username=form.get("username", ""),
            display_name=form.get("display_name", ""),
            role=_role(form, STAFF_CHOICES),
            password=password,
            email=form.get("email", ""),
            site_id=site_id,
        )
        if supervisor is not None:
            accounts.update_account(
                session,
                actor=actor,
                username=user.username,
                change=accounts.AccountChange(
                    display_name=user.display_name,
                    email=user.email,
                    role=user.role,
                    site_id=user.site_id,
                    supervisor_id=supervisor,
                    cosign_notes=_cosign(form),
                ),
            )
    except StepdownError as exc:
        session.rollback()
        return render(
            request,
            "security/account_form.html",
            {"user": None, "values": form, "errors": {exc.field or "form": exc.message}}
            | _options(session),
            status_code=exc.status_code,
        )
    return _shown_once(request, user, password, f"Account {user.username} created.")


def _edit_page(
    request: Request,
    session: Session,
    user: User,
    values: Form | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    supervisor = accounts.supervisor_of(session, user.id)
    return render(
        request,
        "security/account_form.html",
        {
            "user": user,
            "values": values
            or {
                "display_name": user.display_name,
                "email": user.email,
                "role": user.role.value,
                "site": str(user.site_id or ""),
                "supervisor": str(supervisor or ""),
                "cosign_notes": "yes" if accounts.cosigns_notes(session, user.id) else "",
            },
            "errors": errors or {},
            "locked": bool(user.locked_until and user.locked_until > utc_now()),
        }
        | _options(session, user),
        status_code=status_code,
    )


@router.get("/users/{username}", response_class=HTMLResponse)
def account_page(
    username: str,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.USERS_READ)],
) -> Response:
    service.require_account_reader(actor)
    return _edit_page(request, session, service.get_user(session, username=username))


@router.post("/users/{username}", response_class=HTMLResponse)
async def save_account(
    username: str, request: Request, session: DbSession, actor: Manager
) -> Response:
    user = service.get_user(session, username=username)
    form: Form = {}
    try:
        form = await _form(request)
        choices = [Role.CLIENT] if user.role is Role.CLIENT else STAFF_CHOICES
        accounts.update_account(
            session,
            actor=actor,
            username=user.username,
            change=accounts.AccountChange(
                display_name=form.get("display_name", ""),
                email=form.get("email", ""),
                role=_role(form, choices),
                site_id=_uuid(form, "site"),
                supervisor_id=_uuid(form, "supervisor"),
                cosign_notes=_cosign(form),
            ),
        )
    except StepdownError as exc:
        session.rollback()
        return _edit_page(
            request,
            session,
            service.get_user(session, username=username),
            form,
            {exc.field or "form": exc.message},
            exc.status_code,
        )
    return _done(request, user, "Account saved.")


def _done(request: Request, user: User, message: str) -> Response:
    response = RedirectResponse(f"/users/{user.username}", status_code=303)
    flash.flash(request, response, message)
    return response


def _confirm(request: Request, user: User, action: str, question: str, detail: str) -> Response:
    return render(
        request,
        "security/account_confirm.html",
        {"user": user, "action": action, "question": question, "detail": detail},
    )


@router.post("/users/{username}/disable", response_class=HTMLResponse)
async def disable_account(
    username: str, request: Request, session: DbSession, actor: Manager
) -> Response:
    user = service.get_user(session, username=username)
    form = await _form(request)
    if form.get("confirmed") != "yes":
        return _confirm(
            request,
            user,
            "disable",
            f"Disable {user.display_name}'s account?",
            "They are signed out everywhere and their API tokens stop working. Their records "
            "and history stay; you can enable the account again.",
        )
    try:
        accounts.disable(session, actor=actor, username=user.username)
    except StepdownError as exc:
        session.rollback()
        return _edit_page(
            request,
            session,
            service.get_user(session, username=username),
            None,
            {"form": exc.message},
            exc.status_code,
        )
    return _done(request, user, f"{user.username} is disabled.")


@router.post("/users/{username}/enable", response_class=HTMLResponse)
def enable_account(username: str, request: Request, session: DbSession, actor: Manager) -> Response:
    user = accounts.enable(session, actor=actor, username=username)
    return _done(request, user, f"{user.username} may sign in again.")


@router.post("/users/{username}/unlock", response_class=HTMLResponse)
def unlock_account(username: str, request: Request, session: DbSession, actor: Manager) -> Response:
    user = accounts.unlock(session, actor=actor, username=username)
    return _done(request, user, f"{user.username} is unlocked.")


@router.post("/users/{username}/reset-password", response_class=HTMLResponse)
async def reset_account_password(
    username: str, request: Request, session: DbSession, actor: Manager
) -> Response:
    user = service.get_user(session, username=username)
    form = await _form(request)
    if form.get("confirmed") != "yes":
        return _confirm(
            request,
            user,
            "reset-password",
            f"Reset {user.display_name}'s password?",
            "Their current password stops working, they are signed out everywhere and their "
            "API tokens are revoked. The new password is shown to you once.",
        )
    password = accounts.reset_to_generated(session, actor=actor, username=user.username)
    return _shown_once(request, user, password, f"{user.username}'s password is reset.")
