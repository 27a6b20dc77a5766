"""Use cases on the program set-up: sites and rooms, staff profiles, time blocks, the candidate
group sessions, clients' schedule profiles and keep-apart pairs.

Every write is validated by ``rules`` before anything changes and audited in the caller's
transaction. Client schedule profiles and keep-apart pairs are PHI: they are reached only
through clients the actor may read, and every read and change names the client in the audit.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from stepdown.audit import rules as audit_rules
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.calendar.models import SessionOccurrence
from stepdown.clients import repository as clients_repository
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Invalid, NotFound
from stepdown.programs import rules
from stepdown.programs.models import (
    Audience,
    BlockKind,
    ClientScheduleProfile,
    GroupSession,
    KeepApart,
    KeepApartReason,
    Program,
    ProgramLogo,
    Room,
    SessionGender,
    Site,
    StaffProfile,
    TimeBlock,
)
from stepdown.scheduling.exchange import DAYS
from stepdown.security import repository as security_repository
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import STAFF_ROLES


def list_sites(session: Session) -> list[Site]:
    """Every site, closed ones too: lists and history filter by any site the program had."""
    return list(session.scalars(select(Site).order_by(Site.code)))


def open_sites(session: Session, on: date) -> list[Site]:
    """The sites a person may choose for something new on ``on`` (a client, a room, an
    event): those not closed by then."""
    return list(
        session.scalars(
            select(Site)
            .where(or_(Site.closed_on.is_(None), Site.closed_on > on))
            .order_by(Site.code)
        )
    )


def get_site(session: Session, site_id: uuid.UUID) -> Site | None:
    return session.get(Site, site_id)


def rooms_by_site(session: Session) -> dict[uuid.UUID, list[Room]]:
    rooms: dict[uuid.UUID, list[Room]] = {}
    for room in session.scalars(select(Room).order_by(Room.code)):
        rooms.setdefault(room.site_id, []).append(room)
    return rooms


def site_by_code(session: Session, code: str) -> Site | None:
    return session.scalar(select(Site).where(Site.code == code.strip().upper()))


def require_site(session: Session, code: str, field: str = "site") -> Site:
    site = site_by_code(session, code) if code.strip() else None
    if site is None:
        raise Invalid(f"no site with code {code!r}", field=field)
    return site


def require_site_by_id(session: Session, site_id: uuid.UUID | None, field: str = "site") -> Site:
    site = session.get(Site, site_id) if site_id is not None else None
    if site is None:
        raise Invalid("choose a site", field=field)
    return site


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    entity_type: str,
    entity_id: uuid.UUID,
    *,
    client_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        client_id=client_id,
        detail=detail,
    )


# --- the program and its sites -------------------------------------------------------------


def program(session: Session) -> Program | None:
    return session.get(Program, 1)


def create_program(
    session: Session,
    *,
    actor: Actor,
    name: str,
    time_zone: str,
    phone: str = "",
    address: str = "",
    is_synthetic: bool = False,
) -> Program:
    """The database's one program. Refused when there is one already: a second ``init``
    must never rename a running program or move its clock."""
    if program(session) is not None:
        raise Conflict("this database already holds a program", rule="program.exists")
    record = Program(
        id=1,
        name=rules.check_name(name, "program", longest=120),
        time_zone=rules.check_time_zone(time_zone),
        phone=rules.check_phone(phone),
        address=rules.check_address(address),
        is_synthetic=is_synthetic,
    )
    session.add(record)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="program",
        entity_id=None,
        detail={"name": record.name, "time_zone": record.time_zone},
    )
    return record


def update_program(
    session: Session, *, actor: Actor, name: str, phone: str, address: str, npi: str = ""
) -> Program:
    """Name and contact details, as printouts show them, and the NPI payers know the
    program by. The time zone is not here: see ``Program``."""
    record = program(session)
    if record is None:
        raise NotFound("no program yet: run `stepdown init`")
    new = {
        "name": rules.check_name(name, "program", longest=120),
        "phone": rules.check_phone(phone),
        "address": rules.check_address(address),
        "npi": rules.check_npi(npi),
    }
    changes = audit_rules.field_changes(record, new)
    for field, value in new.items():
        setattr(record, field, value)
    session.flush()
    if changes:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type="program",
            entity_id=None,
            detail={"changes": changes},
        )
    return record


def set_logo(session: Session, *, actor: Actor, data: bytes) -> ProgramLogo:
    """Replace the logo printouts carry; the image is checked before anything is kept."""
    if program(session) is None:
        raise NotFound("no program yet: run `stepdown init`")
    content_type, width, height = rules.check_logo(data)
    logo = session.get(ProgramLogo, 1) or ProgramLogo(program_id=1)
    logo.content_type, logo.data, logo.width, logo.height = content_type, data, width, height
    logo.uploaded_at = utc_now()
    session.add(logo)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="program_logo",
        entity_id=None,
        detail={"content_type": content_type, "width": width, "height": height, "bytes": len(data)},
    )
    return logo


def remove_logo(session: Session, *, actor: Actor) -> None:
    logo = session.get(ProgramLogo, 1)
    if logo is None:
        return
    session.delete(logo)
    session.flush()
    audit_service.record(
        session, actor=actor, action=AuditAction.DELETE, entity_type="program_logo", entity_id=None
    )


def _check_site_code_free(session: Session, code: str, site_id: uuid.UUID | None = None) -> None:
    taken = site_by_code(session, code)
    if taken is not None and taken.id != site_id:
        raise Conflict(f"there is already a site {code}", field="code")


def create_site(
    session: Session, *, actor: Actor, code: str, name: str, address: str = "", phone: str = ""
) -> Site:
    code = rules.check_code(code)
    _check_site_code_free(session, code)
    site = Site(
        code=code,
        name=rules.check_name(name, "site", longest=120),
        address=rules.check_address(address),
        phone=rules.check_phone(phone),
    )
    session.add(site)
    session.flush()
    _audit(session, actor, AuditAction.CREATE, "site", site.id, detail={"code": code})
    return site


def update_site(
    session: Session,
    *,
    actor: Actor,
    site_id: uuid.UUID,
    code: str,
    name: str,
    address: str,
    phone: str,
) -> Site:
    site = get_site(session, site_id)
    if site is None:
        raise NotFound("no such site")
    new = {
        "code": rules.check_code(code),
        "name": rules.check_name(name, "site", longest=120),
        "address": rules.check_address(address),
        "phone": rules.check_phone(phone),
    }
    _check_site_code_free(session, new["code"], site.id)
    changes = audit_rules.field_changes(site, new)
    for field, value in new.items():
        setattr(site, field, value)
    session.flush()
    if changes:
        _audit(session, actor, AuditAction.UPDATE, "site", site.id, detail={"changes": changes})
    return site


def set_site_closing(
    session: Session, *, actor: Actor, site_id: uuid.UUID, closed_on: date | None
) -> Site:
    """Close a site from a date, or reopen it (``None``). Whether anyone still needs the
    site is the caller's check (the set-up domain asks the continuum): this only records."""
    site = get_site(session, site_id)
    if site is None:
        raise NotFound("no such site")
    changes = audit_rules.field_changes(site, {"closed_on": closed_on})
    site.closed_on = closed_on
    session.flush()
    if changes:
        _audit(session, actor, AuditAction.UPDATE, "site", site.id, detail={"changes": changes})
    return site


