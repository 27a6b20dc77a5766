"""The census board and the levels-of-care catalog."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from stepdown.authorizations import access as authorizations_access
from stepdown.authorizations import service as authorizations_service
from stepdown.continuum import access, service
from stepdown.continuum.schemas import LevelUpdate
from stepdown.kit import bounds
from stepdown.kit.errors import StepdownError
from stepdown.kit.web import DbSession
from stepdown.programs import rules as programs_rules
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
            "authorizations": authorizations_service.in_force_labels(
                session, actor=actor, episode_ids=[r.episode.id for r in result.rows]
            )
            if authorizations_access.READ.allows(actor.role)
            else None,
        },
    )


def _levels_context(session: Session, actor: Actor) -> dict[str, Any]:
    levels = service.catalog(session)
    return {
        "levels": levels,
        "partners": service.partners(session),
        "referral_choices": [
            (lv.code, lv.name) for lv in levels if not lv.provided_in_house and lv.is_active
        ],
        "can_edit": access.CATALOG_WRITE.allows(actor.role),
        "can_manage_partners": access.PARTNERS_WRITE.allows(actor.role),
        "values": {},
        "errors": {},
    }


@router.get("/levels", response_class=HTMLResponse)
def levels_page(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.CATALOG_READ)]
) -> Response:
    return render(request, "continuum/levels.html", _levels_context(session, actor))


PARTNER_FIELDS = ("name", "level", "phone", "email", "address", "notes")
PARTNER_LIMITS = {
    "name": 160,
    "level": 20,
    "phone": 40,
    "email": 200,
    "address": 300,
    "notes": 2000,
}


@router.post("/levels/partners", response_class=HTMLResponse)
async def add_partner(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.PARTNERS_WRITE)]
) -> Response:
    """A detox, residential or hospital provider clients can be referred out to."""
    values: dict[str, str] = {}
    try:
        form = await request.form()
        values = {
            field: bounds.parse_text(
                str(form.get(field, "")), field=field, max_length=PARTNER_LIMITS[field]
            )
            for field in PARTNER_FIELDS
        }
        partner = service.create_partner(
            session,
            actor=actor,
            name=values["name"],
            level_code=values["level"],
            phone=programs_rules.check_phone(values["phone"]),
            email=values["email"],
            address=programs_rules.check_address(values["address"]),
            notes=values["notes"],
        )
    except StepdownError as exc:
        session.rollback()
        context = _levels_context(session, actor)
        context.update(values=values, errors={exc.field or "form": exc.message})
        return render(request, "continuum/levels.html", context, status_code=exc.status_code)
    response = RedirectResponse("/levels#partners", status_code=303)
    flash.flash(request, response, f"{partner.name} added as a partner provider.")
    return response


@router.post("/levels/partners/{partner_id}/active", response_class=HTMLResponse)
async def set_partner_active(
    partner_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.PARTNERS_WRITE)],
) -> Response:
    form = await request.form()
    active = form.get("active") == "yes"
    partner = service.set_partner_active(session, actor=actor, partner_id=partner_id, active=active)
    response = RedirectResponse("/levels#partners", status_code=303)
    flash.flash(
        request,
        response,
        f"{partner.name} is offered for referrals again."
        if active
        else f"{partner.name} is no longer offered for new referrals.",
    )
    return response


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
