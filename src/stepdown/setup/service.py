"""Starting a program on an empty database, and keeping its details and sites."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import LevelOfCare, PartnerProvider
from stepdown.kit.errors import Conflict, Forbidden, NotFound
from stepdown.programs import service as programs_service
from stepdown.programs.models import GroupSession, Program, Room, Site, StaffProfile, TimeBlock
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.setup import rules

SETUP_ROLES = (Role.ADMIN, Role.DIRECTOR, Role.SYSTEM)
CLINICAL_ROLES = (Role.CLINICIAN, Role.CASE_MANAGER)
PROGRAM_EXISTS = "setup.program_exists"
SITE_IN_USE = "setup.site_in_use"


def _require_setup_role(actor: Actor) -> None:
    if actor.role not in SETUP_ROLES:
        raise Forbidden("only an administrator or the director sets the program up")


@dataclass(frozen=True)
class FirstSignIn:
    program: Program
    admin: User
    password: str


def holds_program(session: Session) -> bool:
    """A program row, or any account: the demo, or a program set up before the row existed."""
    return (
        programs_service.program(session) is not None
        or session.scalar(select(User.id).limit(1)) is not None
    )


def initialize(
    session: Session,
    *,
    actor: Actor,
    program_name: str,
    time_zone: str,
    admin_username: str,
    admin_name: str,
    password: str,
) -> FirstSignIn:
    """The program and its first administrator, on a database that holds neither.

    A database with any account already runs a program (the demo, or a real one set up
    before this row existed): ``init`` refuses it rather than add a second administrator
    nobody asked for.
    """
    if actor.role is not Role.SYSTEM:
        raise Forbidden("a program is initialised from the server's command line")
    if holds_program(session):
        raise Conflict("this database already holds a program", rule=PROGRAM_EXISTS)
    program = programs_service.create_program(
        session, actor=actor, name=program_name, time_zone=time_zone
    )
    admin = security_service.create_user(
        session,
        actor=actor,
        username=admin_username,
        display_name=admin_name,
        role=Role.ADMIN,
        password=password,
    )
    return FirstSignIn(program=program, admin=admin, password=password)


def _count(session: Session, stmt: Select[int]) -> int:
    return session.scalar(stmt) or 0


def setup_facts(session: Session, *, actor: Actor, on: date) -> rules.SetupFacts:
    _require_setup_role(actor)
    program = programs_service.program(session)
    sites = programs_service.open_sites(session, on)
    with_rooms = set(session.scalars(select(Room.site_id).distinct()))
    clinical = list(
        session.scalars(select(User).where(User.is_active.is_(True), User.role.in_(CLINICAL_ROLES)))
    )
    profiled = set(session.scalars(select(StaffProfile.user_id)))
    return rules.SetupFacts(
        has_contact_details=bool(program and program.phone and program.address),
        open_sites=len(sites),
        open_sites_without_rooms=tuple(s.code for s in sites if s.id not in with_rooms),
        in_house_levels=_count(
            session,
            select(func.count())
            .select_from(LevelOfCare)
            .where(LevelOfCare.is_active.is_(True), LevelOfCare.provided_in_house.is_(True)),
        ),
        partners=_count(
            session,
            select(func.count())
            .select_from(PartnerProvider)
            .where(PartnerProvider.is_active.is_(True)),
        ),
        clinical_staff=len(clinical),
        staff_without_profile=tuple(
            u.display_name for u in clinical if u.role is Role.CLINICIAN and u.id not in profiled
        ),
        time_blocks=_count(session, select(func.count()).select_from(TimeBlock)),
        group_sessions=_count(session, select(func.count()).select_from(GroupSession)),
    )


def update_program(
    session: Session, *, actor: Actor, name: str, phone: str, address: str, npi: str = ""
) -> Program:
    _require_setup_role(actor)
    return programs_service.update_program(
        session, actor=actor, name=name, phone=phone, address=address, npi=npi
    )


def create_site(
    session: Session, *, actor: Actor, code: str, name: str, address: str, phone: str
) -> Site:
    _require_setup_role(actor)
    return programs_service.create_site(
        session, actor=actor, code=code, name=name, address=address, phone=phone
    )


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
    _require_setup_role(actor)
    return programs_service.update_site(
        session, actor=actor, site_id=site_id, code=code, name=name, address=address, phone=phone
    )


def close_site(session: Session, *, actor: Actor, site_id: uuid.UUID, on: date) -> Site:
    """Close a site from ``on``. Refused while clients in care or active staff still
    belong to it: they are moved first, so nobody is left at a site that no longer runs."""
    _require_setup_role(actor)
    site = programs_service.get_site(session, site_id)
    if site is None:
        raise NotFound("no such site")
    clients = continuum_service.open_episode_count(session, site.id)
    staff = _count(
        session,
        select(func.count())
        .select_from(User)
        .where(User.site_id == site.id, User.is_active.is_(True)),
    )
    if clients or staff:
        who = " and ".join(
            part
            for part in (
                f"{clients} client(s) in care" if clients else "",
                f"{staff} active staff account(s)" if staff else "",
            )
            if part
        )
        raise Conflict(
            f"{site.code} still has {who}: move them to another site first",
            field="closed_on",
            rule=SITE_IN_USE,
        )
    return programs_service.set_site_closing(session, actor=actor, site_id=site.id, closed_on=on)


def reopen_site(session: Session, *, actor: Actor, site_id: uuid.UUID) -> Site:
    _require_setup_role(actor)
    return programs_service.set_site_closing(session, actor=actor, site_id=site_id, closed_on=None)