# --- rooms ----------------------------------------------------------------------------------


def get_room(session: Session, room_id: uuid.UUID) -> Room:
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound("no such room")
    return room


def _check_room_code_free(
    session: Session, site_id: uuid.UUID, code: str, room_id: uuid.UUID | None = None
) -> None:
    taken = session.scalar(select(Room).where(Room.site_id == site_id, Room.code == code))
    if taken is not None and taken.id != room_id:
        raise Conflict(f"this site already has a room {code}", field="code")


def add_room(
    session: Session, *, actor: Actor, site: Site, code: str, name: str, capacity: int
) -> Room:
    code = rules.check_code(code)
    name = rules.check_name(name, "room", longest=120)
    capacity = rules.check_capacity(capacity)
    _check_room_code_free(session, site.id, code)
    room = Room(site_id=site.id, code=code, name=name, capacity=capacity)
    session.add(room)
    session.flush()
    _audit(session, actor, AuditAction.CREATE, "room", room.id, detail={"code": code})
    return room


def update_room(
    session: Session, *, actor: Actor, room_id: uuid.UUID, code: str, name: str, capacity: int
) -> Room:
    """Rename or resize a room. Its site stays: published meetings were held at that site."""
    room = get_room(session, room_id)
    code = rules.check_code(code)
    name = rules.check_name(name, "room", longest=120)
    capacity = rules.check_capacity(capacity)
    _check_room_code_free(session, room.site_id, code, room.id)
    room.code, room.name, room.capacity = code, name, capacity
    session.flush()
    _audit(session, actor, AuditAction.UPDATE, "room", room.id, detail={"code": code})
    return room


