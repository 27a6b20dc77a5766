"""Synthetic treatment plans for the demo program (every word here is made up).

Most clients in an open episode get a plan in effect, written by the seeder and signed by
their own clinician and, in person, by the client; a few have none yet, so starting one can
be shown. The portal client DEMO-0001 has a plan waiting for their signature. Dates are
moved back to the episode's first days so notes, met objectives and reviews have a history;
two of the first demo clinician's clients have a review overdue. Clients who already have a
plan are left alone, which keeps seeding idempotent.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.continuum import repository as continuum_repository
from stepdown.kit.clock import today
from stepdown.security import repository as security_repository
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.treatment_plans import rules, service
from stepdown.treatment_plans.models import Modality, ObjectiveStatus, TreatmentPlan
from stepdown.treatment_plans.schemas import (
    GoalInput,
    InterventionInput,
    ObjectiveInput,
    ProgressNoteInput,
    ReviewInput,
    StatusChangeInput,
)

PORTAL_CLIENT = "DEMO-0001"
# Whose caseload shows overdue reviews on their home page.
OVERDUE_CLINICIAN = "clinician"
OVERDUE_COUNT = 2


@dataclass(frozen=True)
class Template:
    problem: str
    goal: str
    objectives: tuple[tuple[str, int], ...]  # statement, target days after the start


TEMPLATES = (
    Template(
        "Alcohol use disorder: daily drinking, two failed attempts to cut down (synthetic)",
        "I want to wake up without needing a drink",
        (
            ("Name 5 personal triggers for drinking and a coping skill for each", 21),
            ("Attend 3 mutual-support meetings a week for 6 weeks", 45),
        ),
    ),
    Template(
        "Opioid use disorder, on buprenorphine since detox (synthetic)",
        "Stay clean so I can get my kids back",
        (
            ("Take buprenorphine as prescribed with no missed doses for 30 days", 30),
            ("Submit negative drug tests for 8 weeks in a row", 56),
        ),
    ),
    Template(
        "Unstable housing puts recovery at risk (synthetic)",
        "Have my own place where nobody uses",
        (
            ("Complete 2 sober-living or housing applications with the case manager", 20),
            ("Move into stable housing", 60),
        ),
    ),
    Template(
        "Anxiety and poor sleep that lead to using (synthetic)",
        "Feel calm without pills",
        (
            ("Practise a breathing or grounding skill daily, logged 5 days a week", 28),
            ("Lower the GAD-7 score by at least 5 points", 56),
        ),
    ),
)
INTERVENTIONS = (
    (Modality.CBT_GROUP, "Relapse-prevention skills (CBT)", "3 times a week"),
    (Modality.INDIVIDUAL_THERAPY, "Motivational interviewing", "weekly"),
    (Modality.CASE_MANAGEMENT, "Housing and benefits", "every 2 weeks"),
    (Modality.MAT, "Buprenorphine maintenance with the prescriber", "monthly visit"),
    (Modality.PEER_SUPPORT, "Recovery coach check-ins", "weekly"),
)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(15, 0), tzinfo=UTC)


def seed_demo_treatment_plans(session: Session, *, actor: Actor, clients: list[Client]) -> None:
    """``actor`` (the seeder) writes the drafts; each client's clinician signs them."""
    with_plans = set(session.scalars(select(TreatmentPlan.client_id)))
    rng = random.Random(6)  # noqa: S311 - reproducible synthetic data, not security
    overdue_left = OVERDUE_COUNT
    now = today()
    for index, client in enumerate(clients):
        episode = continuum_repository.open_episode_of(session, client.id)
        if client.id in with_plans or episode is None or client.primary_clinician_id is None:
            continue
        if index % 7 == 4 and client.record_number != PORTAL_CLIENT:
            continue  # no plan yet: the chart offers to start one
        clinician = security_repository.user_by_id(session, client.primary_clinician_id)
        assert clinician is not None
        signer = security_service.actor_for(clinician)
        started = min(episode.admitted_on + timedelta(days=3), now)
        plan = _draft(session, actor, client, rng, started, signer)
        service.sign_as_clinician(session, actor=signer, plan_id=plan.id)
        if client.record_number == PORTAL_CLIENT:
            continue  # waits for the client's own signature in the portal
        service.sign_in_person(session, actor=signer, plan_id=plan.id, attested=True)
        overdue = overdue_left > 0 and clinician.username == OVERDUE_CLINICIAN
        if _backdate(session, signer, plan, started, now, keep_overdue=overdue):
            overdue_left -= 1


