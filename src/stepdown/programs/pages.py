"""The program set-up pages: sites and rooms, staff profiles, time blocks, candidate sessions,
keep-apart pairs, and a client's schedule profile. Plain forms (no JavaScript needed); a
refused form is shown again with its values and the field's error, status 422.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.programs import access, rules, service
from stepdown.programs.models import Audience, BlockKind, KeepApartReason, SessionGender
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.roles import Role
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Program set-up", "/programs", access.SETUP_READ, order=70)

Form = dict[str, str]


async def _form(request: Request) -> tuple[Form, list[str], list[str]]:
    """Text fields, and the checked ``levels`` and ``topics`` boxes."""
    data = await request.form()
    text = {k: str(v).strip() for k, v in data.items() if isinstance(v, str)}
    return text, [str(v) for v in data.getlist("levels")], [str(v) for v in data.getlist("topics")]


def _int(form: Form, field: str) -> int:
    try:
        return int(form.get(field, ""))
    except ValueError:
        raise Invalid("enter a whole number", field=field) from None


def _uuid(value: str, field: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        raise Invalid("choose from the list", field=field) from None


def _site(session: Session, form: Form) -> Any:
    site = service.get_site(session, _uuid(form.get("site", ""), "site") or uuid.UUID(int=0))
    if site is None:
        raise Invalid("choose a site", field="site")
    return site


def _setup_context(session: Session, actor: Actor) -> dict[str, Any]:
    return {
        "sites": service.list_sites(session),
        "rooms": service.rooms_by_site(session),
        "profiles": service.staff_profiles(session),
        "blocks": service.time_blocks(session),
        "sessions": service.group_sessions(session),
        "staff": security_service.staff_directory(session),
        "can_edit": access.SETUP_WRITE.allows(actor.role),
        "topics": rules.TOPICS,
        "topic_labels": rules.TOPIC_LABELS,
        "levels": rules.SCHEDULED_LEVELS,
        "days": ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        "kinds": list(BlockKind),
        "audiences": list(Audience),
        "genders": list(SessionGender),
        "format_windows": rules.format_windows,
        "errors": {},
        "values": {},
        "form": "",
    }


@router.get("/programs", response_class=HTMLResponse)
def setup_page(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.SETUP_READ)]
) -> Response:
    return render(request, "programs/setup.html", _setup_context(session, actor))


def _done(request: Request, target: str, message: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    flash.flash(request, response, message)
    return response


async def _setup_post(
    request: Request,
    session: Session,
    actor: Actor,
    form_name: str,
    apply: Callable[[Form, list[str]], str],
) -> Response:
    form, levels, _ = await _form(request)
    try:
        message = apply(form, levels)
    except StepdownError as exc:
        session.rollback()
        context = _setup_context(session, actor)
        context.update(
            errors={exc.field or "form": exc.message},
            values={**form, "levels": levels},
            form=form_name,
        )
        return render(request, "programs/setup.html", context, status_code=422)
    return _done(request, f"/programs#{form_name}", message)


@router.post("/programs/rooms", response_class=HTMLResponse)
async def add_room(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.SETUP_WRITE)]
) -> Response:
    def apply(form: Form, _: list[str]) -> str:
        room = service.add_room(
            session,
            actor=actor,
            site=_site(session, form),
            code=form.get("code", ""),
            name=form.get("name", ""),
            capacity=_int(form, "capacity"),
        )
        return f"Room {room.code} added."

    return await _setup_post(request, session, actor, "rooms", apply)


@router.post("/programs/time-blocks", response_class=HTMLResponse)
async def add_time_block(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.SETUP_WRITE)]
) -> Response:
    def apply(form: Form, levels: list[str]) -> str:
        try:
            kind = BlockKind(form.get("kind", ""))
        except ValueError:
            raise Invalid("choose a track", field="kind") from None
        block = service.add_time_block(
            session,
            actor=actor,
            site=_site(session, form),
            kind=kind,
            name=form.get("name", ""),
            day=form.get("day", ""),
            start=form.get("start", ""),
            end=form.get("end", ""),
            levels=levels,
        )
        return f"Time block {block.name} added."

    return await _setup_post(request, session, actor, "blocks", apply)


@router.post("/programs/sessions", response_class=HTMLResponse)
async def add_session(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.SETUP_WRITE)]
) -> Response:
    def apply(form: Form, levels: list[str]) -> str:
        try:
            audience = Audience(form.get("audience", "adult"))
            gender = SessionGender(form.get("gender", "any"))
        except ValueError:
            raise Invalid("choose from the list", field="audience") from None
        spec = service.SessionSpec(
            day=form.get("day", ""),
            start=form.get("start", ""),
            end=form.get("end", ""),
            topic=form.get("topic", ""),
            levels=levels,
            audience=audience,
            gender=gender,
            min_size=_int(form, "min_size"),
            max_size=_int(form, "max_size"),
            telehealth="telehealth" in form,
            time_block_id=_uuid(form.get("time_block", ""), "time_block"),
        )
        group = service.save_group_session(
            session, actor=actor, site=_site(session, form), spec=spec
        )
        return f"Session {group.code} added."

    return await _setup_post(request, session, actor, "sessions", apply)


@router.post("/programs/sessions/{session_id}/delete", response_class=HTMLResponse)
def delete_session(
    session_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    service.delete_group_session(session, actor=actor, session_id=session_id)
    return _done(request, "/programs#sessions", "Session removed.")


@router.post("/programs/time-blocks/{block_id}/delete", response_class=HTMLResponse)
def delete_time_block(
    block_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    service.delete_time_block(session, actor=actor, block_id=block_id)
    return _done(request, "/programs#blocks", "Time block removed.")


def _staff_page(
    request: Request,
    session: Session,
    user_id: uuid.UUID,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "programs/staff_edit.html",
        {
            "user": service.staff_member(session, user_id),
            "sites": service.list_sites(session),
            "topics": rules.TOPICS,
            "topic_labels": rules.TOPIC_LABELS,
            "values": values,
            "errors": errors,
        },
        status_code=status_code,
    )


@router.get("/programs/staff/{user_id}", response_class=HTMLResponse)
def staff_form(
    user_id: uuid.UUID,
    request: Request,
    session: DbSession,
    _: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    user = service.staff_member(session, user_id)
    profile = service.staff_profile_of(session, user.id)
    values: dict[str, Any] = {
        "site": str(profile.site_id if profile else user.site_id or ""),
        "topics": profile.topics if profile else [],
        "availability": rules.format_windows(profile.availability) if profile else "",
        "max_hours": str(profile.max_hours) if profile else "40",
    }
    return _staff_page(request, session, user_id, values, {})


@router.post("/programs/staff/{user_id}", response_class=HTMLResponse)
async def save_staff(
    user_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    form, _, topics = await _form(request)
    try:
        try:
            max_hours = float(form.get("max_hours", ""))
        except ValueError:
            raise Invalid("enter a number of hours", field="max_hours") from None
        service.save_staff_profile(
            session,
            actor=actor,
            user=service.staff_member(session, user_id),
            site=_site(session, form),
            topics=topics,
            availability=rules.parse_windows(form.get("availability", "")),
            max_hours=max_hours,
        )
    except (Invalid, StepdownError) as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        values = {**form, "topics": topics}
        return _staff_page(
            request, session, user_id, values, {exc.field or "form": exc.message}, 422
        )
    return _done(request, "/programs#staff", "Staff profile saved.")


# --- PHI: keep-apart pairs and client schedule profiles -------------------------------------


def _keep_apart_page(
    request: Request,
    session: Session,
    actor: Actor,
    values: Form,
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "programs/keep_apart.html",
        {
            "pairs": service.keep_apart_pairs(session, actor=actor),
            "reasons": list(KeepApartReason),
            "values": values,
            "errors": errors,
        },
        status_code=status_code,
    )


@router.get("/programs/keep-apart", response_class=HTMLResponse)
def keep_apart_page(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.KEEP_APART)]
) -> Response:
    return _keep_apart_page(request, session, actor, {}, {})


@router.post("/programs/keep-apart", response_class=HTMLResponse)
async def add_keep_apart(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.KEEP_APART)]
) -> Response:
    form, _, _ = await _form(request)
    try:
        try:
            reason = KeepApartReason(form.get("reason", ""))
        except ValueError:
            raise Invalid("choose a reason", field="reason") from None
        first = service.client_by_record_number(
            session, actor=actor, record_number=form.get("client_a", ""), field="client_a"
        )
        second = service.client_by_record_number(
            session, actor=actor, record_number=form.get("client_b", ""), field="client_b"
        )
        service.add_keep_apart(session, actor=actor, client_a=first, client_b=second, reason=reason)
    except StepdownError as exc:
        session.rollback()
        return _keep_apart_page(
            request, session, actor, form, {exc.field or "form": exc.message}, 422
        )
    return _done(request, "/programs/keep-apart", "Pair recorded.")


@router.post("/programs/keep-apart/{pair_id}/delete", response_class=HTMLResponse)
def remove_keep_apart(
    pair_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.KEEP_APART)],
) -> Response:
    service.remove_keep_apart(session, actor=actor, pair_id=pair_id)
    return _done(request, "/programs/keep-apart", "Pair removed.")


def _therapists(session: Session) -> list[Any]:
    return [
        u
        for u in security_service.staff_directory(session)
        if u.role in (Role.CLINICIAN, Role.DIRECTOR)
    ]


@router.get("/clients/{client_id}/schedule-profile", response_class=HTMLResponse)
def client_profile_form(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENT_PROFILE)],
) -> Response:
    person, profile = service.client_profile(session, actor=actor, client_id=client_id)
    therapist = profile.primary_therapist_id if profile else person.primary_clinician_id
    values = {
        "availability": rules.format_windows(profile.availability) if profile else "",
        "therapist": str(therapist or ""),
        "individual_sessions": str(profile.individual_sessions if profile else 1),
        "family_sessions": str(profile.family_sessions if profile else 0),
    }
    return render(
        request,
        "programs/client_profile.html",
        {"person": person, "therapists": _therapists(session), "values": values, "errors": {}},
    )


@router.post("/clients/{client_id}/schedule-profile", response_class=HTMLResponse)
async def save_client_profile(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENT_PROFILE)],
) -> Response:
    form, _, _ = await _form(request)
    person, _ = service.client_profile(session, actor=actor, client_id=client_id)
    try:
        service.save_client_profile(
            session,
            actor=actor,
            client=person,
            availability=rules.parse_windows(form.get("availability", "")),
            therapist_id=_uuid(form.get("therapist", ""), "therapist"),
            individual_sessions=_int(form, "individual_sessions"),
            family_sessions=_int(form, "family_sessions"),
        )
    except StepdownError as exc:
        return render(
            request,
            "programs/client_profile.html",
            {
                "person": person,
                "therapists": _therapists(session),
                "values": form,
                "errors": {exc.field or "form": exc.message},
            },
            status_code=422,
        )
    return _done(request, f"/clients/{person.id}/schedule-profile", "Schedule profile saved.")
