"""What the client's portal pages show, gathered through the owning domains' services.

Every read goes through a service that scopes it to the signed-in client's own record
(``clients.repository.readable`` for a client actor) and audits it: the client record, their
week (``calendar.service.client_week``, which never reads a group's roster, so no other
client's name can appear), their check-ins, and the goals of their plan in effect
(``treatment_plans.service.goals_for_client``; the full plan and signing it are that
domain's ``/my-plan`` page), and whether they have a final aftercare plan
(``aftercare.service.latest_plan``), so the first page links it only when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from stepdown.aftercare import service as aftercare_service
from stepdown.calendar import rules as calendar_rules
from stepdown.calendar import service as calendar_service
from stepdown.checkins import service as checkins_service
from stepdown.checkins.models import CheckIn
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.kit.errors import NotFound
from stepdown.programs import service as programs_service
from stepdown.programs.models import Site
from stepdown.security.actor import Actor
from stepdown.treatment_plans import service as plans_service
from stepdown.treatment_plans.models import ObjectiveStatus

HISTORY_DAYS = 90
# Objectives still being worked on; a goal whose objectives are all met or discontinued is
# done, and the full plan (``/my-plan``, treatment_plans) still lists it.
OPEN = frozenset(
    {ObjectiveStatus.NOT_STARTED, ObjectiveStatus.IN_PROGRESS, ObjectiveStatus.REVISED}
)


def own_client(session: Session, *, actor: Actor) -> Client:
    """The record linked to this portal account; an audited read."""
    client = clients_service.own_record(session, actor=actor)
    if client is None:
        raise NotFound("your account is not linked to a client record yet: ask the front desk")
    return client


@dataclass(frozen=True)
class Today:
    client: Client
    site: Site | None
    day: date
    checked_in: CheckIn | None  # the latest check-in today, if any
    # A check-in today answered "yes" to thoughts of self-harm: the page leads with what to
    # do now (911, 988, the safety plan). Read from the stored answers, not from the flash,
    # so it stays all day and cannot be faked by a link.
    self_harm_today: bool
    coming_up: list[calendar_service.Entry]  # from today to the end of the week, not cancelled
    goals: list[plans_service.ClientGoal]  # goals of the plan in effect still being worked on
    plan_to_sign: bool  # a plan the clinician signed is waiting for the client's signature
    aftercare_plan: bool  # a final aftercare plan: its page has something to show


def today_page(session: Session, *, actor: Actor, day: date) -> Today | None:
    """The portal's first page: today's check-in prompt and the rest of this week. None
    for an account not linked to a record yet (the page says whom to ask)."""
    client = clients_service.own_record(session, actor=actor)
    if client is None:
        return None
    todays = checkins_service.history(session, actor=actor, client_id=client.id, since=day)
    week = calendar_service.client_week(
        session, actor=actor, client_id=client.id, week_of=calendar_rules.week_start(day)
    )
    return Today(
        client=client,
        site=programs_service.get_site(session, client.site_id),
        day=day,
        checked_in=next((c for c in todays if c.day == day), None),
        self_harm_today=any(c.day == day and c.self_harm_thoughts is True for c in todays),
        coming_up=[e for e in week.entries if e.day >= day and not e.cancelled],
        goals=[
            g
            for g in plans_service.goals_for_client(session, actor=actor, client_id=client.id)
            if not g.objectives or any(o.status in OPEN for o in g.objectives)
        ],
        plan_to_sign=plans_service.awaiting_client_signature(
            session, actor=actor, client_id=client.id
        )
        is not None,
        aftercare_plan=aftercare_service.latest_plan(session, actor=actor, client_id=client.id)
        is not None,
    )


def checked_in_on(session: Session, *, actor: Actor, client: Client, day: date) -> bool:
    """Whether the client already checked in on ``day`` (the form says so, and still takes
    another: see ``checkins.rules``)."""
    todays = checkins_service.history(session, actor=actor, client_id=client.id, since=day)
    return any(c.day == day for c in todays)


def history_page(session: Session, *, actor: Actor, day: date) -> tuple[Client, list[CheckIn]]:
    """The client's own check-ins over the last 90 days, newest first."""
    client = own_client(session, actor=actor)
    since = day - timedelta(days=HISTORY_DAYS - 1)
    return client, checkins_service.history(session, actor=actor, client_id=client.id, since=since)


def schedule_page(
    session: Session, *, actor: Actor, week_of: date
) -> tuple[Client, calendar_service.ClientWeek]:
    client = own_client(session, actor=actor)
    week = calendar_service.client_week(session, actor=actor, client_id=client.id, week_of=week_of)
    return client, week
