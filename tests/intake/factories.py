"""Intake test data: a clinician with a client in care, a complete draft, a signed intake,
and a supervision that asks for co-signatures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.continuum.models import Episode
from stepdown.intake import service
from stepdown.intake.models import Answer, Frequency, Intake, Route, Substance
from stepdown.intake.schemas import IntakeWrite, SubstanceWrite
from stepdown.kit import clock
from stepdown.kit.clock import today, utc_now
from stepdown.programs.models import Site
from stepdown.security.models import Supervision, User
from stepdown.security.roles import Role
from stepdown.security.service import actor_for
from tests.factories import PASSWORD, make_client, make_episode, make_site, make_user

PRESENTING = "Drinking every day since a layoff; wants to stop before it costs the family."


@dataclass
class Setting:
    site: Site
    clinician: User
    client: Client
    episode: Episode


def make_setting(session: Session, *, admitted_days_ago: int = 30) -> Setting:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    client = make_client(session, site=site, clinician=clinician)
    episode = make_episode(session, client=client, on=today() - timedelta(days=admitted_days_ago))
    return Setting(site, clinician, client, episode)


def complete(**overrides: Any) -> IntakeWrite:
    """A draft that can be signed: a presenting problem and an alcohol row, last used a
    day before the interview (two hours ago)."""
    interviewed = utc_now() - timedelta(hours=2)
    last = interviewed - timedelta(hours=26)
    fields: dict[str, Any] = {
        "interviewed_at": interviewed,
        "presenting_problem": PRESENTING,
        "client_goals": "Stay sober for my kids.",
        "substances": [
            SubstanceWrite(
                substance=Substance.ALCOHOL,
                age_first_use=15,
                route=Route.ORAL,
                frequency=Frequency.DAILY,
                amount="8-10 drinks a day",
                pattern="daily, morning drinking",
                # The day only (no time): the rules read the end of that day.
                last_use_on=clock.local(last).date(),
            )
        ],
        "withdrawal_complications": Answer.NO,
        "housing": None,
    }
    fields.update(overrides)
    return IntakeWrite.model_validate(fields)


def make_intake(
    session: Session,
    setting: Setting,
    *,
    data: IntakeWrite | None = None,
    sign: bool = False,
    author: User | None = None,
) -> Intake:
    actor = actor_for(author or setting.clinician)
    intake = service.start_intake(
        session,
        actor=actor,
        client_id=setting.client.id,
        interviewed_at=datetime.now(UTC) - timedelta(hours=2),
    )
    service.save_draft(session, actor=actor, intake_id=intake.id, data=data or complete())
    if sign:
        service.sign(session, actor=actor, intake_id=intake.id, secret=PASSWORD)
    return intake


def supervise(session: Session, user: User, supervisor: User, *, cosign: bool = True) -> None:
    session.add(
        Supervision(
            user_id=user.id, supervisor_id=supervisor.id, since=utc_now(), cosign_notes=cosign
        )
    )
    session.flush()
