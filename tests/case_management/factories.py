"""Factories for case-management tests: a site with a case manager and a clinician, a
client on both their lists, and needs and referrals made through the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from stepdown.case_management import service
from stepdown.case_management.models import Need, NeedKind, Priority, Referral
from stepdown.case_management.schemas import NeedInput, ReferralInput
from stepdown.clients import care_team
from stepdown.clients.models import Client
from stepdown.kit.clock import today
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_site, make_user


@dataclass
class Team:
    site: Site
    manager: User
    clinician: User
    client: Client

    @property
    def as_manager(self) -> Actor:
        return security_service.actor_for(self.manager)

    @property
    def as_clinician(self) -> Actor:
        return security_service.actor_for(self.clinician)


def assign_case_manager(session: Session, client: Client, manager: User) -> None:
    care_team.assign(
        session,
        actor=SYSTEM,
        client_id=client.id,
        primary_clinician_id=client.primary_clinician_id,
        case_manager_id=manager.id,
    )


def make_team(session: Session, *, site: Site | None = None) -> Team:
    """A client whose primary clinician and case manager are new users of one site."""
    site = site or make_site(session)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    client = make_client(session, site=site, clinician=clinician)
    assign_case_manager(session, client, manager)
    return Team(site, manager, clinician, client)


def make_need(
    session: Session,
    *,
    actor: Actor,
    client: Client,
    kind: NeedKind = NeedKind.HOUSING,
    priority: Priority = Priority.MEDIUM,
    on: date | None = None,
) -> Need:
    return service.add_need(
        session,
        actor=actor,
        client_id=client.id,
        data=NeedInput(kind=kind, detail="Test need", priority=priority, identified_on=on),
        today=today(),
    )


def make_referral(
    session: Session,
    *,
    actor: Actor,
    client: Client,
    need: Need | None = None,
    kind: NeedKind | None = None,
    organization: str = "Test House",
    made_on: date | None = None,
    follow_up_in: int = 7,
) -> Referral:
    """Made ``made_on`` (today) with its follow-up ``follow_up_in`` days after; checked as
    on the day it was made."""
    day = made_on or today()
    return service.make_referral(
        session,
        actor=actor,
        client_id=client.id,
        data=ReferralInput(
            need_id=need.id if need else None,
            kind=kind if kind or need else NeedKind.HOUSING,
            organization=organization,
            contact="Intake",
            phone="555-0101",
            made_on=day,
            follow_up_on=day + timedelta(days=follow_up_in),
        ),
        today=day,
    )