def delete_room(session: Session, *, actor: Actor, room_id: uuid.UUID) -> None:
    """Remove a room nothing was scheduled in.

    Published group meetings keep the room they were held in (the calendar's history and the
    attendance records point at it), so a room that hosted any is refused by name rather than
    left to the database's RESTRICT.
    """
    room = get_room(session, room_id)
    used = session.scalar(
        select(func.count())
        .select_from(SessionOccurrence)
        .where(SessionOccurrence.room_id == room.id)
    )
    if used:
        raise Conflict(
            f"room {room.code} is the room of {used} group meeting(s) in published schedules, "
            "which keep their record; it cannot be removed",
            rule="room.in_published_schedule",
        )
    _audit(session, actor, AuditAction.DELETE, "room", room.id, detail={"code": room.code})
    session.delete(room)
    session.flush()


# --- staff profiles -------------------------------------------------------------------------


def staff_profiles(session: Session) -> list[tuple[StaffProfile, User]]:
    rows = session.execute(
        select(StaffProfile, User)
        .join(User, User.id == StaffProfile.user_id)
        .order_by(User.display_name)
    )
    return [(profile, user) for profile, user in rows]


def staff_profile_of(session: Session, user_id: uuid.UUID) -> StaffProfile | None:
    return session.scalar(select(StaffProfile).where(StaffProfile.user_id == user_id))


def staff_member(session: Session, user_id: uuid.UUID) -> User:
    user = security_repository.user_by_id(session, user_id)
    if user is None or user.role not in STAFF_ROLES:
        raise NotFound("no such staff member")
    return user


def save_staff_profile(
    session: Session,
    *,
    actor: Actor,
    user: User,
    site: Site,
    topics: list[str],
    availability: list[dict[str, Any]],
    max_hours: float,
) -> StaffProfile:
    """Create or replace what the scheduler knows about one staff member."""
    if user.role not in STAFF_ROLES:
        raise Invalid("only staff members lead groups or see clients", field="user")
    values = {
        "site_id": site.id,
        "topics": rules.check_topics(topics),
        "availability": rules.check_windows(availability),
        "max_hours": rules.check_max_hours(max_hours),
    }
    profile = staff_profile_of(session, user.id)
    action = AuditAction.UPDATE if profile else AuditAction.CREATE
    if profile is None:
        profile = StaffProfile(user_id=user.id, **values)
        session.add(profile)
    else:
        for key, value in values.items():
            setattr(profile, key, value)
    session.flush()
    _audit(session, actor, action, "staff_profile", profile.id, detail={"user_id": str(user.id)})
    return profile


def delete_staff_profile(session: Session, *, actor: Actor, user_id: uuid.UUID) -> None:
    """Take someone out of scheduling (their account stays; published weeks keep them)."""
    profile = staff_profile_of(session, user_id)
    if profile is None:
        raise NotFound("this staff member has no profile")
    _audit(
        session,
        actor,
        AuditAction.DELETE,
        "staff_profile",
        profile.id,
        detail={"user_id": str(user_id)},
    )
    session.delete(profile)
    session.flush()


# --- time blocks and the curriculum ---------------------------------------------------------


def time_blocks(session: Session) -> list[TimeBlock]:
    blocks = list(session.scalars(select(TimeBlock)))
    return sorted(blocks, key=lambda b: (b.site_id.hex, DAYS.index(b.day), b.start))


def get_time_block(session: Session, block_id: uuid.UUID) -> TimeBlock:
    block = session.get(TimeBlock, block_id)
    if block is None:
        raise NotFound("no such time block")
    return block


def _block_values(
    kind: BlockKind, name: str, day: str, start: str, end: str, levels: list[str]
) -> dict[str, Any]:
    day, start, end = rules.check_interval(day, start, end)
    return {
        "kind": kind,
        "name": rules.check_name(name, "time block") if name.strip() else kind.label,
        "day": day,
        "start": start,
        "end": end,
        "levels": rules.check_levels(levels),
    }


def add_time_block(
    session: Session,
    *,
    actor: Actor,
    site: Site,
    kind: BlockKind,
    name: str,
    day: str,
    start: str,
    end: str,
    levels: list[str],
) -> TimeBlock:
    block = TimeBlock(site_id=site.id, **_block_values(kind, name, day, start, end, levels))
    session.add(block)
    session.flush()
    _audit(session, actor, AuditAction.CREATE, "time_block", block.id)
    return block


