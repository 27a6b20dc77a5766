"""JSON routes for the program set-up: rooms, staff profiles, time blocks, candidate sessions,
and the PHI parts, client schedule profiles and keep-apart pairs.

Each write goes through the same service function as the pages and the CSV imports, so a
refusal reads the same everywhere: 422 naming the field, 409 naming the rule.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from stepdown.kit.errors import NotFound
from stepdown.kit.web import DbSession
from stepdown.programs import access, service
from stepdown.programs.schemas import (
    ClientProfileRead,
    ClientProfileWrite,
    GroupSessionCreate,
    GroupSessionRead,
    GroupSessionWrite,
    KeepApartRead,
    KeepApartWrite,
    Removed,
    RoomCreate,
    RoomRead,
    RoomWrite,
    StaffProfileRead,
    StaffProfileWrite,
    TimeBlockCreate,
    TimeBlockRead,
    TimeBlockWrite,
)
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1/programs", tags=["programs"])

SetupReader = Annotated[Actor, allow(access.SETUP_READ)]
SetupWriter = Annotated[Actor, allow(access.SETUP_WRITE)]


# --- rooms ----------------------------------------------------------------------------------


@router.get("/rooms", response_model=list[RoomRead])
def rooms(session: DbSession, _: SetupReader) -> list[RoomRead]:
    return [
        RoomRead.model_validate(room)
        for site_rooms in service.rooms_by_site(session).values()
        for room in site_rooms
    ]


@router.post("/rooms", response_model=RoomRead, status_code=201)
def add_room(body: RoomCreate, session: DbSession, actor: SetupWriter) -> RoomRead:
    room = service.add_room(
        session,
        actor=actor,
        site=service.require_site_by_id(session, body.site_id, "site_id"),
        code=body.code,
        name=body.name,
        capacity=body.capacity,
    )
    return RoomRead.model_validate(room)


@router.put("/rooms/{room_id}", response_model=RoomRead)
def update_room(
    room_id: uuid.UUID, body: RoomWrite, session: DbSession, actor: SetupWriter
) -> RoomRead:
    room = service.update_room(
        session,
        actor=actor,
        room_id=room_id,
        code=body.code,
        name=body.name,
        capacity=body.capacity,
    )
    return RoomRead.model_validate(room)


@router.delete("/rooms/{room_id}", response_model=Removed)
def delete_room(room_id: uuid.UUID, session: DbSession, actor: SetupWriter) -> Removed:
    service.delete_room(session, actor=actor, room_id=room_id)
    return Removed(id=room_id, detail="room removed")


# --- staff profiles -------------------------------------------------------------------------


@router.get("/staff-profiles", response_model=list[StaffProfileRead])
def staff_profiles(session: DbSession, _: SetupReader) -> list[StaffProfileRead]:
    return [StaffProfileRead.model_validate(p) for p, _ in service.staff_profiles(session)]


@router.put("/staff-profiles/{user_id}", response_model=StaffProfileRead)
def save_staff_profile(
    user_id: uuid.UUID, body: StaffProfileWrite, session: DbSession, actor: SetupWriter
) -> StaffProfileRead:
    profile = service.save_staff_profile(
        session,
        actor=actor,
        user=service.staff_member(session, user_id),
        site=service.require_site_by_id(session, body.site_id, "site_id"),
        topics=body.topics,
        availability=[w.model_dump() for w in body.availability],
        max_hours=body.max_hours,
    )
    return StaffProfileRead.model_validate(profile)


@router.delete("/staff-profiles/{user_id}", response_model=Removed)
def delete_staff_profile(user_id: uuid.UUID, session: DbSession, actor: SetupWriter) -> Removed:
    service.delete_staff_profile(session, actor=actor, user_id=user_id)
    return Removed(id=user_id, detail="staff profile removed; the account stays")


# --- time blocks ----------------------------------------------------------------------------


@router.get("/time-blocks", response_model=list[TimeBlockRead])
def time_blocks(session: DbSession, _: SetupReader) -> list[TimeBlockRead]:
    return [TimeBlockRead.model_validate(b) for b in service.time_blocks(session)]


@router.post("/time-blocks", response_model=TimeBlockRead, status_code=201)
def add_time_block(body: TimeBlockCreate, session: DbSession, actor: SetupWriter) -> TimeBlockRead:
    block = service.add_time_block(
        session,
        actor=actor,
        site=service.require_site_by_id(session, body.site_id, "site_id"),
        kind=body.kind,
        name=body.name,
        day=body.day,
        start=body.start,
        end=body.end,
        levels=body.levels,
    )
    return TimeBlockRead.model_validate(block)


@router.put("/time-blocks/{block_id}", response_model=TimeBlockRead)
def update_time_block(
    block_id: uuid.UUID, body: TimeBlockWrite, session: DbSession, actor: SetupWriter
) -> TimeBlockRead:
    block = service.update_time_block(
        session,
        actor=actor,
        block_id=block_id,
        kind=body.kind,
        name=body.name,
        day=body.day,
        start=body.start,
        end=body.end,
        levels=body.levels,
    )
    return TimeBlockRead.model_validate(block)


@router.delete("/time-blocks/{block_id}", response_model=Removed)
def delete_time_block(block_id: uuid.UUID, session: DbSession, actor: SetupWriter) -> Removed:
    detached = service.delete_time_block(session, actor=actor, block_id=block_id)
    return Removed(
        id=block_id, detail=f"time block removed; {detached} session(s) no longer have a block"
    )


# --- candidate group sessions ---------------------------------------------------------------


def _spec(body: GroupSessionWrite) -> service.SessionSpec:
    return service.SessionSpec(
        code=body.code,
        day=body.day,
        start=body.start,
        end=body.end,
        topic=body.topic,
        levels=body.levels,
        audience=body.audience,
        gender=body.gender,
        min_size=body.min_size,
        max_size=body.max_size,
        telehealth=body.telehealth,
        time_block_id=body.time_block_id,
    )


@router.get("/sessions", response_model=list[GroupSessionRead])
def group_sessions(session: DbSession, _: SetupReader) -> list[GroupSessionRead]:
    return [GroupSessionRead.model_validate(g) for g in service.group_sessions(session)]


@router.post("/sessions", response_model=GroupSessionRead, status_code=201)
def add_group_session(
    body: GroupSessionCreate, session: DbSession, actor: SetupWriter
) -> GroupSessionRead:
    site = service.require_site_by_id(session, body.site_id, "site_id")
    group = service.add_group_session(session, actor=actor, site=site, spec=_spec(body))
    return GroupSessionRead.model_validate(group)


@router.put("/sessions/{session_id}", response_model=GroupSessionRead)
def update_group_session(
    session_id: uuid.UUID, body: GroupSessionWrite, session: DbSession, actor: SetupWriter
) -> GroupSessionRead:
    group = service.update_group_session(
        session, actor=actor, session_id=session_id, spec=_spec(body)
    )
    return GroupSessionRead.model_validate(group)


@router.delete("/sessions/{session_id}", response_model=Removed)
def delete_group_session(session_id: uuid.UUID, session: DbSession, actor: SetupWriter) -> Removed:
    published = service.delete_group_session(session, actor=actor, session_id=session_id)
    detail = "session removed"
    if published:
        detail += (
            f"; its {published} published meeting(s) stay on the calendar, "
            "no longer linked to a candidate session"
        )
    return Removed(id=session_id, detail=detail)


# --- PHI: client schedule profiles and keep-apart pairs -------------------------------------


@router.get("/clients/{client_id}/schedule-profile", response_model=ClientProfileRead)
def client_profile(
    client_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENT_PROFILE)],
) -> ClientProfileRead:
    _, profile = service.client_profile(session, actor=actor, client_id=client_id)
    if profile is None:
        raise NotFound("this client has no schedule profile yet")
    return ClientProfileRead.model_validate(profile)


@router.put("/clients/{client_id}/schedule-profile", response_model=ClientProfileRead)
def save_client_profile(
    client_id: uuid.UUID,
    body: ClientProfileWrite,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENT_PROFILE)],
) -> ClientProfileRead:
    person, _ = service.client_profile(session, actor=actor, client_id=client_id)
    profile = service.save_client_profile(
        session,
        actor=actor,
        client=person,
        availability=[w.model_dump() for w in body.availability],
        therapist_id=body.primary_therapist_id,
        individual_sessions=body.individual_sessions,
        family_sessions=body.family_sessions,
    )
    return ClientProfileRead.model_validate(profile)


@router.get("/keep-apart", response_model=list[KeepApartRead])
def keep_apart_pairs(
    session: DbSession, actor: Annotated[Actor, allow(access.KEEP_APART)]
) -> list[KeepApartRead]:
    return [
        KeepApartRead(
            id=view.pair.id,
            client_a_id=view.client_a.id,
            client_a_record_number=view.client_a.record_number,
            client_b_id=view.client_b.id,
            client_b_record_number=view.client_b.record_number,
            reason=view.pair.reason,
        )
        for view in service.keep_apart_pairs(session, actor=actor)
    ]


@router.post("/keep-apart", response_model=KeepApartRead, status_code=201)
def add_keep_apart(
    body: KeepApartWrite, session: DbSession, actor: Annotated[Actor, allow(access.KEEP_APART)]
) -> KeepApartRead:
    first = service.client_by_id(
        session, actor=actor, client_id=body.client_a_id, field="client_a_id"
    )
    second = service.client_by_id(
        session, actor=actor, client_id=body.client_b_id, field="client_b_id"
    )
    pair = service.add_keep_apart(
        session, actor=actor, client_a=first, client_b=second, reason=body.reason
    )
    by_id = {first.id: first, second.id: second}
    return KeepApartRead(
        id=pair.id,
        client_a_id=pair.client_a_id,
        client_a_record_number=by_id[pair.client_a_id].record_number,
        client_b_id=pair.client_b_id,
        client_b_record_number=by_id[pair.client_b_id].record_number,
        reason=pair.reason,
    )


@router.delete("/keep-apart/{pair_id}", response_model=Removed)
def remove_keep_apart(
    pair_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.KEEP_APART)]
) -> Removed:
    service.remove_keep_apart(session, actor=actor, pair_id=pair_id)
    return Removed(id=pair_id, detail="pair removed")
