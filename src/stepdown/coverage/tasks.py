"""The nightly re-verification of everyone in care (``eligibility.reverify_in_care``), through
the gateway the settings configure, early enough that the day's staff see the answers."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy.orm import Session

from stepdown.coverage import eligibility
from stepdown.jobs.registry import periodic
from stepdown.security.actor import Actor
from stepdown.settings import Settings

RUN_AT = time(5, 30)


@periodic("coverage.reverify", at=RUN_AT)
def reverify(session: Session, *, actor: Actor, settings: Settings, day: date) -> None:
    eligibility.reverify_in_care(
        session, actor=actor, route=eligibility.route_for(settings), today=day
    )
