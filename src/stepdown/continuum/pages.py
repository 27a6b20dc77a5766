"""The census board and the levels-of-care catalog."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from stepdown.continuum import access, service
from stepdown.continuum.schemas import LevelUpdate
from stepdown.kit.errors import StepdownError
from stepdown.kit.web import DbSession
from stepdown.programs import service as programs_service
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.roles import Role
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Census", "/census", access.CENSUS_READ, order=15)
navigation.register("Levels of care", "/levels", access.CATALOG_READ, order=80)


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@router.get("/census", response_class=HTMLResponse)
def census_page(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CENSUS_READ)],
    site: str = "",
    clinician: str = "",
) -> Response:
    result = service.census(
        session, actor=actor, site_id=_uuid_or_none(site), clinician_id=_uuid_or_none(clinician)
    )
    clinicians = [u for u in security_service.staff_directory(session) if u.role is Role.CLINICIAN]
    return render(
        request,
        "continuum/census.html",
        {
            "census": result,
            "levels": service.catalog(session),
            "sites": programs_service.list_sites(session),
            "clinicians": clinicians,
            "site": site,
            "clinician": clinician,
        },
    )


@router.get("/levels", response_class=HTMLResponse)
def levels_page(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.CATALOG_READ)]
) -> Response:
    return render(
        request,
        "continuum/levels.html",
        {
            "levels": service.catalog(session),
            "partners": service.partners(session),
            "can_edit": access.CATALOG_WRITE.allows(actor.role),
        },
    )


@router.get("/levels/{code}/edit", response_class=HTMLResponse)
def edit_level_form(
    code: str,
    request: Request,
    session: DbSession,
    _: Annotated[Actor, allow(access.CATALOG_WRITE)],
) -> Response:
    level = service.level_by_code(session, code)
    return render(request, "continuum/level_edit.html", {"level": level, "errors": {}})


BOOL_FIELDS = ("has_day_track", "has_evening_track", "is_active")


@router.post("/levels/{code}/edit", response_class=HTMLResponse)
async def edit_level(
    code: str,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CATALOG_WRITE)],
) -> Response:
    form = await request.form()
    raw: dict[str, Any] = {
        key: (str(value).strip() or None)
        for key, value in form.items()
        if key in service.EDITABLE_LEVEL_FIELDS and key not in BOOL_FIELDS
    }
    raw.update({key: key in form for key in BOOL_FIELDS})
    level = service.level_by_code(session, code)
    errors: dict[str, str] = {}
    try:
        changes = LevelUpdate.model_validate(raw).model_dump(exclude_unset=True)
        changes = {k: v for k, v in changes.items() if k in BOOL_FIELDS or k in raw}
        service.update_level(session, actor=actor, code=code, changes=changes)
    except ValidationError as exc:
        errors = {str(err["loc"][0]): err["msg"] for err in exc.errors()}
    except StepdownError as exc:
        errors = {exc.field or "form": exc.message}
    if errors:
        return render(
            request,
            "continuum/level_edit.html",
            {"level": level, "errors": errors},
            status_code=422,
        )
    response = RedirectResponse("/levels", status_code=303)
    flash.flash(request, response, f"{level.name} saved.")
    return response
