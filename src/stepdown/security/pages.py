"""Sign-in, sign-out, the accounts page, and a staff member's own signing PIN.

The signing PIN page shows whether a PIN is set, never the PIN; setting or replacing one
asks for the password, removing one asks to confirm. ``signing`` checks and audits both.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stepdown.kit import bounds
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security import access, accounts, rules, service, signing
from stepdown.security.actor import Actor
from stepdown.security.deps import SESSION_COOKIE, allow, open_route, resolve_caller, session_policy
from stepdown.security.throttle import SignInThrottle
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
PIN_PAGE = "/account/signing-pin"
Staff = Annotated[Actor, allow(access.OWN_ACCOUNT)]
ADDRESS_LIMITED_MESSAGE = (
    f"Too many failed sign-ins from your network. Wait {rules.WINDOW.seconds // 60} minutes, "
    "then try again."
)
navigation.register("Accounts", "/users", access.USERS_READ, order=90)
navigation.register("Signing PIN", PIN_PAGE, access.OWN_ACCOUNT, order=95)


def safe_next(value: str) -> str:
    """Only same-site paths, so the sign-in form cannot bounce a user to another site."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(
    request: Request, actor: Annotated[Actor | None, open_route("sign-in")], next: str = "/"
) -> Response:
    if actor is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "security/sign_in.html", {"next_url": safe_next(next), "username": ""})


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    session: DbSession,
    _: Annotated[Actor | None, open_route("sign-in")],
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if not username.strip() or not password:
        return render(
            request,
            "security/sign_in.html",
            {
                "error": "Enter your username and password.",
                "next_url": safe_next(next),
                "username": username,
            },
            status_code=422,
        )
    ip = request.client.host if request.client else ""
    limits: SignInThrottle = request.app.state.sign_in_throttle
    # Decided before the attempt, as authenticate decides it: an address refusal says
    # nothing about the account, and telling it apart tells the person to wait.
    limited = bool(limits.refusal(ip, username))
    user = service.authenticate(
        session, username=username, password=password, address=ip, limits=limits
    )
    if user is None:
        return render(
            request,
            "security/sign_in.html",
            {
                "error": ADDRESS_LIMITED_MESSAGE if limited else service.SIGN_IN_FAILED_MESSAGE,
                "next_url": safe_next(next),
                "username": username,
            },
            status_code=429 if limited else 401,
        )
    settings = request.app.state.settings
    token, web_session = service.start_session(
        session, user=user, policy=session_policy(settings), ip=ip
    )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=int((web_session.expires_at - utc_now()).total_seconds()) + 3600 * 24,
    )
    return response


@router.post("/sign-out")
def sign_out(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.SIGNED_IN)]
) -> Response:
    caller = resolve_caller(request, session)
    if caller is not None and caller.web_session_id is not None:
        service.end_session(session, web_session_id=caller.web_session_id, actor=actor)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    flash.flash(request, response, "You are signed out.")
    return response


@router.get("/users", response_class=HTMLResponse)
def users_page(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.USERS_READ)]
) -> Response:
    users = service.list_users(session, actor=actor)
    return render(
        request,
        "security/users.html",
        {"users": users, "now": utc_now(), "supervision": accounts.supervision_list(session)},
    )


def _pin_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    errors: dict[str, str] | None = None,
    confirm_removal: bool = False,
    status_code: int = 200,
) -> Response:
    assert actor.user_id is not None  # staff only (access.OWN_ACCOUNT)
    supervisor = signing.needs_cosignature(session, actor.user_id)
    response = render(
        request,
        "security/signing_pin.html",
        {
            "has_pin": signing.has_pin(session, actor.user_id),
            "cosigner": service.display_names(session, {supervisor}).get(supervisor, "")
            if supervisor
            else "",
            "errors": errors or {},
            "confirm_removal": confirm_removal,
            "lengths": (min(signing.PIN_LENGTHS), max(signing.PIN_LENGTHS)),
        },
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(PIN_PAGE, response_class=HTMLResponse)
def signing_pin_page(request: Request, session: DbSession, actor: Staff) -> Response:
    return _pin_page(request, session, actor)


async def _pin_form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {
        key: bounds.parse_text(value, field=key, max_length=signing.MAX_SECRET + 100)
        for key, value in data.items()
        if isinstance(value, str)
    }


@router.post(PIN_PAGE, response_class=HTMLResponse)
async def set_signing_pin(request: Request, session: DbSession, actor: Staff) -> Response:
    """Set or replace the PIN: the password, the PIN, and the PIN again."""
    try:
        form = await _pin_form(request)
        pin = form.get("pin", "").strip()
        if pin != form.get("pin_again", "").strip():
            raise Invalid("the two PINs differ; type the same PIN twice", field="pin_again")
        assert actor.user_id is not None  # staff only (access.OWN_ACCOUNT)
        replacing = signing.has_pin(session, actor.user_id)
        signing.set_pin(session, actor=actor, password=form.get("password", ""), pin=pin)
    except StepdownError as exc:
        session.rollback()
        return _pin_page(
            request,
            session,
            actor,
            errors={exc.field or "form": exc.message},
            status_code=exc.status_code,
        )
    response = RedirectResponse(PIN_PAGE, status_code=303)
    flash.flash(
        request,
        response,
        "Your signing PIN is replaced." if replacing else "Your signing PIN is set.",
    )
    return response


@router.post(f"{PIN_PAGE}/remove", response_class=HTMLResponse)
async def remove_signing_pin(request: Request, session: DbSession, actor: Staff) -> Response:
    """Asks first; with ``confirmed=yes`` removes the PIN (sign with the password then)."""
    form = await _pin_form(request)
    if form.get("confirmed") != "yes":
        return _pin_page(request, session, actor, confirm_removal=True)
    signing.clear_pin(session, actor=actor)
    response = RedirectResponse(PIN_PAGE, status_code=303)
    flash.flash(request, response, "Your signing PIN is removed; sign with your password.")
    return response