def _draft(
    session: Session,
    actor: Actor,
    client: Client,
    rng: random.Random,
    started: date,
    signer: Actor,
) -> TreatmentPlan:
    plan = service.create_plan(session, actor=actor, client_id=client.id)
    for template in rng.sample(TEMPLATES, k=rng.choice((1, 2))):
        problem = service.add_problem(
            session, actor=actor, plan_id=plan.id, statement=template.problem
        )
        goal = service.add_goal(
            session,
            actor=actor,
            plan_id=plan.id,
            data=GoalInput(problem_id=problem.id, client_words=template.goal),
        )
        for statement, days in template.objectives:
            service.add_objective(
                session,
                actor=actor,
                plan_id=plan.id,
                data=ObjectiveInput(
                    goal_id=goal.id,
                    statement=statement,
                    target_date=max(started + timedelta(days=days), today()),
                ),
            )
    for modality, description, frequency in rng.sample(INTERVENTIONS, k=2):
        service.add_intervention(
            session,
            actor=actor,
            plan_id=plan.id,
            data=InterventionInput(
                modality=modality,
                description=description,
                frequency=frequency,
                responsible_user_id=signer.user_id,
            ),
        )
    return plan


def _backdate(
    session: Session,
    signer: Actor,
    plan: TreatmentPlan,
    started: date,
    now: date,
    *,
    keep_overdue: bool,
) -> bool:
    """Move the signed plan back to ``started`` and write, through the service, the notes and
    reviews a real one would have by now. Returns whether its review was left overdue."""
    plan.effective_on = started
    plan.clinician_signed_at = plan.client_signed_at = _at(started)
    plan.next_review_due = rules.next_review_due(
        started_on=started, last_review_on=None, interval_days=plan.review_interval_days
    )
    session.flush()
    objectives = service.get_plan(session, actor=signer, plan_id=plan.id).objectives
    elapsed = (now - started).days
    if elapsed >= 7:
        _note(session, signer, plan, started + timedelta(days=7), {objectives[0].id: S.IN_PROGRESS})
    if elapsed >= 21:
        moves = {objectives[0].id: S.MET}
        if len(objectives) > 1:
            moves[objectives[1].id] = S.IN_PROGRESS
        _note(session, signer, plan, started + timedelta(days=21), moves)
    # An overdue plan misses only its latest review.
    interval = timedelta(days=plan.review_interval_days)
    last_day = now - interval if keep_overdue else now
    while plan.next_review_due <= last_day:
        service.record_review(
            session,
            actor=signer,
            plan_id=plan.id,
            data=ReviewInput(
                reviewed_on=plan.next_review_due,
                summary="Reviewed with the client: progressing; the plan continues (synthetic).",
            ),
        )
    return plan.next_review_due < now


S = ObjectiveStatus


def _note(
    session: Session,
    signer: Actor,
    plan: TreatmentPlan,
    on: date,
    moves: dict[uuid.UUID, ObjectiveStatus],
) -> None:
    service.record_progress_note(
        session,
        actor=signer,
        plan_id=plan.id,
        data=ProgressNoteInput(
            written_on=on,
            narrative="Went over progress toward the goal in session (synthetic).",
            changes=[StatusChangeInput(objective_id=k, to_status=v) for k, v in moves.items()],
        ),
    )
