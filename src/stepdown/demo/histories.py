"""Synthetic care histories for the demo clients: every level, step-downs, a referral out to
detox and back, completed and against-advice discharges. Dates are relative to today, so
the demo looks current whenever it is seeded; clients who already have an episode are left
alone, which keeps seeding idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType, Episode, PartnerProvider, Track, Transition
from stepdown.kit.clock import today
from stepdown.security import repository as security_repository
from stepdown.security import service as security_service
from stepdown.security.actor import Actor

PARTNERS = (
    ("Hillcrest Medical Detox (demo)", "DETOX", "555-0300", "7 Placeholder Road, Springfield"),
    ("Lakeside Residential Recovery (demo)", "RESIDENTIAL", "555-0400", "90 Mock Lane, Ogdenville"),
    (
        "County General Psychiatric Unit (demo)",
        "HOSPITAL",
        "555-0500",
        "1 Sample Avenue, Springfield",
    ),
)

Step = Callable[[Session, Actor, Client, dict[str, PartnerProvider], date], None]


def _admit(
    session: Session, actor: Actor, client: Client, code: str, track: Track, on: date, reason: str
) -> Episode:
    return continuum_service.admit(
        session,
        actor=actor,
        client_id=client.id,
        level_code=code,
        track=track,
        on=on,
        reason=reason,
    )


def _down(
    session: Session, actor: Actor, episode: Episode, code: str, track: Track, on: date, reason: str
) -> None:
    continuum_service.step(
        session,
        actor=actor,
        episode_id=episode.id,
        direction=Transition.STEP_DOWN,
        level_code=code,
        track=track,
        on=on,
        reason=reason,
    )


def php_new(
    session: Session, actor: Actor, client: Client, _: dict[str, PartnerProvider], now: date
) -> None:
    _admit(
        session,
        actor,
        client,
        "PHP",
        Track.DAY,
        now - timedelta(days=10),
        "Early stabilization after detox; needs daily structure and medical monitoring.",
    )


def php_to_iop(
    session: Session, actor: Actor, client: Client, _: dict[str, PartnerProvider], now: date
) -> None:
    episode = _admit(
        session,
        actor,
        client,
        "PHP",
        Track.DAY,
        now - timedelta(days=60),
        "Daily use with frequent cravings; unstable first week after detox.",
    )
    _down(
        session,
        actor,
        episode,
        "IOP",
        Track.EVENING,
        now - timedelta(days=35),
        "Stable for three weeks; returning to work, so evening track.",
    )


def php_iop_op(
    session: Session, actor: Actor, client: Client, _: dict[str, PartnerProvider], now: date
) -> None:
    episode = _admit(
        session,
        actor,
        client,
        "PHP",
        Track.DAY,
        now - timedelta(days=110),
        "Referred from a partner detox; high relapse risk.",
    )
    _down(
        session,
        actor,
        episode,
        "IOP",
        Track.DAY,
        now - timedelta(days=80),
        "Cravings down, attending fully; ready for fewer hours.",
    )
    _down(
        session,
        actor,
        episode,
        "OP",
        Track.EVENING,
        now - timedelta(days=20),
        "Met IOP goals; strong support at home; maintaining recovery in OP.",
    )


def iop_evening(
    session: Session, actor: Actor, client: Client, _: dict[str, PartnerProvider], now: date
) -> None:
    _admit(
        session,
        actor,
        client,
        "IOP",
        Track.EVENING,
        now - timedelta(days=30),
        "Moderate use, stable home, works days: evening IOP fits.",
    )


def iop_long(
    session: Session, actor: Actor, client: Client, _: dict[str, PartnerProvider], now: date
) -> None:
    _admit(
        session,
        actor,
        client,
        "IOP",
        Track.DAY,
        now - timedelta(days=95),
        "Co-occurring depression; needs structure while between jobs.",
    )


def op_only(
    session: Session, actor: Actor, client: Client, _: dict[str, PartnerProvider], now: date
) -> None:
    _admit(
        session,
        actor,
        client,
        "OP",
        Track.EVENING,
        now - timedelta(days=40),
        "Mild, short-term use with strong social support.",
    )


def detox_and_back(
    session: Session, actor: Actor, client: Client, partners: dict[str, PartnerProvider], now: date
) -> None:
    episode = _admit(
        session,
        actor,
        client,
        "IOP",
        Track.EVENING,
        now - timedelta(days=50),
        "Alcohol use disorder, stable housing, works days.",
    )
    continuum_service.refer_out(
        session,
        actor=actor,
        episode_id=episode.id,
        partner_id=partners["DETOX"].id,
        on=now - timedelta(days=30),
        reason="Relapse with withdrawal signs: medical detox first.",
    )
    continuum_service.return_from_referral(
        session,
        actor=actor,
        episode_id=episode.id,
        level_code="IOP",
        track=Track.EVENING,
        on=now - timedelta(days=24),
        reason="Detox completed; resuming evening IOP.",
    )


def to_aftercare(
    session: Session, actor: Actor, client: Client, _: dict[str, PartnerProvider], now: date
) -> None:
    episode = _admit(
        session,
        actor,
        client,
        "IOP",
        Track.DAY,
        now - timedelta(days=130),
        "Opioid use disorder on buprenorphine; needs structure.",
    )
    _down(
        session,
        actor,
        episode,
        "OP",
        Track.DAY,
        now - timedelta(days=60),
        "Twelve weeks of IOP completed; goals met.",
    )
    _down(
        session,
        actor,
        episode,
        "AFTERCARE",
        Track.NONE,
        now - timedelta(days=6),
        "Discharged from OP to aftercare: check-ins, meetings, alumni.",
    )


def completed(
    session: Session, actor: Actor, client: Client, _: dict[str, PartnerProvider], now: date
) -> None:
    episode = _admit(
        session,
        actor,
        client,
        "PHP",
        Track.DAY,
        now - timedelta(days=150),
        "Stimulant use with daily use; early stabilization.",
    )
    _down(
        session,
        actor,
        episode,
        "IOP",
        Track.EVENING,
        now - timedelta(days=125),
        "Stable; back at school days.",
    )
    _down(session, actor, episode, "OP", Track.EVENING, now - timedelta(days=45), "IOP completed.")
    continuum_service.discharge(
        session,
        actor=actor,
        episode_id=episode.id,
        discharge_type=DischargeType.COMPLETED,
        on=now - timedelta(days=5),
        summary="Completed treatment; aftercare plan with weekly "
        "mutual-help meetings and monthly check-ins.",
    )


def left_early(
    session: Session, actor: Actor, client: Client, _: dict[str, PartnerProvider], now: date
) -> None:
    episode = _admit(
        session,
        actor,
        client,
        "IOP",
        Track.DAY,
        now - timedelta(days=40),
        "Cannabis and alcohol use; ambivalent about change.",
    )
    continuum_service.discharge(
        session,
        actor=actor,
        episode_id=episode.id,
        discharge_type=DischargeType.LEFT_AGAINST_ADVICE,
        on=now - timedelta(days=15),
        summary="Stopped attending after week three; outreach by phone and letter; door left open.",
    )


def residential_away(
    session: Session, actor: Actor, client: Client, partners: dict[str, PartnerProvider], now: date
) -> None:
    episode = _admit(
        session,
        actor,
        client,
        "IOP",
        Track.DAY,
        now - timedelta(days=45),
        "Polysubstance use; housing unstable.",
    )
    continuum_service.refer_out(
        session,
        actor=actor,
        episode_id=episode.id,
        partner_id=partners["RESIDENTIAL"].id,
        on=now - timedelta(days=8),
        reason="Lost housing and resumed daily use: residential care.",
    )


# One pattern per client index (mod 10); index 6 goes to detox and back once, then aftercare.
PATTERNS: tuple[Step, ...] = (
    php_new,
    php_to_iop,
    php_iop_op,
    iop_evening,
    iop_long,
    op_only,
    to_aftercare,
    completed,
    left_early,
    iop_evening,
)


def _partners(session: Session, actor: Actor) -> dict[str, PartnerProvider]:
    found: dict[str, PartnerProvider] = {}
    existing = {p.name: p for p in continuum_service.partners(session)}
    for name, code, phone, address in PARTNERS:
        partner = existing.get(name) or continuum_service.create_partner(
            session,
            actor=actor,
            name=name,
            level_code=code,
            phone=phone,
            address=address,
            is_synthetic=True,
        )
        found[code] = partner
    return found


def seed_histories(session: Session, *, actor: Actor, clients: list[Client]) -> None:
    partners = _partners(session, actor)
    with_episodes = set(session.scalars(select(Episode.client_id)))
    now = today()
    for index, client in enumerate(clients):
        if client.id in with_episodes or client.primary_clinician_id is None:
            continue
        clinician = security_repository.user_by_id(session, client.primary_clinician_id)
        assert clinician is not None
        clinician_actor = security_service.actor_for(clinician)
        if index == 6:
            pattern: Step = detox_and_back
        elif index == 19:
            pattern = residential_away
        else:
            pattern = PATTERNS[index % len(PATTERNS)]
        pattern(session, clinician_actor, client, partners, now)
