"""The program set-up pages: sites and rooms, staff profiles, time blocks, candidate sessions,
keep-apart pairs, and a client's schedule profile. Plain forms (no JavaScript needed); a
refused form is shown again with its values and the field's error, status 422.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stepdown.kit import bounds
from stepdown.kit.errors import Conflict, Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.programs import access, rules, service
from stepdown.programs.models import (
    Audience,
    BlockKind,
    GroupSession,
    KeepApartReason,
    Room,
    SessionGender,
    Site,
    TimeBlock,
)
from stepdown.scheduling.exchange import DAYS
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
    return bounds.parse_int(form.get(field, ""), field=field)


def _uuid(value: str, field: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        raise Invalid("choose from the list", field=field) from None


def _site(session: Session, form: Form) -> Site:
    return service.require_site_by_id(session, _uuid(form.get("site", ""), "site"))


def _choices(items: list[Any]) -> list[tuple[str, str]]:
    return [(str(item), str(item)) for item in items]


def _options(session: Session, site_id: uuid.UUID | None = None) -> dict[str, Any]:
    """The choices of the set-up forms; the blocks offered are the site's when one is given."""
    sites = service.list_sites(session)
    codes = {s.id: s.code for s in sites}
    blocks = [b for b in service.time_blocks(session) if site_id in (None, b.site_id)]
    return {
        "sites": [(str(s.id), f"{s.code} {s.name}") for s in sites],
        "kinds": [(k.value, k.label) for k in BlockKind],
        "days": _choices(list(DAYS)),
        "levels": _choices(list(rules.SCHEDULED_LEVELS)),
        "topics": [(t, rules.TOPIC_LABELS[t]) for t in rules.TOPICS],
        "audiences": _choices([a.value for a in Audience]),
        "genders": _choices([g.value for g in SessionGender]),
        "blocks": [
            (str(b.id), f"{codes[b.site_id]} {b.name} {b.day} {b.start}-{b.end}") for b in blocks
        ],
    }


def _setup_context(session: Session, actor: Actor) -> dict[str, Any]:
    return {
        "sites": service.list_sites(session),
        "rooms": service.rooms_by_site(session),
        "profiles": service.staff_profiles(session),
        "blocks": service.time_blocks(session),
        "sessions": service.group_sessions(session),
        "staff": security_service.staff_directory(session),
        "can_edit": access.SETUP_WRITE.allows(actor.role),
        "can_keep_apart": access.KEEP_APART.allows(actor.role),
        "topic_labels": rules.TOPIC_LABELS,
        "format_windows": rules.format_windows,
        "o": _options(session),
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
        return render(request, "programs/setup.html", context, status_code=exc.status_code)
    return _done(request, f"/programs#{form_name}", message)


def _block_fields(form: Form, levels: list[str]) -> dict[str, Any]:
    """The service's keyword arguments for a time block, from its form."""
    try:
        kind = BlockKind(form.get("kind", ""))
    except ValueError:
        raise Invalid("choose a track", field="kind") from None
    return {
        "kind": kind,
        "name": form.get("name", ""),
        "day": form.get("day", ""),
        "start": form.get("start", ""),
        "end": form.get("end", ""),
        "levels": levels,
    }


def _session_spec(form: Form, levels: list[str]) -> service.SessionSpec:
    try:
        audience = Audience(form.get("audience", "adult"))
    except ValueError:
        raise Invalid("choose from the list", field="audience") from None
    try:
        gender = SessionGender(form.get("gender", "any"))
    except ValueError:
        raise Invalid("choose from the list", field="gender") from None
    return service.SessionSpec(
        code=form.get("code", ""),
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
        block = service.add_time_block(
            session, actor=actor, site=_site(session, form), **_block_fields(form, levels)
        )
        return f"Time block {block.name} added."

    return await _setup_post(request, session, actor, "blocks", apply)


@router.post("/programs/sessions", response_class=HTMLResponse)
async def add_session(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.SETUP_WRITE)]
) -> Response:
    def apply(form: Form, levels: list[str]) -> str:
        group = service.add_group_session(
            session, actor=actor, site=_site(session, form), spec=_session_spec(form, levels)
        )
        return f"Session {group.code} added."

    return await _setup_post(request, session, actor, "sessions", apply)


