"""The invitation's two sides: staff make the link on the chart and print or read it out;
the client opens it, signed out, and chooses a username and password."""

from __future__ import annotations

import smtplib
import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.portal import access, invitations
from stepdown.security.actor import Actor
from stepdown.security.deps import allow, open_route
from stepdown.web import flash
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Invitee = Annotated[Actor | None, open_route("a client accepting a portal invitation")]


@router.post("/clients/{client_id}/portal-invitation", response_class=HTMLResponse)
def invite(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.INVITE)],
    send_email: Annotated[str, Form(alias="email", max_length=3)] = "",
) -> Response:
    made = invitations.invite(session, actor=actor, client_id=client_id)
    settings = request.app.state.settings
    link = f"{settings.base_url.rstrip('/')}/invitation/{made.secret}"
    emailed, email_error = "", ""
    if send_email == "yes":
        try:
            emailed = invitations.email(
                session,
                actor=actor,
                invitation=made,
                settings=settings,
                program_name=request.app.state.program.current().name,
                link=link,
            )
        except StepdownError as exc:
            email_error = exc.message
        except (smtplib.SMTPException, OSError):
            email_error = "the mail server did not take the message"
    return render(
        request,
        "portal/invitation_made.html",
        {"invitation": made, "link": link, "emailed": emailed, "email_error": email_error},
    )


@router.get("/invitation/{secret}", response_class=HTMLResponse)
def invitation_form(secret: str, request: Request, session: DbSession, actor: Invitee) -> Response:
    try:
        invitations.check(session, secret=secret[:200])
    except StepdownError as exc:
        return render(request, "portal/invitation.html", {"refused": exc.message}, status_code=410)
    return render(request, "portal/invitation.html", {"username": "", "error": None})


@router.post("/invitation/{secret}", response_class=HTMLResponse)
def accept_invitation(
    secret: str,
    request: Request,
    session: DbSession,
    actor: Invitee,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    password_again: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        if password != password_again:
            raise Invalid("the two passwords differ", field="password_again")
        user = invitations.accept(
            session, secret=secret[:200], username=username, password=password
        )
    except StepdownError as exc:
        session.rollback()
        gone = exc.rule == invitations.NOT_USABLE
        return render(
            request,
            "portal/invitation.html",
            {"refused": exc.message} if gone else {"username": username, "error": exc},
            status_code=410 if gone else exc.status_code,
        )
    response = RedirectResponse("/sign-in", status_code=303)
    flash.flash(request, response, f"Your account {user.username} is ready: sign in.")
    return response
