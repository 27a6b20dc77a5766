"""Synthetic intakes for the demo's clients in care.

Every demo client with an open episode and a (synthetic) primary clinician gets an intake
written through the service (so the checks and the audit run as they do in the browser)
for that clinician, and signed as them with a seeded signature
(``service.sign_for_demo_seed``: a ``Signature`` row like any other, that verifies with
``signing.intact``), except:

- every ``SKIP_EVERY``-th client gets none, so the home page's "intakes due" list has
  clients to show;
- the first client left otherwise gets a draft, so a demo clinician finds one to finish.

Every text says it is synthetic. Deterministic (a seeded generator over the clients in
record-number order) and idempotent: an episode that has an intake is left alone, and the
clients skipped are the same on every run, so seeding again adds nothing.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.continuum import repository as continuum_repository
from stepdown.intake import service
from stepdown.intake.models import (
    Answer,
    Employment,
    Frequency,
    Housing,
    Intake,
    IntakeStatus,
    Route,
    Substance,
)
from stepdown.intake.schemas import IntakeWrite, SubstanceWrite
from stepdown.kit import clock
from stepdown.security.actor import Actor
from stepdown.security.models import User

SKIP_EVERY = 7
SYNTHETIC = " (Synthetic demo record.)"

# (primary substance, route, typical amount, pattern, a second substance or None)
PROFILES = (
    (Substance.ALCOHOL, Route.ORAL, "8-10 drinks a day", "daily, drinking in the morning", None),
    (Substance.OPIOID, Route.INJECTION, "1-2 g heroin a day", "daily", Substance.SEDATIVE),
    (Substance.OPIOID, Route.INHALATION, "3-4 pills a day", "daily", Substance.CANNABIS),
    (Substance.AMPHETAMINE, Route.SMOKING, "binges of 2-3 days", "weekends", Substance.ALCOHOL),
    (Substance.CANNABIS, Route.SMOKING, "several times a day", "daily", Substance.ALCOHOL),
    (Substance.COCAINE, Route.INHALATION, "1-2 g a night", "weekends", Substance.ALCOHOL),
    (Substance.ALCOHOL, Route.ORAL, "a bottle of wine a night", "evenings", Substance.SEDATIVE),
)
PRESENTING = (
    "Came after a second DUI; says drinking has taken over evenings and mornings.",
    "Referred by the emergency department after an overdose reversed with naloxone.",
    "Wants to stop before losing custody; partner asked them to get help.",
    "Stepped down from residential treatment; wants support to keep going.",
    "Missing work; employer's assistance program referred them.",
)
GOALS = (
    "Stay sober and keep my job.",
    "Be there for my kids.",
    "Stop using and get my health back.",
    "Finish probation and move out on my own.",
)
STRENGTHS = (
    "Close to a sister who supports treatment; enjoys cooking and running.",
    "Steady work history; motivated by family.",
    "Has been sober before for a year; knows what helped.",
)


def _answer(rng: random.Random, yes: float) -> Answer:
    return Answer.YES if rng.random() < yes else Answer.NO


def _interviewed_at(admitted_on: date, now: datetime) -> datetime:
    moment = clock.to_utc(datetime.combine(admitted_on, time(10, 0)))
    return min(moment, now)


def _draft(rng: random.Random, client: Client, interviewed_at: datetime) -> IntakeWrite:
    primary, route, amount, pattern, second = rng.choice(PROFILES)
    interview_day = clock.local(interviewed_at).date()
    age = (interview_day - client.date_of_birth).days // 365
    first_age = rng.randint(min(13, age), max(min(13, age), min(age, 24)))
    last = interview_day - timedelta(days=rng.randint(1, 20))
    rows = [
        SubstanceWrite(
            substance=primary,
            age_first_use=first_age,
            route=route,
            frequency=Frequency.DAILY if pattern == "daily" else Frequency.WEEKLY,
            amount=amount,
            pattern=pattern,
            last_use_on=last,
            last_use_time="22:00" if rng.random() < 0.6 else None,
        )
    ]
    if second is not None:
        rows.append(
            SubstanceWrite(
                substance=second,
                age_first_use=min(age, first_age + rng.randint(0, 5)),
                route=Route.SMOKING if second is Substance.CANNABIS else Route.ORAL,
                frequency=rng.choice((Frequency.MONTHLY, Frequency.WEEKLY)),
                last_use_on=last - timedelta(days=rng.randint(0, 10)),
            )
        )
    exposure = _answer(rng, 0.5)
    items = {
        f"ptsd_{n}": _answer(rng, 0.5) if exposure is Answer.YES else None for n in range(1, 6)
    }
    return IntakeWrite(
        interviewed_at=interviewed_at,
        presenting_problem=rng.choice(PRESENTING) + SYNTHETIC,
        client_goals=rng.choice(GOALS),
        substances=rows,
        withdrawal_complications=_answer(rng, 0.15),
        on_medication_for_sud=Answer.YES if primary is Substance.OPIOID else Answer.NO,
        prior_treatment=_answer(rng, 0.5),
        prior_withdrawal_management=_answer(rng, 0.3),
        prior_residential=_answer(rng, 0.2),
        prior_medication_for_sud=Answer.YES if primary is Substance.OPIOID else Answer.NO,
        treatment_history="One prior outpatient episode; left after four weeks." + SYNTHETIC,
        medical_problems_now=_answer(rng, 0.2),
        medical_history="High blood pressure, treated by primary care." + SYNTHETIC,
        psychiatric_diagnoses=rng.choice(("", "Major depressive disorder, recurrent")),
        psychiatric_hospitalizations=_answer(rng, 0.15),
        psychiatric_history="Outpatient counseling in the past." + SYNTHETIC,
        family="Lives near parents; one sibling in recovery." + SYNTHETIC,
        housing=rng.choice((Housing.INDEPENDENT, Housing.INDEPENDENT, Housing.DEPENDENT)),
        others_use_at_home=_answer(rng, 0.2),
        probation_or_parole=_answer(rng, 0.25),
        court_case_pending=_answer(rng, 0.15),
        employment=rng.choice(list(Employment)),
        in_school=Answer.NO,
        trauma_exposure=exposure,
        strengths=rng.choice(STRENGTHS),
        treatment_preferences="Evening groups; a female clinician if possible." + SYNTHETIC,
        preferred_language="English",
        interpreter_needed=Answer.NO,
        **items,
    )


def seed_demo_intake(
    session: Session,
    *,
    actor: Actor,
    clients: Sequence[Client],
    now: datetime | None = None,
) -> int:
    """Write (and mostly sign) intakes for the demo clients in care, as the system acting
    for each client's synthetic clinician; return how many were written."""
    moment = now or clock.utc_now()
    rng = random.Random(1414)  # noqa: S311 - reproducible synthetic data, not security
    have_draft = session.scalar(
        select(Intake.id)
        .join(Client, Client.id == Intake.client_id)
        .where(Intake.status == IntakeStatus.DRAFT, Client.record_number.like("DEMO-%"))
        .limit(1)
    )
    written = 0
    for index, client in enumerate(sorted(clients, key=lambda c: c.record_number)):
        if index % SKIP_EVERY == SKIP_EVERY - 1 or client.primary_clinician_id is None:
            continue
        episode = continuum_repository.open_episode_of(session, client.id)
        if episode is None or episode.admitted_on > clock.local(moment).date():
            continue
        if session.scalar(select(Intake.id).where(Intake.episode_id == episode.id)) is not None:
            continue
        clinician = session.get(User, client.primary_clinician_id)
        if clinician is None or not clinician.is_active or not clinician.is_synthetic:
            continue
        interviewed_at = _interviewed_at(episode.admitted_on, moment)
        data = _draft(rng, client, interviewed_at)
        intake = service.start_intake(
            session, actor=actor, client_id=client.id, interviewed_at=interviewed_at
        )
        intake.author_id = clinician.id  # written for the synthetic clinician
        service.save_draft(session, actor=actor, intake_id=intake.id, data=data)
        if have_draft is None:
            have_draft = intake.id  # the one left for a clinician to finish
        else:
            service.sign_for_demo_seed(
                session, actor=actor, intake_id=intake.id, signer_id=clinician.id
            )
        written += 1
    return written
