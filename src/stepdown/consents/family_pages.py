"""The guardian's portal, and the staff action that invites a guardian to it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from stepdown.consents import access, guardians
from stepdown.kit.clock import today
from stepdown.kit.web import DbSession
from stepdown.portal import invitations
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
FAMILY = "/family"
navigation.register("My family member", FAMILY, access.FAMILY, order=1)


@router.get(FAMILY, response_class=HTMLResponse)
def family(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.FAMILY)]
) -> Response:
    """What the minor's consents let their guardian see: their schedule and attendance."""
    views = guardians.family(session, actor=actor, today=today())
    return render(request, "consents/family.html", {"views": views, "days": guardians.DAYS})


@router.post("/consents/contacts/{contact_id}/guardian-invitation", response_class=HTMLResponse)
def invite_guardian(
    contact_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.WRITE)],
) -> Response:
    """A one-time link for the guardian to make their own account; refused (409, the
    reason) where the program's rule for minors does not allow it."""
    made = invitations.invite_guardian(session, actor=actor, contact_id=contact_id)
    settings = request.app.state.settings
    link = f"{settings.base_url.rstrip('/')}/invitation/{made.secret}"
    return render(request, "consents/guardian_invitation.html", {"invitation": made, "link": link})
