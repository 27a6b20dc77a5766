"""Diagnoses made through the service, for tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.continuum.models import Episode
from stepdown.diagnoses import service
from stepdown.diagnoses.models import Diagnosis, Severity
from stepdown.diagnoses.rules import Specifiers
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import make_client, make_episode, make_site, make_user


@dataclass(frozen=True)
class Chart:
    """A clinician, a client on their caseload, and the client's open episode."""

    clinician: User
    actor: Actor
    client: Client
    episode: Episode


def make_chart(session: Session, *, admitted_on: date | None = None) -> Chart:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    client = make_client(session, site=site, clinician=clinician)
    episode = make_episode(session, client=client, on=admitted_on)
    return Chart(clinician, security_service.actor_for(clinician), client, episode)


def make_diagnosis(
    session: Session,
    chart: Chart,
    *,
    code: str = "F10.20",
    principal: bool = False,
    specifiers: Specifiers | None = None,
    diagnosed_on: date | None = None,
) -> Diagnosis:
    """A diagnosis of the chart's episode by its clinician; an F1x.20 code gets "moderate"
    unless specifiers are given."""
    if specifiers is None:
        specifiers = Specifiers(Severity.MODERATE) if code.endswith(".20") else Specifiers()
    return service.add_diagnosis(
        session,
        actor=chart.actor,
        client_id=chart.client.id,
        code=code,
        principal=principal,
        specifiers=specifiers,
        diagnosed_on=diagnosed_on or chart.episode.admitted_on,
    )