def sessions_in_block(session: Session, block_id: uuid.UUID) -> list[GroupSession]:
    found = session.scalars(select(GroupSession).where(GroupSession.time_block_id == block_id))
    return sorted(found, key=lambda g: (g.start, g.code))


def update_time_block(
    session: Session,
    *,
    actor: Actor,
    block_id: uuid.UUID,
    kind: BlockKind,
    name: str,
    day: str,
    start: str,
    end: str,
    levels: list[str],
) -> TimeBlock:
    """Change a block; refused while one of its sessions would no longer fit inside it."""
    block = get_time_block(session, block_id)
    values = _block_values(kind, name, day, start, end, levels)
    shape = (values["day"], values["start"], values["end"], values["levels"])
    for group in sessions_in_block(session, block.id):
        try:
            rules.check_inside_block(group.day, group.start, group.end, group.levels, shape)
        except Invalid as exc:
            raise Conflict(
                f"session {group.code} would no longer fit ({exc.message}); "
                "change or detach it first",
                field=exc.field if exc.field == "levels" else "start",
                rule="time_block.session_outside",
            ) from None
    for key, value in values.items():
        setattr(block, key, value)
    session.flush()
    _audit(session, actor, AuditAction.UPDATE, "time_block", block.id)
    return block


def delete_time_block(session: Session, *, actor: Actor, block_id: uuid.UUID) -> int:
    """Remove a block; its sessions stay in the curriculum without a block. Returns how many."""
    block = get_time_block(session, block_id)
    detached = sessions_in_block(session, block.id)
    for group in detached:
        group.time_block_id = None
    _audit(
        session,
        actor,
        AuditAction.DELETE,
        "time_block",
        block.id,
        detail={"sessions_detached": [g.code for g in detached]},
    )
    session.delete(block)
    session.flush()
    return len(detached)


def group_sessions(session: Session) -> list[GroupSession]:
    found = list(session.scalars(select(GroupSession)))
    return sorted(found, key=lambda g: (g.site_id.hex, DAYS.index(g.day), g.start, g.code))


def get_group_session(session: Session, session_id: uuid.UUID) -> GroupSession:
    group = session.get(GroupSession, session_id)
    if group is None:
        raise NotFound("no such group session")
    return group


def _next_session_code(session: Session, site_id: uuid.UUID) -> str:
    codes = session.scalars(select(GroupSession.code).where(GroupSession.site_id == site_id))
    numbers = [int(c[1:]) for c in codes if re.fullmatch(r"G\d+", c)]
    return f"G{max(numbers, default=0) + 1}"


@dataclass(frozen=True)
class SessionSpec:
    """A candidate group session as entered (form, API or CSV), before validation."""

    day: str
    start: str
    end: str
    topic: str
    levels: list[str]
    audience: Audience = Audience.ADULT
    gender: SessionGender = SessionGender.ANY
    min_size: int = 3
    max_size: int = 12
    telehealth: bool = False
    time_block_id: uuid.UUID | None = None
    code: str = ""


def _session_values(session: Session, site_id: uuid.UUID, spec: SessionSpec) -> dict[str, Any]:
    """The validated columns of a session at a site (everything but its code)."""
    day, start, end = rules.check_interval(spec.day, spec.start, spec.end)
    topic = rules.check_topics([spec.topic.strip().upper()], field="topic", allow_empty=False)[0]
    levels = rules.check_levels(spec.levels)
    rules.check_sizes(spec.min_size, spec.max_size)
    if spec.time_block_id is not None:
        block = session.get(TimeBlock, spec.time_block_id)
        if block is None or block.site_id != site_id:
            raise Invalid("no such time block at this site", field="time_block")
        rules.check_inside_block(
            day, start, end, levels, (block.day, block.start, block.end, block.levels)
        )
    return {
        "day": day,
        "start": start,
        "end": end,
        "topic": topic,
        "levels": levels,
        "audience": spec.audience,
        "gender": spec.gender,
        "min_size": spec.min_size,
        "max_size": spec.max_size,
        "telehealth": spec.telehealth,
        "time_block_id": spec.time_block_id,
    }


def _session_with_code(session: Session, site_id: uuid.UUID, code: str) -> GroupSession | None:
    return session.scalar(
        select(GroupSession).where(GroupSession.site_id == site_id, GroupSession.code == code)
    )


