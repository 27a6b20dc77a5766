"""The set-up pages: the checklist, the program's details and its sites.

Plain forms that work without JavaScript; a refused form comes back with its values and
the field's message. Closing a site asks for confirmation on a page of its own.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from stepdown.home import access as home_access
from stepdown.kit import bounds
from stepdown.kit.errors import NotFound, StepdownError
from stepdown.kit.web import DbSession
from stepdown.programs import rules as programs_rules
from stepdown.programs import service as programs_service
from stepdown.programs.card import ProgramCards
from stepdown.programs.models import Site
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.setup import access, rules, service
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Set-up", "/setup", access.SETUP, order=68)

Caller = Annotated[Actor, allow(access.SETUP)]
Form = dict[str, str]
SITE_FIELDS = ("code", "name", "address", "phone")


def _local_today(request: Request) -> date:
    return datetime.now(ZoneInfo(request.app.state.settings.timezone)).date()


async def _form(request: Request) -> Form:
    data = await request.form()
    return {
        key: bounds.parse_text(value, field=key, max_length=1000)
        for key, value in data.items()
        if isinstance(value, str)
    }


def _done(request: Request, target: str, message: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    flash.flash(request, response, message)
    return response


def _site(session: Session, site_id: uuid.UUID) -> Site:
    site = programs_service.get_site(session, site_id)
    if site is None:
        raise NotFound("no such site")
    return site


@router.get("/setup", response_class=HTMLResponse)
def checklist_page(request: Request, session: DbSession, actor: Caller) -> Response:
    facts = service.setup_facts(session, actor=actor, on=_local_today(request))
    steps = rules.checklist(facts)
    return render(
        request,
        "setup/checklist.html",
        {"steps": steps, "remaining": sum(not s.done for s in steps)},
    )


def _program_values(session: Session) -> dict[str, str]:
    program = programs_service.program(session)
    if program is None:
        return {}
    return {
        "name": program.name,
        "phone": program.phone,
        "address": program.address,
        "npi": program.npi,
    }


@router.get("/setup/program", response_class=HTMLResponse)
def program_page(request: Request, session: DbSession, actor: Caller) -> Response:
    return render(
        request,
        "setup/program.html",
        {"values": _program_values(session), "errors": {}, "zone": _zone(session)},
    )


def _zone(session: Session) -> str:
    program = programs_service.program(session)
    return program.time_zone if program else ""


@router.post("/setup/program", response_class=HTMLResponse)
async def save_program(request: Request, session: DbSession, actor: Caller) -> Response:
    form: Form = {}
    try:
        form = await _form(request)
        service.update_program(
            session,
            actor=actor,
            name=form.get("name", ""),
            phone=form.get("phone", ""),
            address=form.get("address", ""),
            npi=form.get("npi", ""),
        )
    except StepdownError as exc:
        session.rollback()
        return render(
            request,
            "setup/program.html",
            {"values": form, "errors": {exc.field or "form": exc.message}, "zone": _zone(session)},
            status_code=exc.status_code,
        )
    cards: ProgramCards = request.app.state.program
    # Reloaded once the details are committed: before, the card would read the old row.
    event.listen(session, "after_commit", lambda _: cards.reload(), once=True)
    return _done(request, "/setup", "Program details saved.")


def _reload_card_after_commit(request: Request, session: Session) -> None:
    cards: ProgramCards = request.app.state.program
    event.listen(session, "after_commit", lambda _: cards.reload(), once=True)


@router.get("/program/logo")
def program_logo(request: Request, actor: Annotated[Actor, allow(home_access.HOME)]) -> Response:
    """The logo as printouts show it, from the program card (no query). Anyone signed in
    may fetch it: a client prints their own aftercare plan."""
    card = request.app.state.program.current()
    if card.logo is None:
        raise NotFound("the program has no logo")
    return Response(
        card.logo,
        media_type=card.logo_type,
        headers={"Cache-Control": "private, max-age=300"},
    )


@router.post("/setup/program/logo", response_class=HTMLResponse)
async def upload_logo(request: Request, session: DbSession, actor: Caller) -> Response:
    """A multipart upload; the body limit bounds it before it is read, and
    ``programs.rules.check_logo`` decodes it before anything is kept."""
    data = await request.form()
    upload = data.get("logo")
    content = (
        await upload.read(programs_rules.LOGO_MAX_BYTES + 1)
        if isinstance(upload, UploadFile)
        else b""
    )
    try:
        programs_service.set_logo(session, actor=actor, data=content)
    except StepdownError as exc:
        session.rollback()
        return render(
            request,
            "setup/program.html",
            {
                "values": _program_values(session),
                "errors": {exc.field or "form": exc.message},
                "zone": _zone(session),
            },
            status_code=exc.status_code,
        )
    _reload_card_after_commit(request, session)
    return _done(request, "/setup/program", "Logo saved: printouts carry it from now on.")


@router.post("/setup/program/logo/remove", response_class=HTMLResponse)
async def remove_logo(request: Request, session: DbSession, actor: Caller) -> Response:
    programs_service.remove_logo(session, actor=actor)
    _reload_card_after_commit(request, session)
    return _done(request, "/setup/program", "Logo removed.")


def _sites_context(session: Session, request: Request) -> dict[str, Any]:
    return {
        "sites": programs_service.list_sites(session),
        "today": _local_today(request),
        "values": {},
        "errors": {},
    }


@router.get("/setup/sites", response_class=HTMLResponse)
def sites_page(request: Request, session: DbSession, actor: Caller) -> Response:
    return render(request, "setup/sites.html", _sites_context(session, request))


@router.post("/setup/sites", response_class=HTMLResponse)
async def add_site(request: Request, session: DbSession, actor: Caller) -> Response:
    form: Form = {}
    try:
        form = await _form(request)
        site = service.create_site(
            session, actor=actor, **{field: form.get(field, "") for field in SITE_FIELDS}
        )
    except StepdownError as exc:
        session.rollback()
        context = _sites_context(session, request)
        context.update(values=form, errors={exc.field or "form": exc.message})
        return render(request, "setup/sites.html", context, status_code=exc.status_code)
    return _done(request, "/setup/sites", f"Site {site.code} added.")


def _site_page(
    request: Request,
    site: Site,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "setup/site.html",
        {
            "site": site,
            "values": values or {f: getattr(site, f) for f in SITE_FIELDS},
            "errors": errors or {},
            "today": _local_today(request),
        },
        status_code=status_code,
    )


@router.get("/setup/sites/{site_id}", response_class=HTMLResponse)
def site_page(request: Request, site_id: uuid.UUID, session: DbSession, actor: Caller) -> Response:
    return _site_page(request, _site(session, site_id))


@router.post("/setup/sites/{site_id}", response_class=HTMLResponse)
async def save_site(
    request: Request, site_id: uuid.UUID, session: DbSession, actor: Caller
) -> Response:
    site = _site(session, site_id)
    form: Form = {}
    try:
        form = await _form(request)
        service.update_site(
            session,
            actor=actor,
            site_id=site.id,
            **{field: form.get(field, "") for field in SITE_FIELDS},
        )
    except StepdownError as exc:
        session.rollback()
        return _site_page(
            request,
            _site(session, site_id),
            form,
            {exc.field or "form": exc.message},
            exc.status_code,
        )
    return _done(request, f"/setup/sites/{site_id}", "Site saved.")


@router.post("/setup/sites/{site_id}/close", response_class=HTMLResponse)
async def close_site(
    request: Request, site_id: uuid.UUID, session: DbSession, actor: Caller
) -> Response:
    """First post: the confirmation page. The confirmed post closes the site."""
    site = _site(session, site_id)
    form: Form = {}
    try:
        form = await _form(request)
        on = bounds.require_day(form.get("closed_on"), field="closed_on", what="the closing day")
        if form.get("confirmed") != "yes":
            return render(request, "setup/close_site.html", {"site": site, "on": on})
        service.close_site(session, actor=actor, site_id=site.id, on=on)
    except StepdownError as exc:
        session.rollback()
        return _site_page(
            request,
            _site(session, site_id),
            None,
            {exc.field or "form": exc.message},
            exc.status_code,
        )
    return _done(request, "/setup/sites", f"Site {site.code} closes on {on:%B %-d, %Y}.")


@router.post("/setup/sites/{site_id}/reopen", response_class=HTMLResponse)
def reopen_site(
    request: Request, site_id: uuid.UUID, session: DbSession, actor: Caller
) -> Response:
    site = service.reopen_site(session, actor=actor, site_id=_site(session, site_id).id)
    return _done(request, f"/setup/sites/{site_id}", f"Site {site.code} is open again.")