# --- one item's edit page: a room, a time block, a candidate session ------------------------


@dataclass(frozen=True)
class _Item:
    """What the edit page of one kind of set-up item needs besides the item's values."""

    item: str  # "room", "block" or "session": which fields the template shows
    heading: str
    action: str
    back: str
    delete_note: str


def _room_item(room: Room) -> _Item:
    return _Item(
        "room",
        f"Room {room.code}",
        f"/programs/rooms/{room.id}",
        "/programs#rooms",
        "A room that hosted group meetings of a published schedule cannot be removed.",
    )


def _block_item(block: TimeBlock) -> _Item:
    return _Item(
        "block",
        f"Time block {block.name} ({block.day})",
        f"/programs/time-blocks/{block.id}",
        "/programs#blocks",
        "Removing the block keeps its sessions in the curriculum, without a block.",
    )


def _session_item(group: GroupSession) -> _Item:
    return _Item(
        "session",
        f"Session {group.code}",
        f"/programs/sessions/{group.id}",
        "/programs#sessions",
        "Published meetings of this session stay on the calendar; they are no longer linked to it.",
    )


def _edit_page(
    request: Request,
    session: Session,
    item: _Item,
    site_id: uuid.UUID,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    members: list[GroupSession] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "programs/edit.html",
        {
            **asdict(item),
            "site": service.require_site_by_id(session, site_id),
            "o": _options(session, site_id),
            "values": values,
            "errors": errors,
            "members": members or [],
        },
        status_code=status_code,
    )


async def _edit_post(
    request: Request,
    session: Session,
    show: Callable[[Form, list[str], dict[str, str], int], Response],
    apply: Callable[[Form, list[str]], str],
    done: str,
) -> Response:
    """Apply an edit form, or show it again with the refusal next to its field."""
    form, levels, _ = await _form(request)
    try:
        message = apply(form, levels)
    except StepdownError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        return show(form, levels, {exc.field or "form": exc.message}, exc.status_code)
    return _done(request, done, message)


def _room_values(room: Room) -> dict[str, Any]:
    return {"code": room.code, "name": room.name, "capacity": str(room.capacity)}