def add_group_session(
    session: Session, *, actor: Actor, site: Site, spec: SessionSpec
) -> GroupSession:
    """Add a candidate session; without a code it gets the site's next "G<n>"."""
    values = _session_values(session, site.id, spec)
    code = (
        rules.check_code(spec.code) if spec.code.strip() else _next_session_code(session, site.id)
    )
    if _session_with_code(session, site.id, code) is not None:
        raise Conflict(f"this site already has a session {code}", field="code")
    group = GroupSession(site_id=site.id, code=code, **values)
    session.add(group)
    session.flush()
    _audit(session, actor, AuditAction.CREATE, "group_session", group.id, detail={"code": code})
    return group


def update_group_session(
    session: Session, *, actor: Actor, session_id: uuid.UUID, spec: SessionSpec
) -> GroupSession:
    """Replace a candidate session's details; an empty code keeps the current one."""
    group = get_group_session(session, session_id)
    values = _session_values(session, group.site_id, spec)
    code = rules.check_code(spec.code) if spec.code.strip() else group.code
    taken = _session_with_code(session, group.site_id, code)
    if taken is not None and taken.id != group.id:
        raise Conflict(f"this site already has a session {code}", field="code")
    group.code = code
    for key, value in values.items():
        setattr(group, key, value)
    session.flush()
    _audit(session, actor, AuditAction.UPDATE, "group_session", group.id, detail={"code": code})
    return group


def save_group_session(
    session: Session, *, actor: Actor, site: Site, spec: SessionSpec
) -> GroupSession:
    """Add a candidate session, or replace the one with the same code at the site (imports)."""
    existing = (
        _session_with_code(session, site.id, rules.check_code(spec.code))
        if spec.code.strip()
        else None
    )
    if existing is None:
        return add_group_session(session, actor=actor, site=site, spec=spec)
    return update_group_session(session, actor=actor, session_id=existing.id, spec=spec)


def delete_group_session(session: Session, *, actor: Actor, session_id: uuid.UUID) -> int:
    """Remove a candidate session. Returns how many published meetings of it there were.

    Those meetings stay on the calendar with their own copy of time, topic and room; only
    their link to this candidate is cleared (the foreign key is SET NULL), so the caller can
    say so.
    """
    group = get_group_session(session, session_id)
    published = session.scalar(
        select(func.count())
        .select_from(SessionOccurrence)
        .where(SessionOccurrence.group_session_id == group.id)
    )
    _audit(
        session,
        actor,
        AuditAction.DELETE,
        "group_session",
        group.id,
        detail={"code": group.code, "published_meetings": published or 0},
    )
    session.delete(group)
    session.flush()
    return published or 0


# --- client schedule profiles (PHI) ---------------------------------------------------------


def client_by_record_number(
    session: Session, *, actor: Actor, record_number: str, field: str = "record_number"
) -> Client:
    """A client the actor may see, by record number (a read of their record)."""
    client = session.scalar(
        clients_repository.readable(actor).where(
            Client.record_number == record_number.strip().upper()
        )
    )
    if client is None:
        raise Invalid(f"no client {record_number.strip()!r} you may see", field=field)
    audit_service.record_reads(session, actor=actor, entity_type="client", client_ids=[client.id])
    return client


def client_by_id(session: Session, *, actor: Actor, client_id: uuid.UUID, field: str) -> Client:
    """A client the actor may see (an audited read), or Invalid naming the field that chose them.

    For a client named inside a request body: the request itself is fine, one of its fields is
    not, and the message is the same whether the client does not exist or is out of reach.
    """
    try:
        return clients_service.get_client(session, actor=actor, client_id=client_id)
    except NotFound:
        raise Invalid("no such client, or not one you may see", field=field) from None


def client_profile(
    session: Session, *, actor: Actor, client_id: uuid.UUID
) -> tuple[Client, ClientScheduleProfile | None]:
    """A client and their schedule profile, if any; an audited read of both."""
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    profile = session.scalar(
        select(ClientScheduleProfile).where(ClientScheduleProfile.client_id == client.id)
    )
    if profile is not None:
        _audit(
            session,
            actor,
            AuditAction.READ,
            "client_schedule_profile",
            profile.id,
            client_id=client.id,
        )
    return client, profile


def save_client_profile(
    session: Session,
    *,
    actor: Actor,
    client: Client,
    availability: list[dict[str, Any]],
    therapist_id: uuid.UUID | None,
    individual_sessions: int,
    family_sessions: int,
) -> ClientScheduleProfile:
    """Create or replace a client's weekly availability and appointment needs.

    The caller has loaded ``client`` through the actor's scoped queries. The therapist
    defaults to the client's primary clinician.
    """
    therapist_id = therapist_id or client.primary_clinician_id
    therapist = security_repository.user_by_id(session, therapist_id) if therapist_id else None
    if therapist is None or therapist.role not in STAFF_ROLES or not therapist.is_active:
        raise Invalid("choose an active staff member as primary therapist", field="therapist")
    values = {
        "availability": rules.check_windows(availability),
        "primary_therapist_id": therapist.id,
        "individual_sessions": rules.check_count(individual_sessions, "individual_sessions"),
        "family_sessions": rules.check_count(family_sessions, "family_sessions"),
        "updated_by": actor.user_id,
    }
    profile = session.scalar(
        select(ClientScheduleProfile).where(ClientScheduleProfile.client_id == client.id)
    )
    action = AuditAction.UPDATE if profile else AuditAction.CREATE
    if profile is None:
        profile = ClientScheduleProfile(client_id=client.id, **values)
        session.add(profile)
    else:
        for key, value in values.items():
            setattr(profile, key, value)
    session.flush()
    _audit(
        session,
        actor,
        action,
        "client_schedule_profile",
        profile.id,
        client_id=client.id,
        detail={"fields": sorted(k for k in values if k != "updated_by")},
    )
    return profile


# --- keep-apart pairs (PHI) -----------------------------------------------------------------


@dataclass(frozen=True)
class PairView:
    pair: KeepApart
    client_a: Client
    client_b: Client


def keep_apart_pairs(session: Session, *, actor: Actor) -> list[PairView]:
    """Pairs whose two clients the actor may both see; each client shown is an audited read.

    A clinician sees the pairs inside their caseload; pairs across caseloads are the
    director's to manage, since naming the other client would disclose them.
    """
    visible = clients_repository.readable(actor).with_only_columns(Client.id).scalar_subquery()
    pairs = list(
        session.scalars(
            select(KeepApart).where(
                KeepApart.client_a_id.in_(visible), KeepApart.client_b_id.in_(visible)
            )
        )
    )
    ids = list({p.client_a_id for p in pairs} | {p.client_b_id for p in pairs})
    clients = clients_service.clients_by_id(session, actor=actor, client_ids=ids)
    audit_service.record_reads(session, actor=actor, entity_type="keep_apart", client_ids=ids)
    views = [PairView(p, clients[p.client_a_id], clients[p.client_b_id]) for p in pairs]
    return sorted(views, key=lambda v: (v.client_a.record_number, v.client_b.record_number))


def add_keep_apart(
    session: Session, *, actor: Actor, client_a: Client, client_b: Client, reason: KeepApartReason
) -> KeepApart:
    """Record that two clients (loaded through the actor's scoped queries) never share a group."""
    first, second = rules.keep_apart_pair(client_a.id, client_b.id)
    existing = session.scalar(
        select(KeepApart).where(KeepApart.client_a_id == first, KeepApart.client_b_id == second)
    )
    if existing is not None:
        raise Conflict("these two clients are already kept apart", field="client_b")
    pair = KeepApart(client_a_id=first, client_b_id=second, reason=reason, created_by=actor.user_id)
    session.add(pair)
    session.flush()
    for client_id in (first, second):
        _audit(
            session,
            actor,
            AuditAction.CREATE,
            "keep_apart",
            pair.id,
            client_id=client_id,
            detail={"reason": reason.value},
        )
    return pair


def remove_keep_apart(session: Session, *, actor: Actor, pair_id: uuid.UUID) -> None:
    visible = clients_repository.readable(actor).with_only_columns(Client.id).scalar_subquery()
    pair = session.scalar(
        select(KeepApart).where(
            KeepApart.id == pair_id,
            KeepApart.client_a_id.in_(visible),
            KeepApart.client_b_id.in_(visible),
        )
    )
    if pair is None:
        raise NotFound("no such keep-apart pair, or not one you may see")
    for client_id in (pair.client_a_id, pair.client_b_id):
        _audit(session, actor, AuditAction.DELETE, "keep_apart", pair.id, client_id=client_id)
    session.delete(pair)
    session.flush()


def keep_apart_of(session: Session, client_ids: list[uuid.UUID]) -> list[KeepApart]:
    """Every pair touching these clients (for the export, which names only exported clients)."""
    if not client_ids:
        return []
    return list(
        session.scalars(
            select(KeepApart).where(
                or_(KeepApart.client_a_id.in_(client_ids), KeepApart.client_b_id.in_(client_ids))
            )
        )
    )