@router.get("/programs/rooms/{room_id}", response_class=HTMLResponse)
def room_form(
    room_id: uuid.UUID,
    request: Request,
    session: DbSession,
    _: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    room = service.get_room(session, room_id)
    return _edit_page(request, session, _room_item(room), room.site_id, _room_values(room), {})


@router.post("/programs/rooms/{room_id}", response_class=HTMLResponse)
async def save_room(
    room_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    room = service.get_room(session, room_id)
    item, site_id = _room_item(room), room.site_id

    def show(form: Form, _: list[str], errors: dict[str, str], status: int) -> Response:
        return _edit_page(request, session, item, site_id, form, errors, status_code=status)

    def apply(form: Form, _: list[str]) -> str:
        saved = service.update_room(
            session,
            actor=actor,
            room_id=room_id,
            code=form.get("code", ""),
            name=form.get("name", ""),
            capacity=_int(form, "capacity"),
        )
        return f"Room {saved.code} saved."

    return await _edit_post(request, session, show, apply, "/programs#rooms")


@router.post("/programs/rooms/{room_id}/delete", response_class=HTMLResponse)
def delete_room(
    room_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    room = service.get_room(session, room_id)
    item, site_id, values = _room_item(room), room.site_id, _room_values(room)
    try:
        service.delete_room(session, actor=actor, room_id=room_id)
    except Conflict as exc:
        session.rollback()
        errors = {"form": exc.message}
        return _edit_page(request, session, item, site_id, values, errors, status_code=409)
    return _done(request, "/programs#rooms", f"Room {values['code']} removed.")


def _block_values(block: TimeBlock) -> dict[str, Any]:
    return {
        "kind": block.kind.value,
        "name": block.name,
        "day": block.day,
        "start": block.start,
        "end": block.end,
        "levels": list(block.levels),
    }


@router.get("/programs/time-blocks/{block_id}", response_class=HTMLResponse)
def time_block_form(
    block_id: uuid.UUID,
    request: Request,
    session: DbSession,
    _: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    block = service.get_time_block(session, block_id)
    members = service.sessions_in_block(session, block.id)
    return _edit_page(
        request,
        session,
        _block_item(block),
        block.site_id,
        _block_values(block),
        {},
        members=members,
    )


@router.post("/programs/time-blocks/{block_id}", response_class=HTMLResponse)
async def save_time_block(
    block_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    block = service.get_time_block(session, block_id)
    item, site_id = _block_item(block), block.site_id

    def show(form: Form, levels: list[str], errors: dict[str, str], status: int) -> Response:
        members = service.sessions_in_block(session, block_id)
        values = {**form, "levels": levels}
        return _edit_page(
            request, session, item, site_id, values, errors, members=members, status_code=status
        )

    def apply(form: Form, levels: list[str]) -> str:
        saved = service.update_time_block(
            session, actor=actor, block_id=block_id, **_block_fields(form, levels)
        )
        return f"Time block {saved.name} saved."

    return await _edit_post(request, session, show, apply, "/programs#blocks")


@router.post("/programs/time-blocks/{block_id}/delete", response_class=HTMLResponse)
def delete_time_block(
    block_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    detached = service.delete_time_block(session, actor=actor, block_id=block_id)
    note = f" {detached} session(s) no longer have a block." if detached else ""
    return _done(request, "/programs#blocks", "Time block removed." + note)


def _session_values(group: GroupSession) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": group.code,
        "day": group.day,
        "start": group.start,
        "end": group.end,
        "topic": group.topic,
        "levels": list(group.levels),
        "audience": group.audience.value,
        "gender": group.gender.value,
        "min_size": str(group.min_size),
        "max_size": str(group.max_size),
        "time_block": str(group.time_block_id or ""),
    }
    if group.telehealth:
        values["telehealth"] = "on"
    return values


@router.get("/programs/sessions/{session_id}", response_class=HTMLResponse)
def session_form(
    session_id: uuid.UUID,
    request: Request,
    session: DbSession,
    _: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    group = service.get_group_session(session, session_id)
    item = _session_item(group)
    return _edit_page(request, session, item, group.site_id, _session_values(group), {})


@router.post("/programs/sessions/{session_id}", response_class=HTMLResponse)
async def save_session(
    session_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    group = service.get_group_session(session, session_id)
    item, site_id = _session_item(group), group.site_id

    def show(form: Form, levels: list[str], errors: dict[str, str], status: int) -> Response:
        values = {**form, "levels": levels}
        return _edit_page(request, session, item, site_id, values, errors, status_code=status)

    def apply(form: Form, levels: list[str]) -> str:
        saved = service.update_group_session(
            session, actor=actor, session_id=session_id, spec=_session_spec(form, levels)
        )
        return f"Session {saved.code} saved."

    return await _edit_post(request, session, show, apply, "/programs#sessions")


@router.post("/programs/sessions/{session_id}/delete", response_class=HTMLResponse)
def delete_session(
    session_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    published = service.delete_group_session(session, actor=actor, session_id=session_id)
    note = (
        f" Its {published} published meeting(s) stay on the calendar, no longer linked to it."
        if published
        else ""
    )
    return _done(request, "/programs#sessions", "Session removed." + note)


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
            "has_profile": service.staff_profile_of(session, user_id) is not None,
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


@router.post("/programs/staff/{user_id}/delete", response_class=HTMLResponse)
def delete_staff(
    user_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.SETUP_WRITE)],
) -> Response:
    service.delete_staff_profile(session, actor=actor, user_id=user_id)
    return _done(request, "/programs#staff", "Staff profile removed; the account stays.")


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
